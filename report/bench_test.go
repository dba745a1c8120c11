package report

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// bigResult repeats the broken fixture's sessions and verdicts n times:
// the size of a busy server's day.
func bigResult(n int) *analysis.Result {
	base := fixtureBroken()
	r := *base
	r.Sessions, r.Breaks, r.Findings, r.Connections = nil, nil, nil, nil
	for i := range n {
		shift := time.Duration(i) * time.Second
		for _, s := range base.Sessions {
			s.ID = fmt.Sprintf("S%d", len(r.Sessions)+1)
			s.Start, s.End = s.Start.Add(shift), s.End.Add(shift)
			r.Sessions = append(r.Sessions, s)
		}
		for _, v := range base.Breaks {
			v.ID = fmt.Sprintf("B%d", len(r.Breaks)+1)
			r.Breaks = append(r.Breaks, v)
		}
		for _, v := range base.Findings {
			v.ID = fmt.Sprintf("F%d", len(r.Findings)+1)
			r.Findings = append(r.Findings, v)
		}
		r.Connections = append(r.Connections, base.Connections...)
	}
	return &r
}

func BenchmarkWrite(b *testing.B) {
	r := bigResult(300) // 900 sessions, 1,500 breaks, 600 findings, 900 connections
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, r, Options{Format: format, Verbose: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
