package classify

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/dissect"
)

// specCopy is the copy of spec/causes.md committed beside the code, so
// that every clone can hold the catalog to it; sharedSpec is the contract
// itself, beside the repository where the project keeps it.
const (
	specCopy   = "causes.md"
	sharedSpec = "../../shared/spec/causes.md"
)

// specCauses parses the Causes table of causes.md: id → class.
func specCauses(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	_, table, ok := bytes.Cut(raw, []byte("\n## Causes\n"))
	if !ok {
		t.Fatalf("%s has no \"## Causes\" section", specCopy)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| ([a-z-]+) \\|")
	spec := map[string]string{}
	for _, m := range row.FindAllSubmatch(table, -1) {
		spec[string(m[1])] = string(m[2])
	}
	if len(spec) < 30 {
		t.Fatalf("parsed only %d causes from %s: has its table changed?", len(spec), specCopy)
	}
	return spec
}

// The catalog in code must be the contract in causes.md, id for id and
// class for class; and the committed causes.md must be the contract, when
// the contract is there to compare with.
func TestCatalogMatchesSpec(t *testing.T) {
	raw, err := os.ReadFile(specCopy)
	if err != nil {
		t.Fatalf("read the committed catalog: %v", err)
	}
	spec := specCauses(t, raw)
	for id, class := range spec {
		if got := CauseClass(id); got != class {
			t.Errorf("cause %s: class %q in code, %q in %s", id, got, class, specCopy)
		}
	}
	for _, id := range Causes() {
		if _, ok := spec[id]; !ok {
			t.Errorf("cause %s is in the code but not in %s", id, specCopy)
		}
	}

	shared, err := os.ReadFile(sharedSpec)
	if err != nil {
		// A clone without the project's shared directory: the committed
		// copy is the contract.
		t.Logf("%s not found: the code was checked against the committed %s only", sharedSpec, specCopy)
		return
	}
	if !bytes.Equal(shared, raw) {
		onlySpec, onlyCopy := lineDiff(string(shared), string(raw))
		t.Errorf("classify/%[1]s differs from spec/causes.md: copy the new spec in "+
			"(from the repository root: cp ../shared/spec/causes.md classify/%[1]s) and bring catalog.go and the rules in line.\n"+
			"only in spec/causes.md:\n%[2]s\nonly in classify/%[1]s:\n%[3]s",
			specCopy, quoteLines(onlySpec), quoteLines(onlyCopy))
	}
}

// lineDiff returns the lines of a not in b and of b not in a, each in
// its text's order (a line repeated counts once per repeat).
func lineDiff(a, b string) (onlyA, onlyB []string) {
	return linesNotIn(a, b), linesNotIn(b, a)
}

// linesNotIn returns the lines of a that b lacks, in a's order.
func linesNotIn(a, b string) []string {
	count := map[string]int{}
	for _, l := range strings.Split(b, "\n") {
		count[l]++
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		out = append(out, l)
	}
	return out
}

func quoteLines(ls []string) string {
	if len(ls) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  " + strconv.Quote(l))
	}
	return b.String()
}

// Every cause has a registered rule saying what it needs, except the
// fallback, which no rule may claim: decide gives it when none holds, and
// Rules lists it last for `ftpcap rules`.
func TestEveryCauseHasARule(t *testing.T) {
	have := map[string]bool{}
	for _, r := range rules {
		have[r.Cause] = true
	}
	for _, r := range Rules() {
		if r.Needs == "" || r.Example == "" {
			t.Errorf("rule %s: Needs and Example must say what the packets show", r.Cause)
		}
	}
	for _, c := range Causes() {
		switch {
		case c == CauseUnexplained && have[c]:
			t.Errorf("a rule registers %s, the cause given when no rule holds", c)
		case c != CauseUnexplained && !have[c]:
			t.Errorf("cause %s has no rule", c)
		}
	}
	if all := Rules(); len(all) == 0 || all[len(all)-1].Cause != CauseUnexplained {
		t.Errorf("Rules() must list %s last", CauseUnexplained)
	}
}

// ruleFile is where a cause's rule lives: rule_<cause>.go, dashes as
// underscores.
func ruleFile(cause string) string {
	return "rule_" + strings.ReplaceAll(cause, "-", "_") + ".go"
}

// registrations returns the causes a Go file registers: the Cause of each
// Rule literal passed to register. A Cause that is not a string literal is
// returned as "?" (the catalog's ids are greppable strings).
func registrations(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !isIdent(call.Fun, "register") || len(call.Args) != 1 {
			return true
		}
		lit, ok := call.Args[0].(*ast.CompositeLit)
		if !ok || !isIdent(lit.Type, "Rule") {
			out = append(out, "?")
			return true
		}
		cause := "?"
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok || !isIdent(kv.Key, "Cause") {
				continue
			}
			if s, ok := kv.Value.(*ast.BasicLit); ok && s.Kind == token.STRING {
				if v, err := strconv.Unquote(s.Value); err == nil {
					cause = v
				}
			}
		}
		out = append(out, cause)
		return true
	})
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// A rule is one file (spec/architecture.md): every cause but the fallback
// has rule_<cause>.go, which registers that cause and no other, and every
// rule file is a cause's.
func TestEveryCauseHasItsRuleFile(t *testing.T) {
	files, err := filepath.Glob("rule_*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		found[f] = true
		cause := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(f, "rule_"), ".go"), "_", "-")
		if CauseClass(cause) == "" {
			t.Errorf("%s is named for %q, not a cause of the catalog", f, cause)
			continue
		}
		if got := registrations(t, f); !slices.Equal(got, []string{cause}) {
			t.Errorf("%s registers %q; it must register one Rule{Cause: %q}", f, got, cause)
		}
	}
	for _, c := range Causes() {
		if c == CauseUnexplained {
			continue // TestUnexplainedIsTheFallback
		}
		if !found[ruleFile(c)] {
			t.Errorf("cause %s has no rule file %s", c, ruleFile(c))
		}
	}
}

// The fallback's "rule file" is judge.go: decide calls unexplained when
// no registered rule holds, and that finding names CauseUnexplained.
func TestUnexplainedIsTheFallback(t *testing.T) {
	if _, err := os.Stat(ruleFile(CauseUnexplained)); err == nil {
		t.Errorf("%s must not exist: %s is what judge.go says when no rule holds", ruleFile(CauseUnexplained), CauseUnexplained)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "judge.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse judge.go: %v", err)
	}
	called := false
	ast.Inspect(f, func(n ast.Node) bool {
		if fn, ok := n.(*ast.FuncDecl); ok && fn.Name.Name == "decide" {
			ast.Inspect(fn, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && isIdent(call.Fun, "unexplained") {
					called = true
				}
				return true
			})
			return false
		}
		return true
	})
	if !called {
		t.Errorf("judge.go's decide no longer calls unexplained: where does a break no rule explains get its cause?")
	}
	b := &Case{Session: &dissect.Session{}, Kind: KindControl, Why: "connection reset"}
	if got := unexplained(b); got.Cause != CauseUnexplained || got.Confidence != 0 {
		t.Errorf("unexplained gives %s at %.2f, want %s at 0", got.Cause, got.Confidence, CauseUnexplained)
	}
}

// expectedVerdicts is what a sample's <name>.expect.json says the packets
// show (samples/README.md).
type expectedVerdicts struct {
	Breaks []struct {
		Cause string `json:"cause"`
	} `json:"breaks"`
	Findings []struct {
		Cause string `json:"cause"`
	} `json:"findings"`
}

// Adding a cause touches its rule file and a lab capture in samples/ with
// its expected verdicts (spec/architecture.md): every cause is a break in
// some sample's expect file. A cause whose rule also makes findings (its
// Notice is set) may instead be shown as a finding: the spec makes
// rate-limited a finding only, and fragmentation-needed a break only if
// the flow then dies. The fallback is the exception: the lab makes faults
// with known causes, and a capture of a break that no rule explains would
// call for a rule, not stay as a sample of unexplained.
func TestEveryCauseHasALabSample(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "samples", "*.expect.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no ../samples/*.expect.json (%v): the lab samples are part of the repository", err)
	}
	asBreak, asFinding := map[string][]string{}, map[string][]string{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var exp expectedVerdicts
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".expect.json")
		for _, b := range exp.Breaks {
			asBreak[b.Cause] = append(asBreak[b.Cause], name)
		}
		for _, f := range exp.Findings {
			asFinding[f.Cause] = append(asFinding[f.Cause], name)
		}
	}
	notices := map[string]bool{}
	for _, r := range rules {
		notices[r.Cause] = r.Notice != nil
	}
	for _, c := range Causes() {
		switch {
		case c == CauseUnexplained:
			if len(asBreak[c]) > 0 {
				t.Errorf("samples %v expect %s: a lab fault is a known cause; name it", asBreak[c], c)
			}
		case len(asBreak[c]) > 0:
		case notices[c] && len(asFinding[c]) > 0:
			t.Logf("%s: shown as a finding only, by %v", c, asFinding[c])
		case notices[c]:
			t.Errorf("cause %s has no lab sample: no samples/*.expect.json names it as a break or a finding", c)
		default:
			t.Errorf("cause %s has no lab sample: no samples/*.expect.json names it as a break", c)
		}
	}
}
