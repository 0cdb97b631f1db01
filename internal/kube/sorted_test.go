package kube

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hostile are strings a spec could carry that YAML reads as something
// else, or that need quoting, escaping, a block or a fold.
var hostile = []string{
	"", " ", "plain", "a: b", "a:b", "a:", ":a", ": a", "#x", "x #y", "x#y", " lead", "trail ", "-", "- x", "-x", "--x", "---", "...x", "?", "? x", "?x",
	"yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "true", "False", "<<", "=",
	"1", "-1", "+1", "1.5", ".5", "1e3", "1E+3", "0x1f", "0o17", "017", "0b101", "-0b101", "1_000", "9223372036854775808", "18446744073709551616", ".inf", "-.Inf", ".nan", "+.inf", "1.", "1.2.3",
	"2026-01-01", "2026-1-1", "2026-01-01T00:00:00Z", "2026-01-01 10:00:00", "2026-13-45", "190:20:30", "1:20", "-1:20.5", "12:60", "10.10.0.0/16", "0.0.0.0/0", "25%", "1h0m0s", "0 3 * * *", "64Mi",
	"multi\nline", "multi\nline\n", "multi\n\nline\n", "two\n\n", "\nlead", " lead\nx", "trail \nx", "x\n  indented\ny", "line\n", "\n",
	"tab\tx", "ctrl\x01", "del\x7f", "quote'x", "'", "dq\"x", "back\\slash", "[x]", "{x}", "{{.layer}}", "x,y", "x]", "*star", "&amp", "!tag", "%p", "@x", "`x`", "|pipe", ">gt", "<lt>", "a&b",
	"ünïcode", "日本", "😀", "\u0085", "\u2028", "\ufeff", "\xff",
	`[{"HTTPS":443}]`, "ELBSecurityPolicy-TLS13-1-2-2021-06", "up{job=\"a\"} == 0",
	strings.Repeat("word ", 20), strings.Repeat("x", 90), strings.Repeat("k", 129), "a " + strings.Repeat("b", 75),
}

// The writer gives yaml.v2's bytes for every object it writes, with
// hostile strings as keys and values at every depth.
func TestSortedIsLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(t, randomObject(r, 0))
	}
	for _, s := range hostile {
		check(t, map[string]any{s: s, "k": []any{s, map[string]any{s: []any{s}}}, "m": map[string]any{"n": map[string]any{"o": s}}})
	}
}

// FuzzSorted compares the writer with the library on any two strings.
func FuzzSorted(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		check(t, map[string]any{a: b, b: []any{a, []any{b}, map[string]any{a: a}}, "key": map[string]any{"nested": map[string]any{b: a}}, "list": []any{map[string]any{"a": a, "b": b}}})
	})
}

// check compares the writer, when it writes v, with the library. yaml.v2
// orders keys by a comparison that some keys make cyclic ("017x" < "0b1"
// < "1" < "017x"): then its order depends on the map's, and v is skipped.
func check(t *testing.T, v any) {
	t.Helper()
	if !ordered(v) {
		return
	}
	want, err := sortedByLibrary(v)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := new(writer).document(string(j))
	if ok {
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Fatalf("%s (-library +writer):\n%s", j, diff)
		}
	}
}

// ordered reports whether the keys of every map in v have one order.
func ordered(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		var keys []string
		for k, x := range v {
			if !ordered(x) {
				return false
			}
			keys = append(keys, k)
		}
		for _, a := range keys {
			for _, b := range keys {
				for _, c := range keys {
					if keyLess(a, b) && keyLess(b, c) && !keyLess(a, c) {
						return false
					}
				}
			}
		}
	case []any:
		for _, x := range v {
			if !ordered(x) {
				return false
			}
		}
	}
	return true
}

// keyLess orders two keys as the library does whenever it orders them
// one way only.
func TestKeyLessIsLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		a, b := randomString(r), randomString(r)
		if a == b || keyLess(a, b) == keyLess(b, a) || !printableASCII(a) || !printableASCII(b) {
			continue
		}
		out, err := sortedByLibrary(map[string]any{a: 1, b: 1})
		if err != nil {
			t.Fatal(err)
		}
		if aAlone, _ := sortedByLibrary(map[string]any{a: 1}); keyLess(a, b) != strings.HasPrefix(string(out), string(aAlone)) {
			t.Errorf("keyLess(%q, %q) = %v; the library writes\n%s", a, b, keyLess(a, b), out)
		}
	}
}

// randomObject is a JSON object of words, hostile strings, numbers,
// booleans, nulls and collections, some empty.
func randomObject(r *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for range r.IntN(5) {
		m[randomString(r)] = randomValue(r, depth+1)
	}
	return m
}

func randomValue(r *rand.Rand, depth int) any {
	switch n := r.IntN(10); {
	case n < 4 || depth > 3:
		return randomString(r)
	case n == 4:
		return []any{1, -7, 2.5, 1e21, 0.1, true, false, nil}[r.IntN(8)]
	case n < 7:
		return randomObject(r, depth)
	default:
		var l []any
		for range r.IntN(4) {
			l = append(l, randomValue(r, depth+1))
		}
		return l
	}
}

// randomString is a hostile string, a word with digits, or pieces of
// both.
func randomString(r *rand.Rand) string {
	const alphabet = "ab09 :#-'\"\n.eyno_xT*{[,&!|>%@`?\\/"
	switch r.IntN(3) {
	case 0:
		return hostile[r.IntN(len(hostile))]
	case 1:
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	return hostile[r.IntN(len(hostile))] + string(alphabet[r.IntN(len(alphabet))]) + hostile[r.IntN(len(hostile))]
}

// The objects the generators write take the writer's way: nothing there
// needs the library.
func TestSortedWritesUsualObjects(t *testing.T) {
	k := NewKustomization()
	k.Resources = []string{"namespace.yaml", "prometheusrule.yaml"}
	es := NewExternalSecret(ObjectMeta{Name: "api-key", Namespace: "svc", Labels: map[string]string{"app.kubernetes.io/name": "svc"}}, ExternalSecretSpec{
		RefreshInterval: "1h0m0s",
		SecretStoreRef:  ClusterStore("aws-secrets-manager"),
		Target:          ExternalSecretTarget{Name: "api-key", CreationPolicy: CreationOwner},
		Data:            []ExternalSecretData{{SecretKey: "value", RemoteRef: RemoteRef{Key: "dev/svc/api-key"}}},
	})
	for _, obj := range []any{k, es, map[string]any{"data": map[string]any{"flags.json": "{\n  \"on\": true\n}\n"}, "ignore": "/*\n!/environments/\n", "cidr": "10.10.0.0/16", "port": 8080}} {
		j, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := new(writer).document(string(j)); !ok {
			t.Errorf("left to the library: %s", j)
		}
		check(t, obj)
	}
}
