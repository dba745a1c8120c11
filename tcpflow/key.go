package tcpflow

type connKey struct{}
