package capgen

import (
	"math"
	"math/rand/v2"
)

// Durations in nanoseconds, the unit of capture time here.
const (
	us  int64 = 1_000
	ms  int64 = 1_000_000
	sec int64 = 1_000_000_000
)

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// logNormal draws around median with spread sigma (of the logarithm):
// transfer sizes, rates and service times are roughly log-normal in
// real traffic.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// between draws a log-normal value clamped to [lo, hi].
func between(r *rand.Rand, median, sigma, lo, hi float64) float64 {
	return min(max(logNormal(r, median, sigma), lo), hi)
}

// jitter is a processing time around median ns, never below a tenth of it.
func jitter(r *rand.Rand, median int64) int64 {
	return max(int64(logNormal(r, float64(median), 0.5)), median/10)
}

// expGap is an exponential inter-arrival time with the given mean.
func expGap(r *rand.Rand, mean int64) int64 {
	return int64(r.ExpFloat64() * float64(mean))
}

// pick returns an index with probability proportional to its weight.
func pick(r *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
