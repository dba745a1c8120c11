package main

import "github.com/ftpcap/ftpcap/correlate"

// correlateVantages matches the capture points' connections and packets:
// package correlate's engine (correlate.Correlate), wired here in one
// place. Nil, --vantage says the build cannot correlate; tests set it to
// correlations built by hand.
var correlateVantages = func(vs []correlate.Vantage) *correlate.Correlation {
	return correlate.Correlate(vs, correlate.Options{})
}
