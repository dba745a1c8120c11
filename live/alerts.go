package live

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The alerts' names, as alert lines and the ftpcap_alerts_total metric
// label them.
const (
	AlertBreakRate     = "break-rate"     // too many breaks in the window
	AlertShortSessions = "short-sessions" // control connections live too short on average
	AlertDominantCause = "dominant-cause" // one cause makes most of the breaks
)

// AlertOptions are the thresholds, from FTP operations practice: a
// healthy server sees a break now and then, not several an hour; control
// connections of people and batch jobs alike live for more than a few
// seconds on average unless they are being cut; and breaks spread over
// causes, so one cause making most of them points at one fault. A zero
// threshold turns its alert off.
type AlertOptions struct {
	// Window is the span of capture time the thresholds look at,
	// sliding, to a sixtieth of itself (a minute for an hour).
	Window time.Duration
	// MaxBreaks: alert when the window holds more breaks than this.
	MaxBreaks int
	// MinLifetime: alert when the control connections that ended in the
	// window lived less than this on average.
	MinLifetime time.Duration
	// DominantShare: alert when one cause accounts for at least this
	// share (0 to 1) of the window's breaks.
	DominantShare float64
	// MinSample: the lifetime and dominance alerts judge only windows
	// with at least this many sessions or breaks; one short session is
	// not a trend.
	MinSample int
}

// DefaultAlertOptions are the thresholds `ftpcap live` starts with: more
// than 5 breaks an hour, control connections under 30 s on average, one
// cause making 80% of the breaks, each judged on at least 5 samples.
func DefaultAlertOptions() AlertOptions {
	return AlertOptions{Window: time.Hour, MaxBreaks: 5, MinLifetime: 30 * time.Second, DominantShare: 0.8, MinSample: 5}
}

// Check rejects thresholds that cannot work.
func (o AlertOptions) Check() error {
	switch {
	case o.Window <= 0:
		return fmt.Errorf("alerts: window %v must be positive", o.Window)
	case o.MaxBreaks < 0 || o.MinLifetime < 0 || o.MinSample < 0:
		return fmt.Errorf("alerts: thresholds must not be negative")
	case o.DominantShare < 0 || o.DominantShare > 1 || math.IsNaN(o.DominantShare):
		return fmt.Errorf("alerts: dominant share %v is not between 0 and 1", o.DominantShare)
	}
	return nil
}

// Alert is an alert firing or clearing.
type Alert struct {
	Name   string
	Time   time.Time // capture time of the crossing
	Firing bool      // false: the condition no longer holds
	// Value is what crossed: breaks in the window, average lifetime in
	// seconds, or the dominant cause's share; Threshold is its limit.
	Value     float64
	Threshold float64
	Sample    int    // breaks or sessions in the window
	Cause     string // the dominant cause (AlertDominantCause)
	Message   string
}

// slots is the number of buckets a window is cut into.
const slots = 60

// bucket holds what happened in one sixtieth of the window.
type bucket struct {
	idx     int64 // which span of time: ts / width; -1 when unused
	breaks  int
	causes  map[string]int
	lifeSum int64 // control-connection lifetimes, ns
	lives   int
}

// Alerts watches breaks and control-connection lifetimes over a sliding
// window of capture time and reports each threshold crossing once: an
// alert fires when its condition starts to hold and clears when it stops
// (or, for the dominant cause, fires again when another cause takes
// over). Memory is fixed: sixty buckets whatever the rate. Not safe for
// concurrent use; the pipeline's goroutine drives it.
type Alerts struct {
	opts    AlertOptions
	width   int64
	buckets [slots]bucket
	now     int64 // latest capture time seen, Unix ns
	nowIdx  int64
	active  map[string]bool
	cause   string // the dominant cause while that alert is active
}

// NewAlerts returns a watcher with the thresholds.
func NewAlerts(opts AlertOptions) (*Alerts, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	a := &Alerts{opts: opts, width: max(int64(opts.Window)/slots, 1), active: map[string]bool{}}
	for i := range a.buckets {
		a.buckets[i].idx = -1
	}
	return a, nil
}

// Break records a break settled at capture time t and returns the
// crossings it causes.
func (a *Alerts) Break(t time.Time, cause string) []Alert {
	b := a.bucketAt(t.UnixNano())
	if b != nil {
		b.breaks++
		if b.causes == nil {
			b.causes = map[string]int{}
		}
		b.causes[cause]++
	}
	return a.evaluate()
}

// ControlClosed records a control connection that lived from start to
// end and returns the crossings.
func (a *Alerts) ControlClosed(start, end time.Time) []Alert {
	b := a.bucketAt(end.UnixNano())
	if b != nil {
		b.lifeSum += max(end.Sub(start).Nanoseconds(), 0)
		b.lives++
	}
	return a.evaluate()
}

// Advance moves capture time on (packets and ticks); once a bucket's
// worth of time has passed, the oldest events leave the window and
// alerts may clear. Cheap enough to call for every packet.
func (a *Alerts) Advance(t time.Time) []Alert {
	ts := t.UnixNano()
	if ts <= a.now {
		return nil
	}
	a.now = ts
	if idx := ts / a.width; idx != a.nowIdx {
		a.nowIdx = idx
		return a.evaluate()
	}
	return nil
}

// bucketAt returns the bucket for an event at ts, nil when the event is
// already outside the window.
func (a *Alerts) bucketAt(ts int64) *bucket {
	if ts > a.now {
		a.now = ts
		a.nowIdx = ts / a.width
	}
	idx := ts / a.width
	if idx <= a.nowIdx-slots {
		return nil
	}
	b := &a.buckets[idx%slots]
	if b.idx != idx {
		b.idx, b.breaks, b.lifeSum, b.lives = idx, 0, 0, 0
		clear(b.causes)
	}
	return b
}

// window sums the buckets inside the window.
func (a *Alerts) window() (breaks int, causes map[string]int, lifeSum int64, lives int) {
	causes = map[string]int{}
	for i := range a.buckets {
		b := &a.buckets[i]
		if b.idx < 0 || b.idx <= a.nowIdx-slots || b.idx > a.nowIdx {
			continue
		}
		breaks += b.breaks
		lifeSum += b.lifeSum
		lives += b.lives
		for c, n := range b.causes {
			causes[c] += n
		}
	}
	return
}

// evaluate compares the window with the thresholds and returns the
// crossings since the last evaluation.
func (a *Alerts) evaluate() []Alert {
	breaks, causes, lifeSum, lives := a.window()
	at := time.Unix(0, a.now).UTC()
	win := a.opts.Window.String()
	var out []Alert

	if a.opts.MaxBreaks > 0 {
		hold := breaks > a.opts.MaxBreaks
		out = a.cross(out, hold, "", Alert{
			Name: AlertBreakRate, Time: at, Value: float64(breaks), Threshold: float64(a.opts.MaxBreaks), Sample: breaks,
			Message: fmt.Sprintf("%d breaks in the last %s (threshold: more than %d)", breaks, win, a.opts.MaxBreaks),
		})
	}

	if a.opts.MinLifetime > 0 {
		hold := false
		var avg time.Duration
		if lives > 0 {
			avg = time.Duration(lifeSum / int64(lives))
			hold = lives >= max(a.opts.MinSample, 1) && avg < a.opts.MinLifetime
		}
		out = a.cross(out, hold, "", Alert{
			Name: AlertShortSessions, Time: at, Value: avg.Seconds(), Threshold: a.opts.MinLifetime.Seconds(), Sample: lives,
			Message: fmt.Sprintf("FTP control connections that ended in the last %s lived %s on average over %d sessions (threshold: under %s)",
				win, avg.Round(time.Millisecond), lives, a.opts.MinLifetime),
		})
	}

	if a.opts.DominantShare > 0 {
		top, n := dominant(causes)
		share := 0.0
		if breaks > 0 {
			share = float64(n) / float64(breaks)
		}
		hold := breaks >= max(a.opts.MinSample, 1) && share >= a.opts.DominantShare
		out = a.cross(out, hold, top, Alert{
			Name: AlertDominantCause, Time: at, Value: share, Threshold: a.opts.DominantShare, Sample: breaks, Cause: top,
			Message: fmt.Sprintf("%s caused %d of the %d breaks in the last %s (%s; threshold %s)",
				top, n, breaks, win, percent(share), percent(a.opts.DominantShare)),
		})
	}
	return out
}

// cross appends al when the condition's state changed. For the dominant
// cause a change of cause while active also fires.
func (a *Alerts) cross(out []Alert, hold bool, cause string, al Alert) []Alert {
	was := a.active[al.Name]
	switch {
	case hold && (!was || (al.Name == AlertDominantCause && cause != a.cause)):
		a.active[al.Name] = true
		if al.Name == AlertDominantCause {
			a.cause = cause
		}
		al.Firing = true
		return append(out, al)
	case !hold && was:
		a.active[al.Name] = false
		if al.Name == AlertDominantCause {
			al.Cause = a.cause
			al.Message = fmt.Sprintf("%s no longer causes %s of the breaks in the window (%d breaks)",
				a.cause, percent(al.Threshold), al.Sample)
			a.cause = ""
		}
		return append(out, al)
	}
	return out
}

// Active reports whether an alert is firing.
func (a *Alerts) Active(name string) bool { return a.active[name] }

// dominant returns the cause with the most breaks (ties: the first by
// name, so the result does not depend on map order).
func dominant(causes map[string]int) (string, int) {
	top, n := "", 0
	for c, k := range causes {
		if k > n || (k == n && c < top) {
			top, n = c, k
		}
	}
	return top, n
}

func percent(f float64) string {
	return strconv.FormatFloat(f*100, 'f', 0, 64) + "%"
}
