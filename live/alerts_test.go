package live

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// event is one input to the alerts in a scenario: a break, a control
// connection's end, or capture time moving on.
type event struct {
	at    time.Duration // capture time from the scenario's start
	kind  string        // "break", "session", "advance"
	cause string        // break
	life  time.Duration // session
}

// crossing is an expected alert transition.
type crossing struct {
	name   string
	firing bool
	cause  string
}

func (c crossing) String() string { return fmt.Sprintf("%s firing=%v %s", c.name, c.firing, c.cause) }

func TestAlertThresholds(t *testing.T) {
	start := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	brk := func(min float64, cause string) event {
		return event{at: time.Duration(min * float64(time.Minute)), kind: "break", cause: cause}
	}
	sess := func(min float64, life time.Duration) event {
		return event{at: time.Duration(min * float64(time.Minute)), kind: "session", life: life}
	}
	adv := func(min float64) event { return event{at: time.Duration(min * float64(time.Minute)), kind: "advance"} }
	def := DefaultAlertOptions()
	only := func(o AlertOptions) AlertOptions { return o }
	rate := only(AlertOptions{Window: time.Hour, MaxBreaks: 5})
	life := only(AlertOptions{Window: time.Hour, MinLifetime: 30 * time.Second, MinSample: 5})
	dom := only(AlertOptions{Window: time.Hour, DominantShare: 0.8, MinSample: 5})

	cases := []struct {
		name   string
		opts   AlertOptions
		events []event
		want   []crossing // in order, across the whole scenario
		// wantAfter: the crossings the last event alone must produce
		// (nil: not checked).
	}{
		{"five breaks an hour is not more than five", rate,
			[]event{brk(1, "a"), brk(10, "a"), brk(20, "a"), brk(30, "a"), brk(40, "a")}, nil},
		{"the sixth break in an hour fires once", rate,
			[]event{brk(1, "a"), brk(10, "a"), brk(20, "a"), brk(30, "a"), brk(40, "a"), brk(50, "b"), brk(55, "b")},
			[]crossing{{AlertBreakRate, true, ""}}},
		{"the window slides: old breaks leave and the alert clears", rate,
			[]event{brk(1, "a"), brk(2, "a"), brk(3, "a"), brk(4, "a"), brk(5, "a"), brk(6, "a"), adv(30), adv(61.5), adv(200)},
			[]crossing{{AlertBreakRate, true, ""}, {AlertBreakRate, false, ""}}},
		{"six breaks spread over more than an hour never fire", rate,
			[]event{brk(0, "a"), brk(15, "a"), brk(30, "a"), brk(45, "a"), brk(60.5, "a"), brk(75, "a")}, nil},
		{"a break settled late still counts at its own time", rate,
			[]event{adv(120), brk(119, "a"), brk(119, "a"), brk(119, "a"), brk(119, "a"), brk(119, "a"), brk(119, "a")},
			[]crossing{{AlertBreakRate, true, ""}}},
		{"a break older than the window is ignored", rate,
			[]event{adv(120), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a")}, nil},
		{"short sessions fire once there are enough", life,
			[]event{sess(1, 2*time.Second), sess(2, 3*time.Second), sess(3, time.Second), sess(4, 5*time.Second), sess(5, 4*time.Second)},
			[]crossing{{AlertShortSessions, true, ""}}},
		{"four short sessions are not a trend", life,
			[]event{sess(1, time.Second), sess(2, time.Second), sess(3, time.Second), sess(4, time.Second)}, nil},
		{"long sessions lift the average and clear", life,
			[]event{sess(1, time.Second), sess(2, time.Second), sess(3, time.Second), sess(4, time.Second), sess(5, time.Second),
				sess(6, 10*time.Minute)},
			[]crossing{{AlertShortSessions, true, ""}, {AlertShortSessions, false, ""}}},
		{"an average of exactly 30 s is not under 30 s", life,
			[]event{sess(1, 30*time.Second), sess(2, 30*time.Second), sess(3, 30*time.Second), sess(4, 30*time.Second), sess(5, 30*time.Second)}, nil},
		{"one cause making 80% dominates", dom,
			[]event{brk(1, "server-reset"), brk(2, "server-reset"), brk(3, "client-abort"), brk(4, "server-reset"), brk(5, "server-reset"),
				brk(6, "server-reset")},
			[]crossing{{AlertDominantCause, true, "server-reset"}}},
		{"four of five is 80%: fires at the threshold", dom,
			[]event{brk(1, "x"), brk(2, "x"), brk(3, "y"), brk(4, "x"), brk(5, "x")},
			[]crossing{{AlertDominantCause, true, "x"}}},
		{"mixed causes do not dominate", dom,
			[]event{brk(1, "x"), brk(2, "y"), brk(3, "x"), brk(4, "y"), brk(5, "x"), brk(6, "z")}, nil},
		{"another cause taking over fires again", dom,
			[]event{brk(1, "x"), brk(2, "x"), brk(3, "x"), brk(4, "x"), brk(5, "x"), adv(62), adv(63), adv(64), adv(65), adv(66),
				brk(66, "y"), brk(67, "y"), brk(68, "y"), brk(69, "y"), brk(70, "y")},
			[]crossing{{AlertDominantCause, true, "x"}, {AlertDominantCause, false, "x"}, {AlertDominantCause, true, "y"}}},
		{"zero thresholds turn alerts off", AlertOptions{Window: time.Hour},
			[]event{brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), brk(1, "a"), sess(2, 0), sess(2, 0),
				sess(2, 0), sess(2, 0), sess(2, 0)}, nil},
		{"defaults: a burst of resets fires rate and dominance", def,
			[]event{brk(1, "server-reset"), brk(1, "server-reset"), brk(1, "server-reset"), brk(1, "server-reset"), brk(1, "server-reset"),
				brk(1, "server-reset")},
			[]crossing{{AlertDominantCause, true, "server-reset"}, {AlertBreakRate, true, ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewAlerts(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []crossing
			for _, e := range c.events {
				at := start.Add(e.at)
				var out []Alert
				switch e.kind {
				case "break":
					out = a.Break(at, e.cause)
				case "session":
					out = a.ControlClosed(at.Add(-e.life), at)
				case "advance":
					out = a.Advance(at)
				}
				for _, al := range out {
					got = append(got, crossing{al.Name, al.Firing, al.Cause})
					if al.Message == "" || al.Time.IsZero() {
						t.Errorf("alert without message or time: %+v", al)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("crossings %v, want %v", got, c.want)
			}
		})
	}
}

// The messages say the numbers and the threshold.
func TestAlertMessages(t *testing.T) {
	start := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	a, _ := NewAlerts(DefaultAlertOptions())
	var all []Alert
	for i := range 6 {
		all = append(all, a.Break(start.Add(time.Duration(i)*time.Minute), "server-reset")...)
	}
	for i := range 5 {
		all = append(all, a.ControlClosed(start.Add(time.Duration(i)*time.Minute), start.Add(time.Duration(i)*time.Minute+2*time.Second))...)
	}
	msgs := map[string]string{}
	for _, al := range all {
		msgs[al.Name] = al.Message
	}
	want := map[string]string{
		AlertBreakRate:     "6 breaks in the last 1h0m0s (threshold: more than 5)",
		AlertDominantCause: "server-reset caused 5 of the 5 breaks in the last 1h0m0s (100%; threshold 80%)",
		AlertShortSessions: "FTP control connections that ended in the last 1h0m0s lived 2s on average over 5 sessions (threshold: under 30s)",
	}
	for k, w := range want {
		if msgs[k] != w {
			t.Errorf("%s: %q, want %q", k, msgs[k], w)
		}
	}
	if !a.Active(AlertBreakRate) || !a.Active(AlertShortSessions) || !a.Active(AlertDominantCause) {
		t.Error("all three should be active")
	}
}

func TestAlertOptionsCheck(t *testing.T) {
	bad := []AlertOptions{
		{Window: 0},
		{Window: time.Hour, MaxBreaks: -1},
		{Window: time.Hour, DominantShare: 1.5},
		{Window: time.Hour, MinLifetime: -time.Second},
	}
	for _, o := range bad {
		if _, err := NewAlerts(o); err == nil || !strings.Contains(err.Error(), "alerts") {
			t.Errorf("%+v accepted (%v)", o, err)
		}
	}
	if err := DefaultAlertOptions().Check(); err != nil {
		t.Error(err)
	}
}

// Advancing capture time costs nothing per packet within a bucket.
func TestAlertAdvanceAllocatesNothing(t *testing.T) {
	a, _ := NewAlerts(DefaultAlertOptions())
	at := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	allocs := testing.AllocsPerRun(1000, func() {
		at = at.Add(time.Microsecond)
		a.Advance(at)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per advance", allocs)
	}
}
