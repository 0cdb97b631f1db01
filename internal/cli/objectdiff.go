package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/engine"
)

// objectChange is one object of a generated file that a plan adds,
// destroys or changes, said in the terms of what consumes the file: a
// Terraform resource or module call, a workflow's job, a Kubernetes object
// that Flux applies.
type objectChange struct {
	section    string // "Terraform", "Workflows", "Flux"
	file       string
	object     string   // e.g. module.storage, job deploy-qa, Deployment api/api
	status     string   // added, destroyed, changed
	attrs      []string // for a changed object: "path: old → new"
	iam        bool     // grants or scopes access
	deletion   bool     // destroys the object or an entry inside it
	production bool
}

// objectChanges reads every Terraform, workflow and Flux file a plan
// touches, before and after, and lists the objects that differ.
func objectChanges(p *engine.Plan) []objectChange {
	var out []objectChange
	for _, ch := range p.Changes {
		var section string
		var before, after map[string]map[string]string
		switch {
		case strings.HasSuffix(ch.Path, ".tf"):
			section = "Terraform"
			before, after = hclObjects(ch.Old), hclObjects(ch.New)
		case strings.HasPrefix(ch.Path, ".github/workflows/") && strings.HasSuffix(ch.Path, ".yml"):
			section = "Workflows"
			before, after = workflowJobs(ch.Old), workflowJobs(ch.New)
		case strings.Contains(ch.Path, "/flux/") && strings.HasSuffix(ch.Path, ".yaml") && !skipFlux(ch.Path):
			section = "Flux"
			before, after = kubeObjects(ch.Old), kubeObjects(ch.New)
		default:
			continue
		}
		keys := map[string]bool{}
		for k := range before {
			keys[k] = true
		}
		for k := range after {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			b, hadOld := before[k]
			a, hasNew := after[k]
			c := objectChange{section: section, file: ch.Path, object: k, production: ch.Production}
			switch {
			case !hadOld:
				c.status = "added"
				c.iam = iamObject(k, a)
			case !hasNew:
				c.status = "destroyed"
				c.deletion = true
				c.iam = iamObject(k, b)
			default:
				c.attrs, c.deletion, c.iam = attrChanges(k, b, a)
				if len(c.attrs) == 0 {
					continue
				}
				c.status = "changed"
			}
			out = append(out, c)
		}
	}
	return out
}

// skipFlux leaves out the Flux files another section of the summary says
// better: the alerting rules (PrometheusRule) and the flags (their
// ConfigMap), and Kustomize's lists of files.
func skipFlux(p string) bool {
	base := path.Base(p)
	return base == "kustomization.yaml" || base == "prometheusrule.yaml" || base == "configmap-flags.yaml"
}

// iamRE matches an object or attribute path about access.
var iamRE = regexp.MustCompile(`(?i)\biam\b|aws_iam|role_arn|role-arn|role_name|role-to-assume|assume_role|_arns\b|trust|reviewers|(^|\.)permissions\b|id-token|^(Cluster)?Role(Binding)? `)

func iamObject(name string, attrs map[string]string) bool {
	if iamRE.MatchString(name) {
		return true
	}
	for k := range attrs {
		if iamRE.MatchString(k) {
			return true
		}
	}
	return false
}

// attrChanges lists the leaves of an object that differ, old → new; an
// entry that goes is a deletion (a bucket leaving the storage module's
// map is destroyed).
func attrChanges(object string, before, after map[string]string) (attrs []string, deletion, iam bool) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for _, k := range slices.SortedFunc(maps.Keys(keys), compareFieldPaths) {
		b, hadOld := before[k]
		a, hasNew := after[k]
		if hadOld && hasNew && a == b {
			continue
		}
		if iamRE.MatchString(object + " " + k) {
			iam = true
		}
		switch {
		case !hadOld:
			attrs = append(attrs, fmt.Sprintf("`%s` added: `%s`", k, truncate(a, 60)))
		case !hasNew:
			deletion = true
			attrs = append(attrs, fmt.Sprintf("`%s` removed (was `%s`)", k, truncate(b, 60)))
		case strings.Contains(a+b, `\n`):
			attrs = append(attrs, fmt.Sprintf("`%s`: text changed", k))
		default:
			attrs = append(attrs, fmt.Sprintf("`%s`: `%s` → `%s`", k, truncate(b, 60), truncate(a, 60)))
		}
	}
	return attrs, deletion, iam
}

// hclBlockRE is a top-level block's opening line: its type and labels.
var hclBlockRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_-]*)((?:\s+"[^"]*")*)\s*\{\s*$`)

// hclObjects flattens a generated HCL file (canonical hclwrite layout) into
// its top-level blocks, each a map from attribute path to value:
// module.storage → buckets."acme-prod-api-invoices".expire_days = 2555.
func hclObjects(data []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	var cur map[string]string
	var stack []string
	index := []int{} // per open list, the next element's index; -1 for objects and blocks
	heredoc, heredocKey, heredocText := "", "", ""
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if heredoc != "" {
			if line == heredoc {
				cur[heredocKey] = heredocText
				heredoc = ""
			} else {
				heredocText += line + "\n"
			}
			continue
		}
		if cur == nil {
			if m := hclBlockRE.FindStringSubmatch(raw); m != nil {
				labels := strings.Fields(strings.ReplaceAll(m[2], `"`, " "))
				name := strings.Join(append([]string{m[1]}, labels...), ".")
				if m[1] == "resource" {
					name = strings.Join(labels, ".")
				}
				cur = map[string]string{}
				out[name] = cur
				stack, index = nil, nil
			}
			continue
		}
		key := strings.Join(stack, ".")
		join := func(k string) string {
			if key == "" {
				return k
			}
			return key + "." + k
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//"):
		case strings.HasPrefix(line, "}") || strings.HasPrefix(line, "]"):
			if len(stack) == 0 {
				cur = nil
				continue
			}
			stack, index = stack[:len(stack)-1], index[:len(index)-1]
		case strings.HasSuffix(line, "{") || strings.HasSuffix(line, "["):
			k := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(line, "{"), "["))
			k = strings.TrimSpace(strings.TrimSuffix(k, "="))
			if k == "" && len(index) > 0 && index[len(index)-1] >= 0 {
				k = strconv.Itoa(index[len(index)-1])
				index[len(index)-1]++
			}
			stack = append(stack, strings.Trim(strings.Join(strings.Fields(k), "."), `"`))
			if strings.HasSuffix(line, "[") {
				index = append(index, 0)
			} else {
				index = append(index, -1)
			}
		default:
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(strings.TrimSpace(v), "=") && (len(index) == 0 || index[len(index)-1] < 0) {
				k, v = strings.Trim(strings.TrimSpace(k), `"`), strings.TrimSpace(v)
				if strings.HasPrefix(v, "<<") {
					heredoc, heredocKey, heredocText = strings.TrimLeft(v, "<-"), join(k), ""
					continue
				}
				cur[join(k)] = strings.TrimSuffix(v, ",")
				continue
			}
			if len(index) > 0 && index[len(index)-1] >= 0 {
				cur[join(strconv.Itoa(index[len(index)-1]))] = strings.TrimSuffix(line, ",")
				index[len(index)-1]++
				continue
			}
			cur[join(line)] = ""
		}
	}
	return out
}

// workflowJobs flattens a workflow into its jobs (and its top level, as
// "workflow"), each a map from field path to value.
func workflowJobs(data []byte) map[string]map[string]string {
	var doc map[string]any
	if len(data) == 0 || yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	out := map[string]map[string]string{}
	jobs, _ := doc["jobs"].(map[string]any)
	for name, job := range jobs {
		fields := map[string]string{}
		flatten("", normalise(job), fields)
		out["job "+name] = fields
	}
	delete(doc, "jobs")
	top := map[string]string{}
	flatten("", normalise(doc), top)
	out["workflow"] = top
	return out
}

// kubeObjects flattens every Kubernetes object of a (multi-document) YAML
// file, keyed by kind and namespace/name.
func kubeObjects(data []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc == nil {
			continue
		}
		meta, _ := doc["metadata"].(map[string]any)
		name := fmt.Sprint(meta["name"])
		if ns, ok := meta["namespace"]; ok {
			name = fmt.Sprint(ns) + "/" + name
		}
		kind, ok := doc["kind"].(string)
		if !ok {
			continue // not a Kubernetes object (a configuration file Kustomize reads)
		}
		fields := map[string]string{}
		flatten("", normalise(doc), fields)
		out[kind+" "+name] = fields
	}
	return out
}

// normalise turns yaml.v3's decoded values into the JSON-like values
// flatten walks (map[string]any, []any, scalars).
func normalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalise(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = normalise(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalise(x)
		}
		return out
	}
	return v
}

// maxObjectRows and maxAttrs keep a section of the PR comment readable;
// the file list and the diff have the rest.
const (
	maxObjectRows = 40
	maxAttrs      = 4
)

// writeObjectChanges writes one collapsible table per section, production
// rows first.
func writeObjectChanges(w io.Writer, changes []objectChange) {
	for _, section := range []string{"Terraform", "Workflows", "Flux"} {
		var rows []objectChange
		for _, c := range changes {
			if c.section == section {
				rows = append(rows, c)
			}
		}
		if len(rows) == 0 {
			continue
		}
		slices.SortStableFunc(rows, func(a, b objectChange) int {
			switch {
			case a.production == b.production:
				return 0
			case a.production:
				return -1
			}
			return 1
		})
		var added, changed, destroyed int
		for _, c := range rows {
			switch c.status {
			case "added":
				added++
			case "changed":
				changed++
			case "destroyed":
				destroyed++
			}
		}
		what := map[string]string{"Terraform": "resources", "Workflows": "jobs", "Flux": "objects"}[section]
		fmt.Fprintf(w, "\n<details><summary>%s: %d %s added, %d changed, %d destroyed</summary>\n\n| file | %s | change |\n|---|---|---|\n",
			section, added, what, changed, destroyed, strings.TrimSuffix(what, "s"))
		for i, c := range rows {
			if i == maxObjectRows {
				fmt.Fprintf(w, "| … | and %d more | |\n", len(rows)-maxObjectRows)
				break
			}
			status := c.status
			if c.status == "destroyed" {
				status = "**destroyed**"
			}
			var notes []string
			if c.iam {
				notes = append(notes, "**IAM**")
			}
			if c.deletion && c.status != "destroyed" {
				notes = append(notes, "**deletes**")
			}
			attrs := c.attrs
			if len(attrs) > maxAttrs {
				attrs = append(slices.Clone(attrs[:maxAttrs]), fmt.Sprintf("and %d more", len(c.attrs)-maxAttrs))
			}
			detail := strings.Join(append(append([]string{status}, notes...), attrs...), "; ")
			file := "`" + c.file + "`"
			if c.production {
				file += " **production**"
			}
			fmt.Fprintf(w, "| %s | `%s` | %s |\n", file, c.object, strings.ReplaceAll(detail, "|", `\|`))
		}
		fmt.Fprintln(w, "\n</details>")
	}
}
