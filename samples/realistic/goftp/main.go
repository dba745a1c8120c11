// Command goftp is a github.com/jlaffaye/ftp client for the volume lab:
// one session, one action.
//
//	goftp -mode epsv|pasv [-rest N] HOST USER PASSWORD get|put|list PATH [LOCAL]
//
// The library only does passive transfers: EPSV unless -mode pasv turns
// it off. -rest resumes a download at byte N (REST, then RETR). The
// session ends with QUIT unless the server already closed it. It has its
// own go.mod so that ftpcap's module does not depend on the library.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/jlaffaye/ftp"
)

func main() {
	mode := flag.String("mode", "epsv", "data mode: epsv or pasv")
	rest := flag.Uint64("rest", 0, "resume a download at this offset")
	flag.Parse()
	if flag.NArg() < 5 {
		fmt.Fprintln(os.Stderr, "usage: goftp [-mode m] [-rest n] HOST USER PASSWORD get|put|list PATH [LOCAL]")
		os.Exit(2)
	}
	if err := run(*mode, *rest, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "goftp:", err)
		os.Exit(1)
	}
}

func run(mode string, rest uint64, args []string) error {
	host, user, password, action, path := args[0], args[1], args[2], args[3], args[4]
	opts := []ftp.DialOption{ftp.DialWithTimeout(30 * time.Second)}
	if mode == "pasv" {
		opts = append(opts, ftp.DialWithDisabledEPSV(true))
	}
	c, err := ftp.Dial(net.JoinHostPort(host, "21"), opts...)
	if err != nil {
		return err
	}
	defer c.Quit()
	if err := c.Login(user, password); err != nil {
		return err
	}
	switch action {
	case "get":
		r, err := c.RetrFrom(path, rest)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		return err
	case "put":
		f, err := os.Open(args[5])
		if err != nil {
			return err
		}
		defer f.Close()
		return c.Stor(path, f)
	default:
		_, err := c.List(path)
		return err
	}
}
