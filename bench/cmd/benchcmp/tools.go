package main

import "os/exec"

// tool is one command compared, run once per measurement on a capture.
type tool struct {
	id    string // names it in -tools and in the ratios
	title string // column heading
	cmd   string // the command line, for the legend
	args  func(ftpcap, capture string) []string
}

// tools are the commands of issue 4's comparison, in column order.
var tools = []tool{
	{"ftpcap", "ftpcap", "ftpcap analyze -F json F > /dev/null", func(bin, f string) []string {
		return []string{bin, "analyze", "-F", "json", f}
	}},
	// the floor: reading and writing the packets back, nothing else
	{"tcpdump", "tcpdump", "tcpdump -r F -w /dev/null", func(_, f string) []string {
		return []string{"tcpdump", "-r", f, "-w", "/dev/null"}
	}},
	{"tshark-conv", "tshark conv", "tshark -r F -q -z conv,tcp > /dev/null", func(_, f string) []string {
		return []string{"tshark", "-r", f, "-q", "-z", "conv,tcp"}
	}},
	{"tshark-expert", "tshark expert", "tshark -r F -q -z expert > /dev/null", func(_, f string) []string {
		return []string{"tshark", "-r", f, "-q", "-z", "expert"}
	}},
	{"tcptrace", "tcptrace", "tcptrace -n -l F > /dev/null", func(_, f string) []string {
		return []string{"tcptrace", "-n", "-l", f}
	}},
}

func toolByID(id string) (tool, bool) {
	for _, t := range tools {
		if t.id == id {
			return t, true
		}
	}
	return tool{}, false
}

// available reports whether the tool's program can be run.
func (t tool) available(ftpcap string) bool {
	_, err := exec.LookPath(t.args(ftpcap, "")[0])
	return err == nil
}

// ratio is a comparison the table prints: the median, over rounds, of
// num's wall time divided by den's in the same round.
type ratio struct {
	num, den string
	goal     goal
}

// goal is a target from issue 4; op is "<=", ">=" or "" (none).
type goal struct {
	op    string
	value float64
}

func (g goal) met(v float64) bool {
	switch g.op {
	case "<=":
		return v <= g.value
	case ">=":
		return v >= g.value
	}
	return true
}

// ratios are issue 4's speed targets: ftpcap within 2× the read floor,
// at least 20× faster than tshark's expert analysis and 3× faster than
// tcptrace.
var ratios = []ratio{
	{"ftpcap", "tcpdump", goal{"<=", 2}},
	{"tshark-expert", "ftpcap", goal{">=", 20}},
	{"tshark-conv", "ftpcap", goal{}},
	{"tcptrace", "ftpcap", goal{">=", 3}},
}
