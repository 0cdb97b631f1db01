package logging

import "net/http"

// Transport returns a RoundTripper that sets X-Request-ID on every outgoing
// request from the ID its context carries, so that the service called logs
// under the same ID. A header the caller set explicitly is kept. base nil
// means [http.DefaultTransport].
//
//	client := &http.Client{Transport: logging.Transport(nil)}
//	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper{base}
}

type roundTripper struct{ base http.RoundTripper }

func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	id := RequestID(req.Context())
	if id == "" || req.Header.Get(Header) != "" {
		return t.base.RoundTrip(req)
	}
	// A RoundTripper must not modify the request it is given.
	req = req.Clone(req.Context())
	req.Header.Set(Header, id)
	return t.base.RoundTrip(req)
}
