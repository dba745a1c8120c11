package diagram

import (
	"math"
	"strconv"
	"time"
)

// niceStep is a tick step of 1, 2 or 5 times a power of ten that cuts
// span into about target parts.
func niceStep(span float64, target int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) || target < 1 {
		return 1
	}
	raw := span / float64(target)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// ticks are the multiples of step from 0 up to limit.
func ticks(limit, step float64) []float64 {
	var out []float64
	if step <= 0 || limit <= 0 || limit/step > 1000 {
		return []float64{0}
	}
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > limit*(1+1e-9) {
			return out
		}
		out = append(out, v)
	}
}

// timeTicks chooses the ticks of a time axis of the given length and how
// to write them: milliseconds for a short axis, seconds, or minutes for
// a long one, so the labels fall on round numbers of their unit.
func timeTicks(length time.Duration, target int) (values []time.Duration, label func(time.Duration) string) {
	secs := length.Seconds()
	switch {
	case secs < 2:
		step := niceStep(secs*1000, target)
		for _, v := range ticks(secs*1000, step) {
			values = append(values, time.Duration(v*float64(time.Millisecond)))
		}
		return values, func(d time.Duration) string {
			return trimFloat(float64(d)/float64(time.Millisecond), 1) + " ms"
		}
	case secs <= 1200:
		step := niceStep(secs, target)
		for _, v := range ticks(secs, step) {
			values = append(values, time.Duration(v*float64(time.Second)))
		}
		return values, func(d time.Duration) string { return trimFloat(d.Seconds(), 2) + " s" }
	}
	mins := secs / 60
	step := niceStep(mins, target)
	for _, v := range ticks(mins, step) {
		values = append(values, time.Duration(v*float64(time.Minute)))
	}
	return values, func(d time.Duration) string { return trimFloat(d.Minutes(), 1) + " min" }
}

// itoa is strconv.Itoa for int64.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
