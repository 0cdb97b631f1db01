package docs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/groundwork-dev/groundwork/internal/markdown"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// KeyVar is the shell variable the playbook's requests read the key from.
const KeyVar = "GW_KEY"

// ErrorCodes are the answers of a partner API that are not a success, as
// backend/partners gives them: the "code" of the JSON error body, by
// status. The playbook prints them; its test provokes each.
var ErrorCodes = []struct {
	Status int
	Code   string
	Means  string
	Do     string
}{
	{400, "invalid_request", "the request is malformed: a body that is not the documented JSON, an unknown field", "fix the request; the error text says what is wrong"},
	{401, "unauthenticated", "no key, a malformed, unknown or revoked key, or a key of another environment (gw_live_ against the sandbox or the reverse)", "send Authorization: Bearer with a live key of this environment"},
	{403, "insufficient_scope", "the key is valid but its partner lacks the scope the route needs", "ask your sponsor team for the scope; it is granted in the partner's spec"},
	{404, "not_found", "no such resource among yours: you see only your own orders and the sandbox's demo orders", "check the id"},
	{429, "rate_limited", "the key made more requests than its rate limit allows", "wait the seconds Retry-After gives, then retry; spread requests out"},
	{500, "internal", "our fault", "retry with backoff; if it persists, tell your sponsor team the X-Request-Id header of the answer"},
}

// playbook is docs/partners/<partner>.md: everything a partner needs, in
// the order they need it, with requests that work against the sandbox's
// demo data (the test replays them).
func playbook(m *spec.Model, p *spec.Partner) []byte {
	var d markdown.Doc
	team := m.Platform.Teams[p.Team]
	d.Heading(1, markdown.Esc("Partner playbook: "+p.Name))
	generatedNote(&d, markdown.Code(p.Source.Path)+" and the partner APIs it calls")
	if p.Description != "" {
		d.Para(markdown.Esc(p.Description))
	}
	d.Para("Your sponsor at " + markdown.Esc(m.Platform.Name) + " is the " + markdown.Esc(p.Team) + " team (" + markdown.Esc(team.Slack) + ", " + markdown.Esc(team.GitHub) +
		"). Keys and notices go to " + markdown.Esc(p.Contact.Name) + " at " + markdown.Code(p.Contact.Email) + ".")

	var sandboxes, live []*spec.Environment
	for _, name := range p.Environments {
		if e := m.Environment(name); e.Production {
			live = append(live, e)
		} else {
			sandboxes = append(sandboxes, e)
		}
	}

	d.Heading(2, "1. Get a sandbox key")
	d.Para("Keys are issued per environment by the sponsor team, who runs, from a checkout of " + markdown.Code(m.Platform.Repository) + " with AWS credentials for the environment:")
	var cmds []string
	for _, e := range sandboxes {
		for _, a := range p.Access {
			cmds = append(cmds, fmt.Sprintf("groundwork partner key issue %s --env %s --service %s", p.Name, e.Name, a.Service))
		}
	}
	d.Fence("sh", strings.Join(cmds, "\n"))
	d.List(
		"The key is printed once and stored only as a SHA-256 hash (in the environment's Secrets Manager, never in git); the sponsor sends it to you through a one-time secret link, never by plain email or chat.",
		"A sandbox key starts with "+markdown.Code("gw_test_")+", a production key with "+markdown.Code("gw_live_")+": secret scanners and people can tell them apart, and each environment refuses the other's keys.",
		"Each key has an id (the part after the prefix, up to "+markdown.Code("_")+"), which our logs and metrics carry, never the key. Quote the id, not the key, when you talk to us.",
		"The key works within about two minutes of being issued: the time for it to reach every replica.",
	)

	d.Heading(2, "2. Call the sandbox")
	var urls [][]string
	for _, e := range sandboxes {
		for _, a := range p.Access {
			urls = append(urls, []string{markdown.Esc(a.Service), markdown.Esc(e.Name), markdown.Code(spec.PartnerBaseURL(e, m.Service(a.Service)))})
		}
	}
	d.Table([]string{"Service", "Environment", "Base URL"}, urls)
	d.Para("Send the key as a bearer token on every request. With the key in a shell variable:")
	d.Fence("sh", "export "+KeyVar+"='gw_test_...'   # the key you were sent")
	for _, e := range sandboxes {
		if e.DemoData {
			d.Para(markdown.Esc(e.Name) + " starts with demo data: the requests below read it.")
		}
		for _, a := range p.Access {
			s := m.Service(a.Service)
			for _, x := range s.PartnerAPI.Examples {
				if !slices.Contains(a.Scopes, x.Scope) {
					continue // a request this partner's keys may not make
				}
				d.Heading(3, markdown.Esc(x.Title))
				d.Fence("sh", Curl(spec.PartnerBaseURL(e, s)+x.Path, x.Method, x.Body))
				d.Para(fmt.Sprintf("Answers %s with JSON. Needs the scope %s.", markdown.Code(fmt.Sprint(x.Status)), markdown.Code(x.Scope)))
			}
		}
	}

	d.Heading(2, "Scopes")
	var scopes [][]string
	for _, a := range p.Access {
		s := m.Service(a.Service)
		for _, sc := range a.Scopes {
			scopes = append(scopes, []string{markdown.Esc(a.Service), markdown.Code(sc), markdown.Esc(s.PartnerAPI.Scopes[sc])})
		}
	}
	d.Table([]string{"Service", "Scope", "Allows"}, scopes)

	d.Heading(2, "Limits")
	d.List(
		fmt.Sprintf("Each key may make %d requests a minute on average, and up to %d at once.", p.RateLimit.PerMinute, p.RateLimit.Burst),
		"Past the limit the API answers "+markdown.Code("429")+" with a "+markdown.Code("Retry-After")+" header in seconds; the "+markdown.Code("RateLimit-Limit")+" and "+markdown.Code("RateLimit-Remaining")+" headers say where you stand.",
		"Lists return at most 100 items per request.",
	)

	d.Heading(2, "Errors")
	d.Para("Every error is JSON: " + markdown.Code(`{"code": "...", "error": "..."}`) + ". Act on " + markdown.Code("code") + "; " + markdown.Code("error") + " is for people.")
	var errs [][]string
	for _, c := range ErrorCodes {
		errs = append(errs, []string{markdown.Code(fmt.Sprint(c.Status)), markdown.Code(c.Code), markdown.Esc(c.Means), markdown.Esc(c.Do)})
	}
	d.Table([]string{"Status", "code", "Means", "What to do"}, errs)

	d.Heading(2, "Rotate or revoke a key")
	d.Steps(
		"Ask for a second key (step 1); a partner may hold up to 5 live keys per environment.",
		"Switch your systems to the new key.",
		"Ask the sponsor team to revoke the old one by its id: "+markdown.Code(fmt.Sprintf("groundwork partner key revoke %s --env ENV --service SERVICE KEY_ID", p.Name))+". It stops working within about two minutes.",
	)
	d.Para("If a key leaks, tell the sponsor team at once: it is revoked first and questions come after.")

	d.Heading(2, "3. Go live")
	if len(live) > 0 {
		names := make([]string, len(live))
		for i, e := range live {
			names[i] = e.Name
		}
		d.Para(fmt.Sprintf("Signed off on %s by %s; live in %s. Production base URLs:", p.SignOff.Date, markdown.Esc(p.SignOff.By), markdown.Esc(strings.Join(names, ", "))))
		var rows [][]string
		for _, e := range live {
			for _, a := range p.Access {
				rows = append(rows, []string{markdown.Esc(a.Service), markdown.Esc(e.Name), markdown.Code(spec.PartnerBaseURL(e, m.Service(a.Service)))})
			}
		}
		d.Table([]string{"Service", "Environment", "Base URL"}, rows)
	} else {
		d.Para("You are in the sandbox only. To go live:")
		d.Steps(
			"Run every request above against the sandbox, including your handling of 401, 403 and 429.",
			"The "+markdown.Esc(p.Team)+" team reviews your integration and records the sign-off in "+markdown.Code(p.Source.Path)+": "+markdown.Code("signOff: {date, by}")+" and the production environment in "+markdown.Code("environments")+", in a pull request the platform team approves.",
			"Once it is merged and deployed, the sponsor issues your "+markdown.Code("gw_live_")+" key as in step 1.",
		)
	}

	d.Heading(2, "Whom to call")
	d.Table([]string{"For", "Who"}, [][]string{
		{"keys, scopes, limits, go-live", "the " + markdown.Esc(p.Team) + " team: " + markdown.Esc(team.Slack) + ", " + markdown.Esc(team.GitHub)},
		{"an outage of a production API", "the " + markdown.Esc(p.Team) + " team's on-call, through the sponsor"},
		{"your side", markdown.Esc(p.Contact.Name) + ", " + markdown.Code(p.Contact.Email)},
	})
	return d.Bytes()
}

// Curl is the one-line request a playbook prints: method, URL, the key
// from $GW_KEY and, with a body, JSON. Single quotes keep the body as is;
// a single quote inside it is closed, escaped and reopened.
func Curl(url, method, body string) string {
	cmd := "curl -sS -X " + method + " '" + url + "' -H \"Authorization: Bearer $" + KeyVar + "\""
	if body != "" {
		cmd += " -H 'Content-Type: application/json' -d '" + strings.ReplaceAll(body, "'", `'\''`) + "'"
	}
	return cmd
}
