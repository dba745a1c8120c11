package main

import "github.com/ftpcap/ftpcap/correlate"

// correlateVantages matches the capture points' connections and packets:
// package correlate's engine, wired here in one place so that tests can
// put correlations built by hand in its stead.
var correlateVantages = func(vs []correlate.Vantage) *correlate.Correlation {
	return correlate.Correlate(vs, correlate.Options{})
}
