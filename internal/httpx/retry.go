package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// send runs the attempts of one call, the first being first, and returns the
// last answer. A retry
// waits [Backoff] (Retry-After honoured, capped at the max wait) or until ctx
// ends. The loop is ours rather than go-retryablehttp's, whose Do closes the
// client's idle connections after every failed call: with a shared pool,
// one failing caller made every other caller dial again.
func (c *Client) send(ctx context.Context, req *Request, op, rawURL string, first *http.Request) (*http.Response, error) {
	hreq := first
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			var err error
			if hreq, err = c.newAttempt(ctx, req, rawURL); err != nil {
				return nil, err
			}
		}
		resp, err := c.hc.Do(hreq)
		retry, checkErr := c.checkRetry(ctx, resp, err, req.OneTime)
		if checkErr != nil || !retry || attempt >= c.retryMax {
			if checkErr != nil {
				closeBody(resp)
				return nil, checkErr
			}
			return resp, err
		}
		wait := c.backoff(attempt, resp)
		closeBody(resp)
		if c.logger != nil {
			c.logger.DebugContext(ctx, "reauthkit: retrying", "provider", string(c.provider), "op", op, "attempt", attempt+1)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// newAttempt builds one attempt's request: a fresh body reader and header
// map, since the client may add to the header (cookies).
func (c *Client) newAttempt(ctx context.Context, req *Request, rawURL string) (*http.Request, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, rawURL, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		hreq.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if req.ContentType != "" {
		hreq.Header.Set("Content-Type", req.ContentType)
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	return hreq, nil
}

// closeBody drains a little of an answer that will not be read, so that its
// connection goes back to the pool, and closes it.
func closeBody(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

// checkRetry decides per request: one-time operations are retried only on a
// dial error (the request never left) or a 429 (the provider refused it
// unread); the rest on network errors (as go-retryablehttp classifies them),
// 429, 502, 503 and 504. A Retry-After longer than the max wait stops
// retrying, so the caller gets ErrRateLimited with RetryAfter instead of a
// long sleep.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error, oneTime bool) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if oneTime {
			return IsDialError(err), nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if d, ok := RetryAfter(resp.Header, c.now()); ok && d > c.waitMax {
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return !oneTime, nil
	}
	return false, nil
}

// backoff is the wait before retry number attempt+1: Retry-After when the
// answer has one, else exponential; see [Backoff].
func (c *Client) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := RetryAfter(resp.Header, c.now()); ok {
			return Backoff(c.waitMin, c.waitMax, attempt, d, true)
		}
	}
	return Backoff(c.waitMin, c.waitMax, attempt, 0, false)
}

// Backoff is the wait before retry number attempt+1; see backoff. Exported
// for tests of the arithmetic.
func Backoff(minWait, maxWait time.Duration, attempt int, retryAfter time.Duration, hasRetryAfter bool) time.Duration {
	if hasRetryAfter {
		d := retryAfter
		if d > 0 {
			d += rand.N(d/10 + 1)
		}
		return min(d, maxWait)
	}
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter parses a Retry-After header, in seconds or as an HTTP date
// relative to now. A date in the past means zero.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64((1<<63-1)/time.Second) {
			secs = int64((1<<63 - 1) / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// IsDialError reports whether err is a failure to connect: the request never
// reached the server, so even a one-time operation may be sent again.
func IsDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
