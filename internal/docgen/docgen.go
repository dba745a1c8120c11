// Package docgen writes ftpcap's man page and its bash, zsh and fish
// completions from a description of the commands whose options are the
// very pflag FlagSets the commands parse, so the documentation cannot
// name a flag the program lacks or miss one it has.
package docgen

import (
	"strings"

	"github.com/spf13/pflag"
)

// Manual describes the program for its man page and completions.
type Manual struct {
	Name    string // program name, e.g. "ftpcap"
	Section string // man section, e.g. "1"
	Date    string // .TH date; a constant so regenerating is reproducible
	Title   string // .TH centre footer, e.g. "User Commands"
	Summary string // the NAME line after the dash
	// Description and Privileges are paragraphs; one that starts with a
	// tab is a command line, set as is.
	Description []string
	Commands    []Command
	Formats     []Item // OUTPUT FORMATS
	ExitStatus  []Item
	Privileges  []string
	Environment []Item
	Examples    []Example
	SeeAlso     []string // "tcpdump(8)", …
}

// Command is one subcommand.
type Command struct {
	Name     string
	Aliases  []string
	Synopsis string // after the program name, e.g. "analyze [flags] FILE..."
	Summary  string // one line, for COMMANDS and the completions
	Text     []string
	// Flags are the command's own flag definitions; nil when it takes
	// none. Hidden flags are left out, as pflag's usage leaves them out.
	Flags *pflag.FlagSet
	// Values says how the value of a flag (by long name) completes;
	// a flag that takes a value and is not named completes nothing.
	Values map[string]Values
	// Args says how positional arguments complete.
	Args Values
	// Metavars names a flag's value (by long name) where its type and
	// Values do not say enough, e.g. "EXPR" for a BPF filter.
	Metavars map[string]string
}

// Values is how a word completes.
type Values struct {
	Words      []string // a fixed list
	Files      bool     // file names
	Interfaces bool     // network interface names, and "any"
}

// Item is a term and its explanation.
type Item struct {
	Term string
	Text string
}

// Example is a command line and what it does.
type Example struct {
	Text    string
	Command string
}

// option is one visible flag as the generators see it.
type option struct {
	long, short string
	arg         string // metavariable; "" for a switch
	repeatable  bool
	commaList   bool // a slice flag: --fail-on a,b takes a list
	usage       string
	def         string // "" when the default is the zero value
}

// options lists the command's visible flags in their definition order
// (the FlagSets keep SortFlags off so related flags stay together).
func (c Command) options() []option {
	if c.Flags == nil {
		return nil
	}
	var out []option
	c.Flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		typ, usage := pflag.UnquoteUsage(f)
		o := option{long: f.Name, short: f.Shorthand, usage: usage, arg: c.metavar(f.Name, typ),
			repeatable: strings.HasSuffix(f.Value.Type(), "Slice") || strings.HasSuffix(f.Value.Type(), "Array"),
			commaList:  strings.HasSuffix(f.Value.Type(), "Slice")}
		if f.NoOptDefVal != "" {
			o.arg = "" // documented as a switch: --flag alone is allowed
		}
		if !isZero(f) {
			o.def = f.DefValue
		}
		out = append(out, o)
	})
	return out
}

// metavar names a flag's value: as Metavars says, else by what completes
// it, else by its type as pflag's UnquoteUsage reports it ("" for a
// boolean switch).
func (c Command) metavar(name, typ string) string {
	v := c.Values[name]
	switch {
	case typ == "":
		return ""
	case c.Metavars[name] != "":
		return c.Metavars[name]
	case v.Files:
		return "FILE"
	case v.Interfaces:
		return "IFACE"
	}
	switch typ {
	case "strings":
		return "LIST"
	case "stringArray":
		return "STRING"
	case "int", "uint", "int64", "uint64":
		return "N"
	case "float":
		return "NUMBER"
	}
	return strings.ToUpper(typ)
}

// isZero reports whether a flag's default is its type's zero value,
// which the documentation does not state (as pflag's usage does not).
func isZero(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]", "<nil>":
		return true
	}
	return f.NoOptDefVal != "" && f.Value.Type() == "bool"
}

// names lists a command's name and aliases.
func (c Command) names() []string { return append([]string{c.Name}, c.Aliases...) }

// valuesOf returns how the value of o completes.
func (c Command) valuesOf(o option) Values { return c.Values[o.long] }

// firstClause shortens a flag's help to what fits a completion menu: up
// to the first semicolon or parenthesis that follows some text.
func firstClause(s string) string {
	for i, r := range s {
		if (r == ';' || r == '(') && i > 12 {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}
