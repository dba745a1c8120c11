// Package labpairs reads the lab's paired captures (samples/pairs/: the
// same run captured at the FTP client's and the FTP server's veth) and
// what each pair must show, so that tests of the multi-point analysis
// compare against one reading of the format that samples/README.md
// ("Paired captures") describes and samples/lab/pairs.py writes.
package labpairs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Directions, as the report's connection path names them: from the FTP
// client to the FTP server and back, also on data connections.
const (
	ClientToServer = "client_to_server"
	ServerToClient = "server_to_client"
)

// Pair is one <pair>.expect.json.
type Pair struct {
	Name     string    `json:"pair"`
	Scenario string    `json:"scenario"`
	MadeBy   string    `json:"made_by"`
	Fault    string    `json:"fault"`
	Vantages []Vantage `json:"vantages"`
	Clock    Clock     `json:"clock"`
	Counters []Counter `json:"counters"`
	// NAT is nil unless a router between the points translated addresses.
	NAT         *NAT                `json:"nat"`
	Connections []Connection        `json:"connections"`
	Proven      []ProvenBreak       `json:"proven"`
	Single      map[string][]string `json:"single"`
	Notes       string              `json:"notes"`

	// Dir is the directory the expect file was read from.
	Dir string `json:"-"`
}

// Vantage is one capture point, in the order to pass them to --vantage
// (the first is the clock reference).
type Vantage struct {
	Name         string   `json:"name"`
	Files        []string `json:"files"`
	Expect       string   `json:"expect"`
	CapturePoint string   `json:"capture_point"`
	// ClockOffsetS is how far this point's clock is ahead of the first
	// point's, in seconds: the report's vantage_points clock_offset_s.
	ClockOffsetS float64 `json:"clock_offset_s"`
}

// Clock is the shift applied to the files and what the lab measured.
type Clock struct {
	ShiftS     map[string]float64 `json:"shift_s"`
	ToleranceS float64            `json:"tolerance_s"`
	MeasuredS  *float64           `json:"measured_offset_s"`
	MinDelayS  map[string]float64 `json:"min_one_way_delay_s"`
}

// Counter is one nftables rule's counter, read before anything analysed
// the captures, with what it counts.
type Counter struct {
	Namespace string `json:"namespace"`
	Table     string `json:"table"`
	Chain     string `json:"chain"`
	Comment   string `json:"comment"`
	Packets   int64  `json:"packets"`
	Bytes     int64  `json:"bytes"`
	Counts    []struct {
		Kind      string `json:"kind"`
		Direction string `json:"direction"`
		As        string `json:"as"`
	} `json:"counts"`
}

// Ends are a connection's ends as one file shows them ("address:port").
type Ends struct {
	Client string `json:"client"`
	Server string `json:"server"`
}

// Connection is one TCP connection of either file.
type Connection struct {
	Kind      string   `json:"kind"`
	ClientISN uint32   `json:"client_isn"`
	SeenAt    []string `json:"seen_at"`
	// Endpoints by vantage name; nil where that file lacks the connection.
	Endpoints map[string]*Ends `json:"endpoints"`
	// Path by direction (ClientToServer, ServerToClient).
	Path      map[string]DirCounts           `json:"path"`
	CountedBy map[string]map[string][]string `json:"counted_by"`
	// CaptureLost counts, by vantage and direction, the packets of this
	// connection deleted from that vantage's file after the capture
	// (pair-capture-loss only; nil elsewhere): capture loss, which Path
	// does not count as dropped.
	CaptureLost map[string]map[string]int64 `json:"capture_lost"`
}

// DirCounts is one direction of a connection between the two points.
type DirCounts struct {
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Dropped   int64 `json:"dropped"`
	Injected  int64 `json:"injected"`
}

// NAT names the translating rule and each translated connection's ends in
// both files, with the router's conntrack entry.
type NAT struct {
	Rule         string `json:"rule"`
	Translations []struct {
		Kind       string `json:"kind"`
		ClientView Ends   `json:"client_view"`
		ServerView Ends   `json:"server_view"`
		Conntrack  string `json:"conntrack"`
	} `json:"translations"`
}

// ProvenBreak is a break the two files prove together: a multi-point
// analysis must mark a break of Cause (or one of Also) and Kind on
// Connection (ends as the client's file shows them, or the server's
// where the client's lacks the connection) "proven".
type ProvenBreak struct {
	Class      string   `json:"class"`
	Cause      string   `json:"cause"`
	Also       []string `json:"also"`
	Kind       string   `json:"kind"`
	Connection Ends     `json:"connection"`
	Why        string   `json:"why"`
}

// Load reads one pair's expect file.
func Load(path string) (*Pair, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p Pair
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.Dir = filepath.Dir(path)
	return &p, nil
}

// All reads every pair in dir (samples/pairs), by name. The single-vantage
// expect files beside the pairs' (<pair>-client.expect.json) name no
// pair and are left out.
func All(dir string) ([]*Pair, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.expect.json"))
	if err != nil {
		return nil, err
	}
	var out []*Pair
	for _, path := range paths {
		p, err := Load(path)
		if err != nil {
			return nil, err
		}
		if p.Name != "" {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Files returns the capture files of the named vantage, with p.Dir.
func (p *Pair) Files(vantage string) []string {
	for _, v := range p.Vantages {
		if v.Name == vantage {
			out := make([]string, len(v.Files))
			for i, f := range v.Files {
				out[i] = filepath.Join(p.Dir, f)
			}
			return out
		}
	}
	return nil
}

// VantageArgs returns the --vantage flag values in order
// ("client=dir/x-client.pcap").
func (p *Pair) VantageArgs() []string {
	out := make([]string, len(p.Vantages))
	for i, v := range p.Vantages {
		out[i] = v.Name + "=" + strings.Join(p.Files(v.Name), ",")
	}
	return out
}

// Expected returns the sums of the counters that count packets of a
// connection kind in a direction as what ("dropped" or "injected").
func (p *Pair) Expected(kind, direction, what string) int64 {
	var n int64
	for _, c := range p.Counters {
		for _, k := range c.Counts {
			if k.Kind == kind && k.Direction == direction && k.As == what {
				n += c.Packets
			}
		}
	}
	return n
}
