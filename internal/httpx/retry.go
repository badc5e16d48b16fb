package httpx

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// checkRetry decides per request: one-time operations are retried only on a
// dial error (the request never left) or a 429 (the provider refused it
// unread); the rest on network errors, 429, 502, 503 and 504. A Retry-After
// longer than the max wait stops retrying, so the caller gets
// ErrRateLimited with RetryAfter instead of a long sleep.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	info, _ := ctx.Value(ctxKey{}).(*callInfo)
	oneTime := info != nil && info.oneTime
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

// backoff honours Retry-After (never beyond max, with up to 10% jitter) and
// otherwise waits min·2^attempt capped at max, jittered into its upper half.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := RetryAfter(resp.Header, c.now()); ok {
			return Backoff(minWait, maxWait, attempt, d, true)
		}
	}
	return Backoff(minWait, maxWait, attempt, 0, false)
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
