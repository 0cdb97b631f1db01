package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-shellwords"
	"gopkg.in/yaml.v3"

	"github.com/groundwork-dev/groundwork/backend/internal/server"
	"github.com/groundwork-dev/groundwork/backend/partners"
)

// repoRoot is the repository the generated playbooks and manifests are in.
var repoRoot = filepath.Join("..", "..", "..")

// A partner follows its generated playbook (docs/partners/<partner>.md)
// against the api as the sandbox deploys it: the partners file of the
// generated ConfigMap, demo data as the generated Deployment asks, a key
// issued as `groundwork partner key issue` issues it. Every documented
// request gets its documented status; every documented error code is
// provoked and answers as documented (but 500, which nothing provokes);
// the documented rate limit is what the service enforces; a revoked key is
// refused.
func TestPartnerPlaybooks(t *testing.T) {
	books, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "partners", "*.md"))
	if len(books) == 0 {
		t.Fatal("no playbook in docs/partners; run make generate (the sample has globex)")
	}
	for _, book := range books {
		t.Run(filepath.Base(book), func(t *testing.T) { followPlaybook(t, book) })
	}
}

var (
	issueRE  = regexp.MustCompile(`(?m)^groundwork partner key issue (\S+) --env (\S+) --service (\S+)$`)
	fenceRE  = regexp.MustCompile("(?s)```sh\n(curl .*?)\n```\n\nAnswers `(\\d{3})`")
	errRowRE = regexp.MustCompile("(?m)^\\| `(\\d{3})` \\| `([a-z_]+)` \\|")
	limitRE  = regexp.MustCompile(`Each key may make (\d+) requests a minute on average, and up to (\d+) at once\.`)
)

func followPlaybook(t *testing.T, book string) {
	data, err := os.ReadFile(book)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	issue := issueRE.FindStringSubmatch(text)
	if issue == nil {
		t.Fatal("the playbook says no `groundwork partner key issue` command")
	}
	partner, envName, service := issue[1], issue[2], issue[3]

	// The service as the environment runs it.
	appDir := filepath.Join(repoRoot, "environments", envName, "flux", "apps", service)
	file := partnersFileOf(t, filepath.Join(appDir, "configmap-partners.yaml"))
	deployment, err := os.ReadFile(filepath.Join(appDir, "deployment.yaml"))
	if err != nil {
		t.Fatalf("%s is not deployed in %s: %v", service, envName, err)
	}
	var pf partners.File
	if pf, err = partners.ParseFile([]byte(file)); err != nil {
		t.Fatal(err)
	}
	limit, ok := pf.Partners[partner]
	if !ok {
		t.Fatalf("the %s partners file does not admit %s", envName, partner)
	}
	// A second partner with fewer scopes, to provoke 403: appended to the
	// generated file, which stays as it is otherwise.
	var raw map[string]any
	if err := json.Unmarshal([]byte(file), &raw); err != nil {
		t.Fatal(err)
	}
	raw["partners"].(map[string]any)["readonly-probe"] = map[string]any{"scopes": []string{"orders:read"}, "rateLimit": map[string]int{"perMinute": 60, "burst": 10}}
	withProbe, _ := json.Marshal(raw)

	dir := t.TempDir()
	partnersPath, keysPath := filepath.Join(dir, "partners.json"), filepath.Join(dir, "keys.json")
	writeAtomic(t, partnersPath, withProbe)
	var keys partners.KeyFile
	key, keyID, err := keys.Issue(partner, pf.KeyPrefix, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	probeKey, _, _ := keys.Issue("readonly-probe", pf.KeyPrefix, time.Now())
	writeKeys(t, keysPath, keys)

	port := closedPort(t)
	vars := env{
		"PORT": port, "DATABASE_URL": newDatabase(t),
		"PARTNERS_FILE": partnersPath, "PARTNER_KEYS_FILE": keysPath,
		"FLAGS_FILE": filepath.Join(repoRoot, "environments", envName, "flags", service+".flagd.json"),
	}
	if strings.Contains(string(deployment), "- name: DEMO_DATA\n          value: \"true\"") {
		vars["DEMO_DATA"] = "true"
	}
	cfg, err := server.ConfigFromEnv(vars.get)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PartnersRefresh = time.Nanosecond
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	ran := make(chan error, 1)
	go func() { ran <- server.Run(ctx, cfg, server.NewLogger(logs, nil)) }()
	t.Cleanup(func() { cancel(); <-ran })
	local := "http://127.0.0.1:" + port
	waitReady(t, local+"/readyz", ran)

	// The documented requests, as a partner would paste them, with the
	// key in $GW_KEY and the playbook's host answered by the test server.
	examples := fenceRE.FindAllStringSubmatch(text, -1)
	if len(examples) == 0 {
		t.Fatal("the playbook shows no request")
	}
	t.Setenv("GW_KEY", key)
	var base string
	for _, x := range examples {
		req := parseCurl(t, x[1])
		base = req.URL.Scheme + "://" + req.URL.Host
		status, body := send(t, req, local)
		if want, _ := strconv.Atoi(x[2]); status != want || !json.Valid([]byte(body)) {
			t.Errorf("%s answered %d %s; the playbook says %d with JSON", x[1], status, body, want)
		}
	}
	path := func(p string) string { return strings.TrimPrefix(p, base) }
	basePath := path(parseCurl(t, examples[0][1]).URL.String())
	basePath = basePath[:strings.LastIndex(basePath, "/orders")]

	// Every documented error code.
	rows := errRowRE.FindAllStringSubmatch(text, -1)
	if len(rows) < 5 {
		t.Fatalf("the playbook documents %d error codes", len(rows))
	}
	try := func(k, method, p, body string) (int, string, http.Header) {
		r, _ := http.NewRequest(method, local+basePath+p, strings.NewReader(body))
		if k != "" {
			r.Header.Set("Authorization", "Bearer "+k)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Code, resp.Header
	}
	provoke := map[int]func() (int, string, http.Header){
		400: func() (int, string, http.Header) { return try(key, "POST", "/orders", `{"bogus":1}`) },
		401: func() (int, string, http.Header) { return try("", "GET", "/orders", "") },
		403: func() (int, string, http.Header) {
			return try(probeKey, "POST", "/orders", `{"sku":"demo-widget","qty":1}`)
		},
		404: func() (int, string, http.Header) { return try(key, "GET", "/orders/987654321", "") },
	}
	for _, row := range rows {
		status, _ := strconv.Atoi(row[1])
		f := provoke[status]
		if f == nil {
			continue // 429 below; 500 cannot be provoked from outside
		}
		if got, code, _ := f(); got != status || code != row[2] {
			t.Errorf("provoking %d answered %d %q; the playbook says %d %q", status, got, code, status, row[2])
		}
	}

	// The documented limit is the enforced one: the burst passes, the next
	// request is refused with the documented code and a Retry-After.
	m := limitRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the playbook states no rate limit")
	}
	if perMinute, _ := strconv.Atoi(m[1]); perMinute != limit.RateLimit.PerMinute {
		t.Errorf("the playbook says %d requests a minute; the service enforces %d", perMinute, limit.RateLimit.PerMinute)
	}
	burst, _ := strconv.Atoi(m[2])
	// A fresh key has its whole burst: each key has a bucket of its own.
	fresh, _, err := keys.Issue(partner, pf.KeyPrefix, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	writeKeys(t, keysPath, keys)
	passed := 0
	for i := 0; i < burst+5; i++ {
		status, code, h := try(fresh, "GET", "/orders", "")
		if status == http.StatusOK {
			passed++
			continue
		}
		if status != http.StatusTooManyRequests || code != "rate_limited" || h.Get("Retry-After") == "" {
			t.Errorf("past the burst: %d %q, Retry-After %q; the playbook documents 429 rate_limited with Retry-After", status, code, h.Get("Retry-After"))
		}
		break
	}
	// The bucket refills at perMinute/60 a second while the loop runs, a
	// few milliseconds: one more request may pass, never more.
	if passed < burst || passed > burst+1 {
		t.Errorf("%d requests at once passed; the playbook promises a burst of %d", passed, burst)
	}

	// Revoked as the command revokes: refused at once.
	if err := keys.Revoke(keyID, time.Now()); err != nil {
		t.Fatal(err)
	}
	writeKeys(t, keysPath, keys)
	if status, code, _ := try(key, "GET", "/orders", ""); status != http.StatusUnauthorized || code != "unauthenticated" {
		t.Errorf("a revoked key answered %d %q, want 401 unauthenticated", status, code)
	}
	if strings.Contains(logs.String(), key) {
		t.Error("the key appears in the service's logs")
	}
}

// partnersFileOf is the partners file a generated ConfigMap holds.
func partnersFileOf(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data["partners.json"]
}

// parseCurl reads the curl command a playbook prints, words as sh splits
// them and $GW_KEY from the environment, into the request it sends.
func parseCurl(t *testing.T, line string) *http.Request {
	t.Helper()
	p := shellwords.NewParser()
	p.ParseEnv = true
	words, err := p.Parse(line)
	if err != nil || len(words) == 0 || words[0] != "curl" {
		t.Fatalf("%q is not a curl command: %v", line, err)
	}
	method, url, body := "GET", "", ""
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-sS":
		case "-X":
			i++
			method = words[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(words[i], ":")
			header.Add(k, strings.TrimSpace(v))
		case "-d":
			i++
			body = words[i]
		default:
			if strings.HasPrefix(w, "-") {
				t.Fatalf("%q: the test does not know the curl option %s", line, w)
			}
			url = w
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	req.Header = header
	return req
}

// send sends req to the test server at local instead of its host.
func send(t *testing.T, req *http.Request, local string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(req.Method, local+req.URL.RequestURI(), req.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header = req.Header
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
