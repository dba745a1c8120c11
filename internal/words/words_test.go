package words

import (
	"math"
	"testing"
)

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 999: "999", 1000: "1,000", -1234: "-1,234", 18234: "18,234", 1048576: "1,048,576",
		math.MinInt64: "-9,223,372,036,854,775,808",
	} {
		if got := GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCounted(t *testing.T) {
	for n, want := range map[int64]string{0: "0 packets", 1: "1 packet", 2: "2 packets", 4096: "4,096 packets"} {
		if got := Counted(n, "packet", "packets"); got != want {
			t.Errorf("Counted(%d) = %q, want %q", n, got, want)
		}
	}
}
