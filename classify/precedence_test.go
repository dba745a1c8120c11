package classify

import (
	"slices"
	"testing"
)

// TestPrecedenceCoversRules: every rule's cause has a place in the one
// precedence list, and the list names no cause without a rule.
func TestPrecedenceCoversRules(t *testing.T) {
	var ruled []string
	for _, r := range rules {
		ruled = append(ruled, r.Cause)
		if !slices.Contains(precedence, r.Cause) {
			t.Errorf("rule %s has no place in precedence (precedence.go)", r.Cause)
		}
	}
	for _, c := range precedence {
		if !slices.Contains(ruled, c) {
			t.Errorf("precedence names %s, which has no rule", c)
		}
		if CauseClass(c) == "" {
			t.Errorf("precedence names %s, which is not in the catalog", c)
		}
	}
	// The rules run in precedence order.
	for i := 1; i < len(rules); i++ {
		if precedenceOf(rules[i-1].Cause) > precedenceOf(rules[i].Cause) {
			t.Errorf("rules out of order: %s before %s", rules[i-1].Cause, rules[i].Cause)
		}
	}
}
