package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/groundwork-dev/groundwork/backend/partners"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

const partnerUsage = `usage: groundwork [-C DIR] partner key issue PARTNER --env ENV [--service SERVICE]
       groundwork [-C DIR] partner key revoke PARTNER KEY_ID --env ENV [--service SERVICE]
       groundwork [-C DIR] partner key list PARTNER --env ENV [--service SERVICE]

Issue, revoke or list a partner's API keys in ENV. Keys live only in the
environment's Secrets Manager secret <env>/<service>/partner-keys, as SHA-256
hashes; issue prints the new key once, on stdout, and nothing else keeps it.
The service picks a change up within about two minutes (External Secrets
refreshes every minute, then the kubelet and the service).

The partner must be admitted to ENV in specs/partners/PARTNER.yaml. AWS
credentials come from the usual chain (AWS_PROFILE, environment, SSO) and must
be for ENV's account, which is checked first; AWS_ENDPOINT_URL points the
command at an emulator. --service may be left out when the partner calls one
service.
`

// partner runs `groundwork partner key ...`.
func (c *command) partner(args []string) int {
	if len(args) < 2 || args[0] != "key" || !strings.Contains(" issue revoke list ", " "+args[1]+" ") {
		fmt.Fprint(c.stderr, partnerUsage)
		return ExitInput
	}
	action := args[1]
	fs := flag.NewFlagSet("partner", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, partnerUsage) }
	envName := fs.String("env", "", "")
	service := fs.String("service", "", "")
	// Positional arguments may come before the flags or after them.
	var pos []string
	rest := args[2:]
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK
			}
			return ExitInput
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	want := map[string]int{"issue": 1, "revoke": 2, "list": 1}[action]
	if len(pos) != want || *envName == "" {
		fmt.Fprint(c.stderr, partnerUsage)
		return ExitInput
	}
	m, code := c.load()
	if code != ExitOK {
		return code
	}
	p, e, s, msg := resolvePartner(m, pos[0], *envName, *service)
	if msg != "" {
		fmt.Fprintf(c.stderr, "groundwork partner: %s\n", msg)
		return ExitInput
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(e.Region))
	if err != nil {
		fmt.Fprintf(c.stderr, "groundwork partner: AWS credentials: %v\n", err)
		return ExitInput
	}
	// Keys written to the wrong account would be keys nobody can use, or
	// worse, keys of another environment: check whose credentials these are.
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintf(c.stderr, "groundwork partner: cannot tell whose AWS credentials these are: %v\n", err)
		return ExitInput
	}
	if got := aws.ToString(id.Account); got != e.Account {
		fmt.Fprintf(c.stderr, "groundwork partner: these AWS credentials are for account %s, but %s is account %s; use a profile for %s\n", got, e.Name, e.Account, e.Name)
		return ExitInput
	}
	store := partners.Store{Client: secretsmanager.NewFromConfig(cfg), SecretID: spec.PartnerKeysSecretName(e, s)}
	now := time.Now().UTC()
	switch action {
	case "issue":
		var key, keyID string
		err = store.Update(ctx, func(f *partners.KeyFile) (err error) {
			key, keyID, err = f.Issue(p.Name, spec.PartnerKeyPrefix(e), now)
			return err
		})
		if err != nil {
			return c.partnerFailed(err)
		}
		fmt.Fprintln(c.stdout, key)
		fmt.Fprintf(c.stderr, "groundwork partner: issued key %s to %s for %s in %s; it works within about two minutes.\n"+
			"This is the only time the key is shown: send it to %s through a one-time secret link, never by plain email or chat.\n",
			keyID, p.Name, s.Name, e.Name, p.Contact.Email)
	case "revoke":
		if err := store.Update(ctx, func(f *partners.KeyFile) error {
			for _, k := range f.Keys {
				if k.ID == pos[1] && k.Partner != p.Name {
					return fmt.Errorf("key %s belongs to %s, not %s", pos[1], k.Partner, p.Name)
				}
			}
			return f.Revoke(pos[1], now)
		}); err != nil {
			return c.partnerFailed(err)
		}
		fmt.Fprintf(c.stderr, "groundwork partner: revoked key %s of %s for %s in %s; it stops working within about two minutes.\n", pos[1], p.Name, s.Name, e.Name)
	case "list":
		f, err := store.Load(ctx)
		if err != nil {
			return c.partnerFailed(err)
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "KEY ID\tCREATED\tREVOKED")
		for _, k := range f.Keys {
			if k.Partner != p.Name {
				continue
			}
			revoked := "-"
			if !k.Revoked.IsZero() {
				revoked = k.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", k.ID, k.Created.Format(time.RFC3339), revoked)
		}
		w.Flush()
	}
	return ExitOK
}

func (c *command) partnerFailed(err error) int {
	fmt.Fprintf(c.stderr, "groundwork partner: %v\n", err)
	if errors.Is(err, partners.ErrConflict) || errors.Is(err, context.DeadlineExceeded) {
		return ExitInternal
	}
	return ExitInput
}

// resolvePartner finds the partner, the environment and the service a key
// command is about, or says what is wrong with them.
func resolvePartner(m *spec.Model, name, envName, service string) (*spec.Partner, *spec.Environment, *spec.Service, string) {
	p := m.Partner(name)
	if p == nil {
		return nil, nil, nil, fmt.Sprintf("no partner %q: there is no %s/%s.yaml", name, spec.PartnersDir, name)
	}
	e := m.Environment(envName)
	if e == nil {
		return nil, nil, nil, fmt.Sprintf("no environment %q", envName)
	}
	if !p.Admits(e) {
		return nil, nil, nil, fmt.Sprintf("%s is not admitted to %s; add %s to environments in %s first (a production environment needs signOff)", p.Name, e.Name, e.Name, p.Source.Path)
	}
	if service == "" {
		if len(p.Access) != 1 {
			return nil, nil, nil, fmt.Sprintf("%s calls %d services; say which with --service", p.Name, len(p.Access))
		}
		service = p.Access[0].Service
	}
	s := m.Service(service)
	if s == nil || p.AccessTo(s) == nil {
		return nil, nil, nil, fmt.Sprintf("%s does not call %q; see access in %s", p.Name, service, p.Source.Path)
	}
	return p, e, s, ""
}
