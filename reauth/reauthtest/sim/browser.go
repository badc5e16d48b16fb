package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxHops bounds the redirects a simulated browser follows.
const maxHops = 10

// NewClient returns an *http.Client for one simulated user or sender (a
// browser, a webhook delivery) with the given timeout (0: none), and the
// function that closes its idle connections when it is done. Redirects are
// answered, not followed. Its transport is its own: closing its idle
// connections, so that no goroutine outlives the call, never breaks a
// request another test has in flight on a shared transport (closing
// http.DefaultTransport's idle connections does).
func NewClient(timeout time.Duration) (*http.Client, func()) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	c := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c, tr.CloseIdleConnections
}

// Browse plays the end user's browser: it sends method to rawURL (with form
// as the body of a POST), follows redirects while they stay on the
// simulated provider (host of rawURL), and returns the first URL outside
// it: the application's callback, never requested. A provider answer that
// is not a redirect is an error carrying its status.
func Browse(ctx context.Context, method, rawURL string, form url.Values) (*url.URL, error) {
	start, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sim: browse: %w", err)
	}
	client, done := NewClient(0)
	defer done()
	next := start
	for hop := 0; hop < maxHops; hop++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, next.String(), body)
		if err != nil {
			return nil, fmt.Errorf("sim: browse: %w", err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("sim: browse: %w", err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return nil, fmt.Errorf("sim: browse: provider answered %d, not a redirect", resp.StatusCode)
		}
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("sim: browse: redirect without location: %w", err)
		}
		if loc.Host != start.Host {
			return loc, nil
		}
		next, method, form = loc, http.MethodGet, nil
	}
	return nil, errors.New("sim: browse: too many redirects")
}
