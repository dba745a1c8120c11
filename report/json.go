package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/ftpcap/ftpcap/internal/inert"
	"io"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ftpcap/ftpcap/analysis"
)

// writeJSON writes the report contract of spec/report-json.md: the Result
// as its struct tags describe it, two-space indented, every time in UTC,
// every list present ([] rather than null). encoding/json escapes C0
// controls and invalid UTF-8 and, with SetEscapeHTML (on by default and
// kept on), <, > and &; escapeHidden adds the controls it lets through.
//
// The document is written one top-level field at a time and each list one
// element at a time, so memory holds one element's encoding, not the whole
// report (tens of MB on a capture with 100,000 connections). The bytes are
// the same as encoding the Result in one piece with two-space indentation.
func writeJSON(w io.Writer, r *analysis.Result, faults *renderFaults) error {
	n := normalize(r)
	v := reflect.ValueOf(n).Elem()
	t := v.Type()
	if _, err := io.WriteString(w, "{"); err != nil {
		return err
	}
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, omitEmpty, ok := jsonName(f)
		if !ok {
			continue
		}
		if name == "errors" {
			// Last: it names the items the lists above could not hold.
			n.Errors = append(n.Errors, faults.asErrors()...)
		}
		fv := v.Field(i)
		if omitEmpty && isEmptyJSON(fv) {
			continue
		}
		sep := ",\n  "
		if first {
			sep = "\n  "
		}
		first = false
		key, _ := json.Marshal(name)
		if _, err := fmt.Fprintf(w, "%s%s: ", sep, key); err != nil {
			return err
		}
		var err error
		if fv.Kind() == reflect.Slice && fv.Len() > 0 {
			err = writeJSONList(w, fv, faults)
		} else {
			err = writeJSONValue(w, fv.Interface(), "  ")
		}
		if err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n}\n")
	return err
}

// writeJSONList writes a non-empty top-level list element by element.
func writeJSONList(w io.Writer, list reflect.Value, faults *renderFaults) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	n := list.Len()
	chunks := (n + jsonChunk - 1) / jsonChunk
	if chunks == 1 || runtime.GOMAXPROCS(0) == 1 {
		if err := newJSONValueEncoder("    ", faults).writeItems(w, list, 0, n); err != nil {
			return err
		}
	} else if err := writeJSONChunks(w, list, chunks, faults); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n  ]")
	return err
}

// jsonChunk is how many list items one goroutine encodes at a time.
const jsonChunk = 256

// writeJSONChunks encodes a long list's chunks on every core and writes
// them in order: the report is written once the analysis is over, when
// the cores are free, and a list can hold --max-reported items. At most
// a few chunks are encoded ahead of the writing, so memory stays bounded.
func writeJSONChunks(w io.Writer, list reflect.Value, chunks int, faults *renderFaults) error {
	workers := runtime.GOMAXPROCS(0)
	results := make([]chan jsonChunkResult, chunks)
	for k := range results {
		results[k] = make(chan jsonChunkResult, 1)
	}
	next := make(chan int)
	stop := make(chan struct{})
	// One buffer per chunk in flight, reused: a chunk of sessions is
	// about half a megabyte.
	bufs := make(chan *bytes.Buffer, 2*workers)
	for range 2 * workers {
		bufs <- &bytes.Buffer{}
	}
	defer close(stop)
	for range workers {
		go func() {
			enc := newJSONValueEncoder("    ", faults)
			for k := range next {
				buf := <-bufs
				buf.Reset()
				start := k * jsonChunk
				err := enc.writeItems(buf, list, start, min(start+jsonChunk, list.Len()))
				results[k] <- jsonChunkResult{buf, err}
			}
		}()
	}
	// Chunks are handed out no further than 2*workers ahead of the
	// writer: a token per chunk in flight, returned once it is written.
	ahead := make(chan struct{}, 2*workers)
	go func() {
		defer close(next)
		for k := range chunks {
			select {
			case ahead <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case next <- k:
			case <-stop:
				return
			}
		}
	}()
	for k := range chunks {
		r := <-results[k]
		if r.err != nil {
			return r.err
		}
		if _, err := w.Write(r.b.Bytes()); err != nil {
			return err
		}
		bufs <- r.b
		<-ahead
	}
	return nil
}

type jsonChunkResult struct {
	b   *bytes.Buffer
	err error
}

// writeJSONValue encodes one value indented as if nested at prefix.
func writeJSONValue(w io.Writer, v any, prefix string) error {
	return newJSONValueEncoder(prefix, &renderFaults{}).write(w, v)
}

// jsonValueEncoder encodes values indented as if nested at a prefix,
// reusing its buffers.
type jsonValueEncoder struct {
	buf    bytes.Buffer
	enc    *json.Encoder
	faults *renderFaults
}

func newJSONValueEncoder(prefix string, faults *renderFaults) *jsonValueEncoder {
	e := &jsonValueEncoder{faults: faults}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetIndent(prefix, "  ")
	e.enc.SetEscapeHTML(true)
	return e
}

// writeItems writes list items [from, to), each after its separator.
func (e *jsonValueEncoder) writeItems(w io.Writer, list reflect.Value, from, to int) error {
	for i := from; i < to; i++ {
		sep := ",\n    "
		if i == 0 {
			sep = "\n    "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		var err error
		item := list.Index(i).Interface()
		if !e.faults.guard(jsonItemName(item, i), func() { err = e.write(w, item) }) {
			// In its place, an object saying so: the list stays valid JSON.
			msg, _ := json.Marshal("internal error: this item could not be rendered; see errors")
			_, err = fmt.Fprintf(w, "{\"internal_error\": %s}", msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// jsonItemName names a list item for a render fault.
func jsonItemName(item any, i int) string {
	switch x := item.(type) {
	case analysis.Session:
		return "session " + x.ID
	case analysis.Verdict:
		return "verdict " + x.ID
	case analysis.Connection:
		return "connection " + strconv.Itoa(i+1)
	}
	return "list item " + strconv.Itoa(i+1)
}

func (e *jsonValueEncoder) write(w io.Writer, v any) error {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	_, err := w.Write(escapeHidden(b))
	return err
}

// jsonName returns a struct field's JSON name and whether it is omitted
// when empty; ok is false for fields encoding/json skips.
func jsonName(f reflect.StructField) (name string, omitEmpty, ok bool) {
	if !f.IsExported() {
		return "", false, false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(","+opts+",", ",omitempty,"), true
}

// escapeHidden rewrites, in encoded JSON, the characters encoding/json
// leaves raw but a terminal would obey or that reorder text on screen:
// DEL, the C1 controls (U+009B is CSI), bidi overrides and the other code
// points clean escapes. They can only occur inside strings, where \uXXXX
// is the same character, so the document means exactly what it meant;
// it just cannot drive a terminal that cats it.
func escapeHidden(doc []byte) []byte {
	var out []byte // allocated on the first character to escape
	last := 0
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r == 0x7f || (r >= 0x80 && inert.Hidden(r)) {
			if out == nil {
				out = make([]byte, 0, len(doc)+16)
			}
			out = append(out, doc[last:i]...)
			out = append(out, `\u`...)
			out = append(out, fmt.Sprintf("%04x", r)...)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return doc
	}
	return append(out, doc[last:]...)
}

// normalize returns a copy of r ready to encode: nil lists become empty
// and times are in UTC (RFC 3339 with nanoseconds, as time.Time encodes).
// The caller's Result is not modified.
func normalize(r *analysis.Result) *analysis.Result {
	n := *r
	n.Inputs = cloneEach(r.Inputs, normalizeInput)
	n.Sessions = cloneEach(r.Sessions, normalizeSession)
	n.Breaks = cloneEach(r.Breaks, normalizeVerdict)
	n.Findings = cloneEach(r.Findings, normalizeVerdict)
	n.Connections = cloneEach(r.Connections, normalizeConnection)
	n.Errors = append([]analysis.InputError(nil), r.Errors...) // omitted when empty
	return &n
}

// cloneEach copies a list through fix, giving an empty (not nil) list.
func cloneEach[T any](in []T, fix func(T) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = fix(v)
	}
	return out
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func normalizeInput(in analysis.Input) analysis.Input {
	in.First, in.Last = utc(in.First), utc(in.Last)
	return in
}

func normalizeSession(s analysis.Session) analysis.Session {
	s.Start, s.End = utc(s.Start), utc(s.End)
	s.Transfers = cloneEach(s.Transfers, normalizeTransfer)
	return s
}

func normalizeTransfer(t analysis.Transfer) analysis.Transfer {
	t.Start, t.End = utc(t.Start), utc(t.End)
	return t
}

func normalizeVerdict(v analysis.Verdict) analysis.Verdict {
	v.Time = utc(v.Time)
	v.Evidence = cloneEach(v.Evidence, normalizeEvidence)
	return v
}

func normalizeEvidence(e analysis.Evidence) analysis.Evidence {
	e.Time = utc(e.Time)
	return e
}

func normalizeConnection(c analysis.Connection) analysis.Connection {
	c.Start, c.End = utc(c.Start), utc(c.End)
	return c
}

// isEmptyJSON is encoding/json's notion of empty for omitempty.
func isEmptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
