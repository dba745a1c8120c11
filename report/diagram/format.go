package diagram

import (
	"github.com/ftpcap/ftpcap/internal/words"
	"math"
	"strconv"
	"time"
)

// span writes a duration as a person reads it in a fold or a gap: 850 ms,
// 12.4 s, 3 min 20 s, 2 h 05 min.
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + " µs"
	case d < time.Second:
		return trimFloat(float64(d)/float64(time.Millisecond), 1) + " ms"
	case d < time.Minute:
		return trimFloat(d.Seconds(), 1) + " s"
	case d < time.Hour:
		m := int64(d / time.Minute)
		s := int64((d % time.Minute) / time.Second)
		return strconv.FormatInt(m, 10) + " min " + strconv.FormatInt(s, 10) + " s"
	}
	h := int64(d / time.Hour)
	m := int64((d % time.Hour) / time.Minute)
	return strconv.FormatInt(h, 10) + " h " + pad2(m) + " min"
}

// offset writes a time since the start of a drawing, with the precision
// a packet ladder needs: 0.512 s, 73.1 s, 1h02m.
func offset(d time.Duration) string {
	switch {
	case d < 100*time.Second && d > -100*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
	case d < time.Hour:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + "h" + pad2(int64((d%time.Hour)/time.Minute)) + "m"
}

// exactOffset is the hover text's time: to the microsecond.
func exactOffset(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) + " s"
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// trimFloat writes x with at most prec decimals and no trailing zeros.
func trimFloat(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if prec > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// short writes a byte count or sequence offset in few characters: 1448,
// 64K, 1.5M, 2.1G (decimal units: the axis ticks fall on round numbers).
func short(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 10_000:
		return trimFloat(v, 0)
	case a < 1e6:
		return trimFloat(v/1e3, 1) + "K"
	case a < 1e9:
		return trimFloat(v/1e6, 2) + "M"
	}
	return trimFloat(v/1e9, 2) + "G"
}

// seqText writes a relative sequence number for a ladder label: exact up
// to seven digits, shortened beyond.
func seqText(v uint32) string {
	if v < 10_000_000 {
		return strconv.FormatUint(uint64(v), 10)
	}
	return short(float64(v))
}

// sizeText writes a byte count: 1,234 bytes, 7.34MB.
func sizeText(n int64) string {
	if n < 10_000 {
		return words.GroupDigits(n) + " bytes"
	}
	return short(float64(n)) + "B"
}
