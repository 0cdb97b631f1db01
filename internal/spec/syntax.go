package spec

import (
	"bytes"
	"strings"
)

// syntaxPos moves a YAML syntax error from where the parser noticed it to
// where the mistake is, and says how to fix it. yaml.v3 gives a line only,
// and for an unclosed '{' the line where it gave up; writers need the
// column and a suggestion.
func syntaxPos(data []byte, line int, msg string) (Pos, string) {
	lines := strings.Split(string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))), "\n")
	text := func(n int) string {
		if n < 1 || n > len(lines) {
			return ""
		}
		return lines[n-1]
	}
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	p := Pos{Line: line, Col: 1}
	if line >= 1 {
		p.Col = indent(text(line)) + 1
	}
	switch {
	case strings.Contains(msg, "did not find expected ',' or '}'"),
		strings.Contains(msg, "did not find expected ',' or ']'"),
		strings.Contains(msg, "found unexpected end of stream"):
		if open, ok := unclosedBracket(lines); ok {
			closer := map[byte]string{'{': "}", '[': "]"}[lines[open.Line-1][open.Col-1]]
			return open, "this " + string(lines[open.Line-1][open.Col-1]) + " is never closed; close it with " + closer + " at the end of its value"
		}
	case strings.Contains(msg, "mapping values are not allowed in this context"):
		for prev := line - 1; prev >= 1; prev-- {
			pt := text(prev)
			if t := strings.TrimSpace(pt); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if indent(text(line)) > indent(pt) {
				return p, "this key is indented deeper than line " + itoa(prev) + " above it; keys of one mapping start in the same column"
			}
			break
		}
		return p, "a value holding ': ' must be quoted"
	case strings.Contains(msg, "found character that cannot start any token") && strings.Contains(text(line), "\t"):
		p.Col = strings.Index(text(line), "\t") + 1
		return p, "YAML indents with spaces, never tabs"
	case strings.Contains(msg, "could not find expected ':'"):
		return p, "a key needs ': ' and a value after it"
	}
	return p, ""
}

// unclosedBracket finds the first flow '{' or '[' that is never closed,
// outside quotes and comments.
func unclosedBracket(lines []string) (Pos, bool) {
	var stack []Pos
	for i, l := range lines {
		var quote byte
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				if j == 0 || strings.ContainsRune(" {[,:", rune(l[j-1])) {
					quote = c
				}
			case c == '#' && (j == 0 || l[j-1] == ' '):
				j = len(l)
			case c == '{' || c == '[':
				stack = append(stack, Pos{Line: i + 1, Col: j + 1})
			case (c == '}' || c == ']') && len(stack) > 0:
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return Pos{}, false
	}
	return stack[0], true
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
