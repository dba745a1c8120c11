package classify

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// notYetImplemented lists the causes of spec/causes.md that have no rule
// yet (none since the path and TCP forensics of issue 3). The test fails
// when one of them gets a rule (remove it here) or when any other cause
// lacks one.
var notYetImplemented = []string{}

func TestEveryCauseHasARule(t *testing.T) {
	have := map[string]bool{}
	for _, r := range Rules() {
		have[r.Cause] = true
		if r.Needs == "" || r.Example == "" {
			t.Errorf("rule %s: Needs and Example must say what the packets show", r.Cause)
		}
	}
	for _, c := range Causes() {
		pending := slices.Contains(notYetImplemented, c)
		switch {
		case have[c] && pending:
			t.Errorf("cause %s has a rule now: remove it from notYetImplemented", c)
		case !have[c] && !pending:
			t.Errorf("cause %s has no rule", c)
		}
	}
}

// The catalog in code must be the contract in spec/causes.md, id for id
// and class for class.
func TestCatalogMatchesSpec(t *testing.T) {
	raw, err := os.ReadFile("../../shared/spec/causes.md")
	if err != nil {
		t.Skip("spec/causes.md not found beside the repo (../shared/spec): skipping")
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| ([a-z-]+) \\|")
	spec := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(raw), -1) {
		spec[m[1]] = m[2]
	}
	if len(spec) < 30 {
		t.Fatalf("parsed only %d causes from causes.md: has its table changed?", len(spec))
	}
	for id, class := range spec {
		if got := CauseClass(id); got != class {
			t.Errorf("cause %s: class %q in code, %q in spec/causes.md", id, got, class)
		}
	}
	for _, id := range Causes() {
		if _, ok := spec[id]; !ok {
			t.Errorf("cause %s is in the code but not in spec/causes.md", id)
		}
	}
}
