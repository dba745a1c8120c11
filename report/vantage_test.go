package report

import (
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

func TestClockOffsetWords(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want string
	}{{3.25, "+3.250 s"}, {-5e-7, "+0.000 s"}, {-0.0006, "-0.001 s"}, {-2.5, "-2.500 s"}, {0, "+0.000 s"}} {
		if got := clockOffset(1, analysis.VantagePoint{ClockOffsetS: c.s}); got != c.want {
			t.Errorf("clockOffset(%v) = %q, want %q", c.s, got, c.want)
		}
	}
	if got := clockOffset(0, analysis.VantagePoint{ClockOffsetS: 1}); got != "reference" {
		t.Errorf("the first point's clock = %q, want reference", got)
	}
}
