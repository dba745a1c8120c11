module github.com/ftpcap/ftpcap/samples/realistic/goftp

go 1.21

require github.com/jlaffaye/ftp v0.2.4
