package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/engine"
)

// flagChange is one feature flag whose served value a plan changes in one
// environment: its default variant, its variants or its targeting.
type flagChange struct {
	env, service, flag string
	before, after      string // "" when the flag is added or removed
	production         bool
}

// flagdFlag is what a reviewer compares of a flag in a flagd file.
type flagdFlag struct {
	State          string          `json:"state"`
	Variants       json.RawMessage `json:"variants"`
	DefaultVariant string          `json:"defaultVariant"`
	Targeting      json.RawMessage `json:"targeting"`
}

// flagChanges reads the flag files a plan changes
// (environments/<env>/flags/<svc>.flagd.json) before and after, and lists
// every flag whose state, variants, default variant or targeting differ,
// or that comes or goes. A description is not a value: it is left to the
// file list.
func flagChanges(p *engine.Plan) []flagChange {
	var out []flagChange
	for _, ch := range p.Changes {
		if ch.Kind != "flags" || !strings.HasSuffix(ch.Path, ".flagd.json") {
			continue
		}
		env := path.Base(path.Dir(path.Dir(ch.Path)))
		svc := strings.TrimSuffix(path.Base(ch.Path), ".flagd.json")
		before, after := flagdFlags(ch.Old), flagdFlags(ch.New)
		keys := map[string]bool{}
		for k := range before {
			keys[k] = true
		}
		for k := range after {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			o, hadOld := before[k]
			n, hasNew := after[k]
			if hadOld && hasNew && o == n {
				continue
			}
			c := flagChange{env: env, service: svc, flag: k, production: ch.Production}
			if hadOld {
				c.before = o
			}
			if hasNew {
				c.after = n
			}
			out = append(out, c)
		}
	}
	return out
}

// flagdFlags reads a flagd file into one line per flag: what it serves.
// A file that does not parse gives nothing; the file list still shows it.
func flagdFlags(data []byte) map[string]string {
	var doc struct {
		Flags map[string]flagdFlag `json:"flags"`
	}
	if len(data) == 0 || json.Unmarshal(data, &doc) != nil {
		return nil
	}
	out := map[string]string{}
	for k, f := range doc.Flags {
		s := "`" + f.DefaultVariant + "`"
		if f.State != "ENABLED" {
			s = strings.ToLower(f.State)
		}
		if t := compactJSON(f.Targeting); t != "" && t != "null" && t != "{}" {
			s += ", targeting `" + truncate(t, 120) + "`"
		}
		s += ", variants `" + truncate(compactJSON(f.Variants), 80) + "`"
		out[k] = s
	}
	return out
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return ""
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

const maxFlagRows = 30

// writeFlagChanges lists the flag changes, production first.
func writeFlagChanges(w io.Writer, changes []flagChange) {
	if len(changes) == 0 {
		return
	}
	slices.SortStableFunc(changes, func(a, b flagChange) int {
		if a.production != b.production {
			if a.production {
				return -1
			}
			return 1
		}
		return 0
	})
	fmt.Fprintf(w, "\n<details><summary>Feature flags: %d %s</summary>\n\n| environment | service | flag | before | after |\n|---|---|---|---|---|\n",
		len(changes), plural(len(changes), "change", "changes"))
	for i, c := range changes {
		if i == maxFlagRows {
			fmt.Fprintf(w, "| … | and %d more | | | |\n", len(changes)-maxFlagRows)
			break
		}
		env := c.env
		if c.production {
			env = "**" + env + "**"
		}
		fmt.Fprintf(w, "| %s | %s | `%s` | %s | %s |\n", env, c.service, c.flag, orNone(c.before, "(added)"), orNone(c.after, "(removed)"))
	}
	fmt.Fprintln(w, "\n</details>")
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// productionFlags lists the production flag changes as a warning line
// names them: env service/flag.
func productionFlags(changes []flagChange) []string {
	var out []string
	for _, c := range changes {
		if c.production {
			out = append(out, fmt.Sprintf("`%s/%s` in %s", c.service, c.flag, c.env))
		}
	}
	return out
}
