package live

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// MetricsServer serves /metrics over HTTP.
type MetricsServer struct {
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// ServeMetrics listens on addr (":9310", "127.0.0.1:9310") at once, so a
// bad or busy address stops the run before the capture starts, and serves
// h at /metrics in the background.
func ServeMetrics(addr string, h http.Handler) (*MetricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "ftpcap live: metrics at /metrics")
	})
	s := &MetricsServer{ln: ln, done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address listened on (with the port chosen, for ":0").
func (s *MetricsServer) Addr() string { return s.ln.Addr().String() }

// Close stops serving.
func (s *MetricsServer) Close() error {
	err := s.srv.Close()
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
