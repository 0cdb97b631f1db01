package spec

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// headerNameRE is an HTTP header name as load tests send it: a token of
// letters, digits and dashes.
var headerNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// credentialHeaders carry credentials or route the request: a spec is
// committed, and no secret value enters the repository; the host is the
// target's.
var credentialHeaders = []string{"Authorization", "Cookie", "Host", "Proxy-Authorization"}

func (c *checker) loadtest(s *Service) {
	src, lt := s.Source, s.Loadtest
	if !s.HTTP() {
		c.errorf(src, KindValue, "loadtest", "a load test sends HTTP requests and %s has no port", s.Name)
	}
	if lt.Rate < 1 || lt.Rate > 10000 {
		c.errorf(src, KindValue, "loadtest.rate", "%d requests per second is outside 1 to 10000", lt.Rate)
	}
	c.duration(src, "loadtest.duration", lt.Duration)
	if len(lt.Requests) == 0 {
		c.required(src, "loadtest.requests", "at least one request")
	}
	for i, r := range lt.Requests {
		path := fmt.Sprintf("loadtest.requests[%d]", i)
		if !slices.Contains(httpMethods, r.Method) {
			c.enum(src, path+".method", r.Method, httpMethods...)
		}
		if !strings.HasPrefix(r.Path, "/") {
			c.errorf(src, KindValue, path+".path", "%q is not an HTTP path starting with /", r.Path)
		} else if !requestPathRE.MatchString(r.Path) {
			c.errorf(src, KindValue, path+".path", "%q is not a plain request path: '/' then letters, digits and . _ ~ %% - /, and an optional query of the same with & = + , :; percent-encode anything else, e.g. /v1/orders?limit=10", r.Path)
		}
		c.text(src, path+".body", r.Body)
		if r.Body != "" && (r.Method == "GET" || r.Method == "HEAD" || r.Method == "DELETE") {
			c.errorf(src, KindValue, path+".body", "a %s request has no body", r.Method)
		}
		c.headers(src, path+".headers", r.Headers)
	}
}

// headers checks a request's headers in name order, so that errors come
// out in one order.
func (c *checker) headers(src *Source, path string, h map[string]string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, k := range names {
		p := path + "." + k
		canon := http.CanonicalHeaderKey(k)
		switch {
		case !headerNameRE.MatchString(k):
			c.errorf(src, KindValue, p, "%q is not an HTTP header name: letters, digits and dashes, e.g. Content-Type", k)
			continue
		case canon == "Host":
			c.errorf(src, KindValue, p, "a load test does not send Host: the host is the target's (groundwork loadtest --target, k6's BASE_URL)")
		case slices.Contains(credentialHeaders, canon):
			c.errorf(src, KindValue, p, "a load test does not send %s: specs are committed and no credential enters the repository; load-test an endpoint that needs none", canon)
		case seen[canon] != "":
			c.errorf(src, KindValue, p, "%s is the same header as %s", k, seen[canon])
		}
		seen[canon] = k
		if v := h[k]; strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			c.errorf(src, KindValue, p, "a header value is one line without control characters")
		}
	}
}
