package analysis

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// stageFields lists the integer fields of a stage's Stats under the names
// the counters table uses, "tcpflow.Stats.SegLogDropped", looking into
// nested structs ("dissect.Stats.Limits.MaxLog").
func stageFields(t *testing.T, prefix string, typ reflect.Type) []string {
	t.Helper()
	var out []string
	for _, f := range reflect.VisibleFields(typ) {
		name := prefix + "." + f.Name
		switch k := f.Type.Kind(); {
		case k == reflect.Struct:
			out = append(out, stageFields(t, name, f.Type)...)
		case k >= reflect.Int && k <= reflect.Int64:
			out = append(out, name)
		default:
			t.Errorf("%s is a %s: the counters table maps integers only", name, f.Type)
		}
	}
	return out
}

func allStageFields(t *testing.T) []string {
	return append(append(
		stageFields(t, "decode.Stats", reflect.TypeFor[decode.Stats]()),
		stageFields(t, "tcpflow.Stats", reflect.TypeFor[tcpflow.Stats]())...),
		stageFields(t, "dissect.Stats", reflect.TypeFor[dissect.Stats]())...)
}

// A counter added to a stage's Stats must be given a row of the counters
// table: a stats field that reports it, or a note saying why none does.
func TestEveryStageCounterIsMapped(t *testing.T) {
	mapped := map[string]bool{}
	for _, c := range counters {
		if c.from != "" {
			for _, name := range strings.Split(c.from, " + ") {
				mapped[name] = true
			}
		}
	}
	for _, name := range allStageFields(t) {
		if !mapped[name] {
			t.Errorf("%s has no row in the counters table (analysis/counters.go): map it to a stats field, or say why it is not reported", name)
		}
	}
}

// Every row names fields that exist, says why when it reports nothing,
// and every field of StageCounts is some row's.
func TestCountersTableIsWellFormed(t *testing.T) {
	stageNames := map[string]bool{}
	for _, name := range allStageFields(t) {
		stageNames[name] = true
	}
	reported := map[string]bool{}
	for _, c := range counters {
		for _, name := range strings.Split(c.from, " + ") {
			if c.from != "" && !stageNames[name] {
				t.Errorf("row %q: no stage counter %s", c.to, name)
			}
		}
		if c.to == "" {
			if c.note == "" || c.reached != nil || c.limitOf != "" {
				t.Errorf("row %s reports nothing: it needs a note saying why, and no sentence or cap", c.from)
			}
			continue
		}
		if _, ok := statsFields()[c.to]; !ok {
			t.Errorf("row %s: stats has no integer field %q", c.from, c.to)
		}
		if reported[c.to] {
			t.Errorf("stats field %q is the target of two rows", c.to)
		}
		reported[c.to] = true
		if c.from == "" && c.note == "" {
			t.Errorf("row %q has no stage counter: its note must say who counts it", c.to)
		}
		for _, capName := range strings.Fields(c.limitOf) {
			if _, ok := statsFields()[capName]; !ok {
				t.Errorf("limit %q names no stats field %q", c.to, capName)
			}
		}
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[StageCounts]()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !reported[name] {
			t.Errorf("StageCounts.%s (%s) is no row's target", f.Name, name)
		}
		if !strings.HasSuffix(f.Tag.Get("json"), ",omitempty") {
			t.Errorf("StageCounts.%s is not omitempty: clean captures' reports would grow", f.Name)
		}
	}
}

// fill copies every stage counter to the field its row names, and a cap's
// limit only when the cap was reached.
func TestFillCopiesEveryCounter(t *testing.T) {
	var st stages
	value := map[string]int64{}
	for i, name := range allStageFields(t) {
		value[name] = int64(i + 1)
		st.field(name).SetInt(int64(i + 1))
	}
	var s Stats
	s.fill(st)
	got := statsJSON(t, &s)
	for _, c := range counters {
		if c.from == "" || c.to == "" {
			continue
		}
		var want int64
		for _, name := range strings.Split(c.from, " + ") {
			want += value[name]
		}
		if got[c.to] != want {
			t.Errorf("stats %q = %d, want %d (%s)", c.to, got[c.to], want, c.from)
		}
	}

	// Nothing reached: only the limits reported always are there.
	var zero stages
	zero.tracker.MaxSegLog, zero.dissect.Limits.MaxLog, zero.decode.MaxFragBytes = 64, 10000, 1<<22
	zero.tracker.MaxConns = 7
	var clean Stats
	clean.fill(zero)
	if clean.MaxSegLog != 0 || clean.MaxSessionLog != 0 || clean.MaxFragmentBytes != 0 || clean.MaxConns != 7 {
		t.Errorf("with no cap reached: max_segment_log %d, max_session_log %d, max_fragment_bytes %d, max_connections %d; want 0, 0, 0, 7",
			clean.MaxSegLog, clean.MaxSessionLog, clean.MaxFragmentBytes, clean.MaxConns)
	}
	if caps := clean.CapsReached(); len(caps) != 0 {
		t.Errorf("with no cap reached, caps reached says %q", caps)
	}
}

// Every cap has a sentence, and the sentence gives its limit.
func TestEveryCapIsWorded(t *testing.T) {
	for _, c := range counters {
		if c.reached == nil {
			continue
		}
		var s Stats
		s.MaxReported = 4321
		s.ConnsEvicted = 5 // so that the table-full line has evictions left after the attempts
		reflect.ValueOf(&s).Elem().FieldByIndex(statsField(c.to)).SetInt(3)
		for _, limit := range counters {
			if strings.Contains(" "+limit.limitOf+" ", " "+c.to+" ") {
				reflect.ValueOf(&s).Elem().FieldByIndex(statsField(limit.to)).SetInt(4321)
			}
		}
		if c.to == "connections_evicted_half_open" {
			s.MaxHalfOpen = 4321
		} else if c.to == "connections_evicted" {
			s.MaxConns = 4321
		}
		line := c.reached(&s)
		if !strings.Contains(line, "4,321") {
			t.Errorf("%s: %q does not give the limit", c.to, line)
		}
		if !strings.Contains(strings.Join(s.CapsReached(), "\n"), line) {
			t.Errorf("%s: caps reached %q lacks %q", c.to, s.CapsReached(), line)
		}
	}
}

func statsJSON(t *testing.T, s *Stats) map[string]int64 {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for k, v := range all {
		if f, ok := v.(float64); ok {
			out[k] = int64(f)
		}
	}
	return out
}
