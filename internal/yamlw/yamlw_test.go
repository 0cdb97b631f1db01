package yamlw

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite testdata/strings.golden")

// strs need quoting, escaping or a block.
var strs = []string{
	"", "plain", "a: b", "a:b", "#x", "x #y", " lead", "trail ", "yes", "No", "1.5", "1e3", "0x1f",
	"2026-01-01", "2026-01-01T00:00:00Z", "null", "~", "multi\nline", "multi\n line", "two\n\nblank",
	"tab\tx", "quote'x", "dq\"x", "-x", "- x", "@x", "`x`", "x:", "[x]", "{x}", "ünïcode", "*star", "&amp",
	"!tag", "%p", "|pipe", ">gt", "?q", "line\n", "ctrl\x01", "up{job=\"a\"} == 0", "sum(rate(x[5m])) > 0.9",
}

// Strings that need quoting or a block read back as themselves.
func TestMarshalRoundTrips(t *testing.T) {
	type doc struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels,omitempty"`
		List   []string          `yaml:"list"`
	}
	for _, s := range strs {
		in := doc{Name: s, Labels: map[string]string{"k": s}, List: []string{s, "b"}}
		data, err := Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out doc
		if err := yaml.Unmarshal(data, &out); err != nil {
			t.Errorf("%q: %v\n%s", s, err, data)
			continue
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("%q read back as %#v from\n%s", s, out, data)
		}
	}
}

// Every string in every place is written as it always was:
// testdata/strings.golden holds the bytes of the writer before it was made
// faster, which the rule files and PrometheusRules of every organisation
// depend on. Map keys are written as they are, quoted or not.
func TestMarshalStrings(t *testing.T) {
	type item struct {
		Value  string            `yaml:"value"`
		Labels map[string]string `yaml:"labels"`
		List   []string          `yaml:"list"`
	}
	var doc struct {
		Items []item `yaml:"items"`
	}
	for _, s := range append(strs, hostile...) {
		doc.Items = append(doc.Items, item{Value: s, Labels: map[string]string{"k": s, s + "|": "v"}, List: []string{s, "b"}})
	}
	got, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/strings.golden"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
	}
}

// hostile adds what a spec could carry beyond strs: YAML's other types,
// indicators, breaks and characters outside ASCII, valid or not.
var hostile = []string{
	" ", "-", "---", "...x", ":", ": a", "?", "x,y", "<<", "=", "y", "N", "on", "OFF", "True", "NULL",
	"-1", "+1", ".5", "1_000", "0o17", "017", "0b101", "9223372036854775808", ".inf", "-.Inf", ".nan", "1.", "1.2.3",
	"2026-1-1", "2026-01-01 10:00:00", "1:20", "10.10.0.0/16", "25%", "1h0m0s", "0 3 * * *",
	"multi\nline\n", "\nlead", " lead\nx", "trail \nx", "x\n  indented\ny", "\n", "a\tb\nc", "a\r\nb",
	"del\x7f", "'", "back\\slash", "{{.layer}}", "x]", "<lt>", "a&b", "(paren", "/slash", "_under", ".dot",
	"日本", "😀", "\u0085", "\u2028", "\ufeff", "\u00a0", "\xff", "\xc2\n\x80", "a\xc3\n\xa9b",
	"a very long line of words that goes well past the eightieth column of the file it is written to",
}

// Marshal gives yaml.v3's bytes where every string is a Word, as in
// YACE's configuration; no string that needs quoting is a word.
func TestWordsAreYAMLv3(t *testing.T) {
	type metric struct {
		Name       string   `yaml:"name"`
		Statistics []string `yaml:"statistics"`
		Period     int      `yaml:"period"`
		Length     int64    `yaml:"length"`
	}
	type job struct {
		Name    string            `yaml:"name"`
		Regions []string          `yaml:"regions"`
		Labels  map[string]string `yaml:"labels,omitempty"`
		Metrics []metric          `yaml:"metrics"`
	}
	type config struct {
		APIVersion string `yaml:"apiVersion"`
		StsRegion  string `yaml:"sts-region"`
		Static     []job  `yaml:"static"`
	}
	r := rand.New(rand.NewPCG(7, 8))
	const alphabet = "aZy0-_./:#' eEnNoO1x"
	for range 20000 {
		var words []string
		for len(words) < 6 {
			if s := randomString(r, alphabet, 1+r.IntN(6)); Word(s) {
				words = append(words, s)
			}
		}
		w := func() string { return words[r.IntN(len(words))] }
		cfg := config{APIVersion: w(), StsRegion: w(), Static: []job{
			{Name: w(), Regions: []string{w()}, Labels: map[string]string{w(): w()}, Metrics: []metric{{Name: w(), Statistics: []string{w(), w()}, Period: r.IntN(1000) - 500, Length: 600}}},
			{Name: w(), Regions: []string{w(), w()}},
		}}
		got, err := Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Encode(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("(-yaml.v3 +Marshal):\n%s", cmp.Diff(string(want), string(got)))
		}
	}
	for _, s := range []string{"", "yes", "No", "TRUE", "Null", "n", "1a", "a b", "a:b", "-a", ".a", "ü"} {
		if Word(s) {
			t.Errorf("%q is a word", s)
		}
	}
}

// mayBeTyped passes everything typedRE matches.
func TestMayBeTyped(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const alphabet = "+-.0123456789_eExXoObfFnNiIaAtT :Zzm%h\n"
	for range 500000 {
		if s := randomString(r, alphabet, 1+r.IntN(14)); typedRE.MatchString(s) && !mayBeTyped(s) {
			t.Errorf("%q matches typedRE", s)
		}
	}
	for _, s := range []string{"2026-01-01 10:00:00Z", "-2026-1-1Tx", ".inf", "-.NaN", "0x1F", "0o17", "1e3", "1.", "1_0"} {
		if !mayBeTyped(s) || !typedRE.MatchString(s) {
			t.Errorf("%q", s)
		}
	}
}

// pair finds what strings.Contains finds.
func TestPair(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const alphabet = " :#\nab"
	for range 200000 {
		s := randomString(r, alphabet, r.IntN(10))
		for _, p := range []string{": ", " #", " \n"} {
			if got := pair(s, p[0], p[1]); got != strings.Contains(s, p) {
				t.Errorf("pair(%q, %q) = %v", s, p, got)
			}
		}
	}
}

// randomString is n bytes drawn from alphabet.
func randomString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
