package spec

// The platform spec: its names, repository, registry and teams.

import (
	"maps"
	pathpkg "path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

func (c *checker) platform(p *Platform) {
	src := p.Source
	if p.Name == "" {
		c.required(src, "name", "the organisation's lowercase name")
	} else if c.dnsLabel(src, "name", p.Name) && len(p.Name) > 20 {
		c.errorf(src, KindValue, "name", "%q is longer than 20 characters; it prefixes every cloud resource name", p.Name)
	}
	if p.Repository == "" {
		c.required(src, "repository", "GitHub owner/repo")
	} else if owner, repo, _ := strings.Cut(p.Repository, "/"); !repositoryRE.MatchString(p.Repository) || len(owner) > 39 || len(repo) > 100 ||
		strings.HasPrefix(owner, "-") || strings.HasSuffix(owner, "-") || repo == "." || repo == ".." {
		c.errorf(src, KindValue, "repository", "%q is not a GitHub owner/repo, e.g. acme/platform", p.Repository)
	}
	if p.Registry == "" {
		c.required(src, "registry", "e.g. ghcr.io/acme")
	} else if !validRegistry(p.Registry) {
		c.errorf(src, KindValue, "registry", "%q is not a registry path: lowercase host[/path], no scheme and no tag, e.g. ghcr.io/acme", p.Registry)
	}
	if p.Cloud.Provider != "aws" {
		c.errorf(src, KindValue, "cloud.provider", "%q is not supported; the only provider is \"aws\"", p.Cloud.Provider)
	}
	if p.Cloud.Region == "" {
		c.required(src, "cloud.region", "the default AWS region, e.g. eu-west-1")
	} else if !regionRE.MatchString(p.Cloud.Region) {
		c.errorf(src, KindValue, "cloud.region", "%q is not an AWS region, e.g. eu-west-1", p.Cloud.Region)
	}
	c.dataPolicy(p)
	if p.Cloud.StateBucket == "" {
		c.required(src, "cloud.stateBucket", "the S3 bucket for Terraform state")
	} else {
		c.bucketName(src, "cloud.stateBucket", p.Cloud.StateBucket)
	}
	if len(p.Teams) == 0 {
		c.required(src, "teams", "at least one team owns services")
	}
	if len(p.Teams) > 0 {
		c.teamRef(p, src, "owner", p.Owner)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Teams)) {
		t, path := p.Teams[name], "teams."+name
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			c.report(src, src.KeyPos(path), KindValue, path, "%q is not a valid team name: %s", name, errs[0])
			continue
		}
		if t == nil {
			c.errorf(src, KindSchema, path, "want github, slack and pagerduty")
			continue
		}
		if !githubRE.MatchString(t.GitHub) {
			c.errorf(src, KindValue, path+".github", "%q is not a GitHub team or user, e.g. @acme/payments", t.GitHub)
		}
		if !slackRE.MatchString(t.Slack) {
			c.errorf(src, KindValue, path+".slack", "%q is not a Slack channel, e.g. #payments-alerts", t.Slack)
		}
		if t.PagerDuty == "" {
			c.required(src, path+".pagerduty", "the PagerDuty service that receives pages")
		} else if !pagerDutyRE.MatchString(t.PagerDuty) {
			c.errorf(src, KindValue, path+".pagerduty", "%q is not a PagerDuty service key name: up to 100 letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. payments-primary", t.PagerDuty)
		}
	}
}

// bucketName checks S3's naming rules.
func (c *checker) bucketName(src *Source, path, name string) {
	switch {
	case len(name) > maxBucketName:
		c.errorf(src, KindValue, path, "bucket name %q is %d characters; S3 allows %d", name, len(name), maxBucketName)
	case !bucketRE.MatchString(name) || strings.Contains(name, ".."):
		c.errorf(src, KindValue, path, "%q is not a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit", name)
	}
}

// validBranch follows git's ref rules within a conservative alphabet: the
// name lands in workflow triggers and expressions, where '*' and '?' would be
// patterns and anything else could be syntax.
func validBranch(b string) bool {
	return branchRE.MatchString(b) && pathpkg.Clean(b) == b && !strings.Contains(b, "..") && !strings.Contains(b, "/.") &&
		!strings.HasSuffix(b, ".") && !strings.HasSuffix(b, ".lock") && !strings.Contains(b, ".lock/")
}

// validRegistry checks host[:port][/path] as Docker parses an image name,
// so that images are named the same in workflows, Terraform and Flux.
func validRegistry(r string) bool {
	host, rest, _ := strings.Cut(r, "/")
	if !registryHostRE.MatchString(host) {
		return false
	}
	if rest == "" {
		return !strings.Contains(r, "/")
	}
	for _, part := range strings.Split(rest, "/") {
		if !registryPathRE.MatchString(part) {
			return false
		}
	}
	return true
}
