package workflows

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/yamlw"
)

// The workflows are built as yaml.Node trees, never as text: keys keep the
// order they are written in, a `uses:` carries its version as a line
// comment, and scripts are literal blocks that no value can break out of.

// mapping makes a mapping from alternating keys and values. A nil value
// (or a nil node, or an empty list) leaves its key out, so optional keys
// read inline.
func mapping(kv ...any) *yaml.Node {
	if len(kv)%2 != 0 {
		panic("workflows: mapping needs keys and values in pairs")
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		v := node(kv[i+1])
		if v == nil {
			continue
		}
		n.Content = append(n.Content, str(kv[i].(string)), v)
	}
	return n
}

// emptyMapping is `{}`, which a mapping with no keys also is; it stays
// even when its parent leaves out empty values.
func emptyMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

// seq makes a block sequence.
func seq(items ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range items {
		if v := node(it); v != nil {
			n.Content = append(n.Content, v)
		}
	}
	return n
}

// flow makes a one-line sequence of strings, such as branch lists.
func flow(items ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, str(it))
	}
	return n
}

// str is a string scalar; the encoder quotes it when it would otherwise
// read as another type, and a multi-line string becomes a literal block.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// quoted is a double-quoted string, for values a reader might misread
// (cron lines, globs).
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

func node(v any) *yaml.Node {
	switch v := v.(type) {
	case nil:
		return nil
	case *yaml.Node:
		if v == nil || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
			return nil
		}
		if v.Kind == yaml.MappingNode && len(v.Content) == 0 && v.Style != yaml.FlowStyle {
			return nil
		}
		return v
	case string:
		return str(v)
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case []string:
		if len(v) == 0 {
			return nil
		}
		return flow(v...)
	}
	panic(fmt.Sprintf("workflows: no YAML node for %T", v))
}

// encode writes a document with two-space indentation.
//
// A workflow of many jobs (the load test has one per service, a thousand
// in a large organisation) is written a job at a time, on every core.
// yaml.v3 writes the entries of a block mapping one after the other, each
// at its own indentation and nothing of one depending on another, so the
// jobs written each under a "jobs:" of their own, that line cut, and joined
// after the rest of the workflow, are the workflow written whole
// (TestEncodeInParts holds them equal). Anything that could make a part
// differ (comments, flow style, a part that does not start as expected)
// writes the document whole, and so does inParts false.
func encode(doc *yaml.Node, inParts bool) ([]byte, error) {
	jobs := manyJobs(doc)
	if jobs == nil || !inParts {
		return yamlw.Encode(doc)
	}
	top := doc.Content[0]
	n := len(top.Content)
	head := *top
	head.Content = top.Content[:n-2]
	key := top.Content[n-2]
	parts := make([][]byte, len(jobs.Content)/2)
	errs := make([]error, len(parts))
	parallel.For(len(parts), func(i int) {
		one := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{key,
			{Kind: yaml.MappingNode, Tag: jobs.Tag, Content: jobs.Content[2*i : 2*i+2]}}}
		parts[i], errs[i] = yamlw.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{one}})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out, err := yamlw.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{&head}})
	if err != nil {
		return nil, err
	}
	out = append(out, jobsLine...)
	for _, p := range parts {
		body, ok := bytes.CutPrefix(p, []byte(jobsLine))
		if !ok || bytes.HasSuffix(p, []byte("\n...\n")) {
			return yamlw.Encode(doc)
		}
		out = append(out, body...)
	}
	return out, nil
}

// jobsLine opens the jobs of a workflow.
const jobsLine = "jobs:\n"

// minParts is how many jobs a workflow has before encode writes them a job
// at a time: below it, the parts cost more than they save.
const minParts = 64

// manyJobs returns the jobs of doc when doc is a workflow encode writes in
// parts: a block mapping whose last entry is jobs, a block mapping of at
// least minParts jobs, with no comments on either.
func manyJobs(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || hasComments(doc) {
		return nil
	}
	top := doc.Content[0]
	n := len(top.Content)
	if top.Kind != yaml.MappingNode || top.Style != 0 || hasComments(top) || n < 2 {
		return nil
	}
	key, jobs := top.Content[n-2], top.Content[n-1]
	if key.Kind != yaml.ScalarNode || key.Value != "jobs" || key.Style != 0 || hasComments(key) ||
		jobs.Kind != yaml.MappingNode || jobs.Style != 0 || hasComments(jobs) || len(jobs.Content) < 2*minParts {
		return nil
	}
	return jobs
}

func hasComments(n *yaml.Node) bool {
	return n.HeadComment != "" || n.LineComment != "" || n.FootComment != ""
}
