package partners_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-dev/groundwork/backend/partners"
)

var keyShape = regexp.MustCompile(`^gw_test_(k[0-9a-f]{10})_[A-Za-z0-9_-]{43}$`)

func TestNewKey(t *testing.T) {
	t.Parallel()
	key, rec, err := partners.NewKey(partners.PrefixTest)
	if err != nil {
		t.Fatal(err)
	}
	m := keyShape.FindStringSubmatch(key)
	if m == nil || m[1] != rec.ID {
		t.Fatalf("key %q (id %s) is not gw_test_<id>_<43 base64url characters>", key, rec.ID)
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(rec.Hash) || rec.Hash != partners.Hash(key) {
		t.Errorf("hash %q is not sha256:<hex of the whole key>", rec.Hash)
	}
	if strings.Contains(rec.Hash, key[len(key)-43:]) {
		t.Error("the record holds the secret")
	}
	prefix, id, err := partners.ParseKey(key)
	if err != nil || prefix != partners.PrefixTest || id != rec.ID {
		t.Errorf("ParseKey = %q, %q, %v; want %s, %s", prefix, id, err, partners.PrefixTest, rec.ID)
	}
	other, rec2, _ := partners.NewKey(partners.PrefixTest)
	if other == key || rec2.ID == rec.ID {
		t.Error("two keys are the same")
	}
	live, _, err := partners.NewKey(partners.PrefixLive)
	if p, _, _ := partners.ParseKey(live); err != nil || p != "gw_live_" {
		t.Errorf("live key %q parses to prefix %q, %v", live, p, err)
	}
	for _, bad := range []string{"", "gw_test", "GW_", "gw test_", "gw_test_k"} {
		if _, _, err := partners.NewKey(bad); err == nil {
			t.Errorf("NewKey(%q) made a key", bad)
		}
	}
}

func TestParseKeyRefusesMalformed(t *testing.T) {
	t.Parallel()
	key, _, _ := partners.NewKey(partners.PrefixTest)
	secret := key[len(key)-43:]
	const id = "k7f3a9c2d10"
	for name, bad := range map[string]string{
		"empty":              "",
		"no prefix":          id + "_" + secret,
		"id too short":       "gw_test_" + id[:10] + "_" + secret + "x",
		"id upper case":      "gw_test_" + strings.ToUpper(id) + "_" + secret,
		"id not hex":         "gw_test_" + id[:10] + "z_" + secret,
		"no separator":       "gw_test_" + id + "x" + secret,
		"secret short":       "gw_test_" + id + "_" + secret[1:],
		"secret long":        key + "A",
		"secret not base64":  "gw_test_" + id + "_" + secret[:42] + "!",
		"secret padded":      "gw_test_" + id + "_" + secret[:42] + "=",
		"prefix upper case":  "GW_TEST_" + id + "_" + secret,
		"prefix without _":   "gwtest" + id + "_" + secret,
		"with a space":       " " + key,
		"a JWT":              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl",
		"secret, stray bits": "gw_test_" + id + "_" + secret[:42] + "B", // its last character has 2 bits beyond the 32 bytes, which must be 0
	} {
		if p, id, err := partners.ParseKey(bad); err == nil {
			t.Errorf("%s: ParseKey(%q) = %q, %q, want an error", name, bad, p, id)
		}
	}
	if _, _, err := partners.ParseKey("gw_test_" + id + "_" + secret); err != nil {
		t.Errorf("the well-formed key the cases are made from: %v", err)
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	key, rec, _ := partners.NewKey(partners.PrefixTest)
	if !rec.Matches(key) {
		t.Fatal("a key does not match its own record")
	}
	// A change anywhere, prefix, id or secret, first or last character, fails.
	for _, i := range []int{0, 3, 8, 12, 19, 20, len(key) - 1} {
		b := []byte(key)
		b[i] ^= 1
		if rec.Matches(string(b)) {
			t.Errorf("key changed at %d matches", i)
		}
	}
	for _, k := range []string{"", key[:len(key)-1], key + "A", strings.Replace(key, "gw_test_", "gw_live_", 1)} {
		if rec.Matches(k) {
			t.Errorf("%q matches", k)
		}
	}
}

// TestMatchesComparesInConstantTime reads Matches' source: timing cannot be
// tested reliably, but the one way to compare in constant time can be seen
// in the code. Matches must compare through subtle.ConstantTimeCompare and
// use no == on the hashes, bytes.Equal or strings comparison, which return
// at the first byte that differs.
func TestMatchesComparesInConstantTime(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "key.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var body *ast.BlockStmt
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Matches" && fn.Recv != nil {
			body = fn.Body
		}
	}
	if body == nil {
		t.Fatal("key.go has no method Matches")
	}
	var constantTime bool
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			switch x, _ := n.X.(*ast.Ident); {
			case x != nil && x.Name == "subtle" && n.Sel.Name == "ConstantTimeCompare":
				constantTime = true
			case x != nil && (x.Name == "bytes" || x.Name == "strings"):
				t.Errorf("Matches calls %s.%s", x.Name, n.Sel.Name)
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				if lit, ok := n.Y.(*ast.BasicLit); !ok || lit.Kind != token.INT {
					t.Error("Matches compares with == or != something other than ConstantTimeCompare's result")
				}
			}
		}
		return true
	})
	if !constantTime {
		t.Error("Matches does not call subtle.ConstantTimeCompare")
	}
}

// TestKeysAreHashedAtRest: what is stored after issuing holds neither the
// key nor its secret.
func TestKeysAreHashedAtRest(t *testing.T) {
	t.Parallel()
	var f partners.KeyFile
	key, id, err := f.Issue("globex", partners.PrefixTest, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), key[len(key)-43:]) || strings.Contains(string(data), key[len(key)-20:]) {
		t.Errorf("the stored keys hold the secret: %s", data)
	}
	if !strings.Contains(string(data), `"id":"`+id+`"`) || !strings.Contains(string(data), `"hash":"`+partners.Hash(key)+`"`) {
		t.Errorf("stored %s, want the id and the hash", data)
	}
}

// The example key backend/README.md shows is one the service would parse.
func TestREADMEExampleKey(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example := regexp.MustCompile("`(gw_test_[^`]+)`").FindSubmatch(readme)
	if example == nil {
		t.Fatal("backend/README.md shows no example key")
	}
	if _, id, err := partners.ParseKey(string(example[1])); err != nil || id != "k7f3a9c2d10" {
		t.Errorf("README example key %s: id %q, %v", example[1], id, err)
	}
}
