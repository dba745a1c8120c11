package capgen

import "time"

// DefaultSeed is the seed of the benchmark captures.
const DefaultSeed = 20240305

// captureStart is the capture time of the benchmark captures' first
// packet: fixed, so the files are the same on every run.
var captureStart = time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)

// Large is a capture of about size bytes dominated by big transfers in
// full-sized segments: a file server's busy minute, seen from its
// clients' LAN, with a share of failures and some losses.
func Large(size int64) Profile {
	return Profile{
		Name: "large", Seed: DefaultSeed, Start: captureStart,
		TargetBytes: size,
		clients:     [2]int{200, 40},
		mix: mix{
			arrivalMean: 250 * ms,
			v6Share:     0.15,
			habits:      [numHabits]float64{habitCurl: 35, habitLFTP: 35, habitWinFTP: 5, habitBackup: 25},
			endings: [numEndings]float64{endQuit: 86, endLoginFailures: 3, endTooMany: 2,
				endIdleTimeout: 1, endSYNUnanswered: 5, endRefused: 3},
			outcomes: [numOutcomes]float64{xferOK: 85, xferMissing: 3, xferDenied: 2,
				xferServerReset: 2, xferMiddlebox: 2, xferAbort: 3, xferBlocked: 3},
			extraXfers: 1, maxXfers: 5, listShare: 0.15, listLines: 40,
			sizeMedian: 8e6, sizeSigma: 1.5, sizeMin: 64e3, sizeMax: 512e6,
			rateMedian: 300e6, rateSigma: 0.6, rateMin: 20e6, rateMax: 950e6,
			lossShare: 0.3,
		},
	}
}

// Many is a capture of about conns short TCP connections: scripts and
// people fetching small files and listings from three servers, with the
// same share of failures.
func Many(conns int) Profile {
	return Profile{
		Name: "many", Seed: DefaultSeed, Start: captureStart,
		TargetConns: conns,
		clients:     [2]int{500, 200},
		mix: mix{
			arrivalMean: 40 * ms,
			v6Share:     0.2,
			habits:      [numHabits]float64{habitCurl: 10, habitLFTP: 30, habitWinFTP: 10, habitBackup: 25, habitProbe: 25},
			endings: [numEndings]float64{endQuit: 86, endLoginFailures: 4, endTooMany: 2,
				endIdleTimeout: 1, endSYNUnanswered: 4, endRefused: 3},
			outcomes: [numOutcomes]float64{xferOK: 88, xferMissing: 3, xferDenied: 1.5,
				xferServerReset: 0.5, xferMiddlebox: 0.5, xferAbort: 1, xferBlocked: 0.5},
			extraXfers: 7, maxXfers: 16, listShare: 0.3, listLines: 5,
			sizeMedian: 100, sizeSigma: 1.0, sizeMin: 0, sizeMax: 256e3,
			rateMedian: 100e6, rateSigma: 0.8, rateMin: 5e6, rateMax: 950e6,
			lossShare: 0.05,
		},
	}
}

// Flood is a capture in front of an FTP server under a SYN flood of syns
// SYNs to port 21, each from its own forged address and port, while a
// few hundred real sessions go on.
func Flood(syns int) Profile {
	const rate = 25_000.0 // SYNs a second
	span := float64(syns) / rate
	return Profile{
		Name: "synflood", Seed: DefaultSeed, Start: captureStart,
		TargetConns: max(50, int(span*30)), FloodSYNs: syns, FloodRate: rate,
		serverSide: true,
		clients:    [2]int{127, 50},
		mix: mix{
			arrivalMean: 100 * ms,
			v6Share:     0.15,
			habits:      [numHabits]float64{habitCurl: 30, habitLFTP: 35, habitWinFTP: 5, habitBackup: 20, habitProbe: 10},
			endings: [numEndings]float64{endQuit: 88, endLoginFailures: 3, endTooMany: 4,
				endSYNUnanswered: 3, endRefused: 2},
			outcomes: [numOutcomes]float64{xferOK: 90, xferMissing: 3, xferDenied: 2,
				xferServerReset: 1, xferMiddlebox: 1, xferAbort: 2, xferBlocked: 1},
			extraXfers: 1.5, maxXfers: 6, listShare: 0.3, listLines: 30,
			sizeMedian: 20e3, sizeSigma: 1.5, sizeMin: 0, sizeMax: 20e6,
			rateMedian: 50e6, rateSigma: 0.8, rateMin: 2e6, rateMax: 500e6,
			lossShare: 0.1,
		},
	}
}
