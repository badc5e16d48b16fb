package httpx

import "net/http"

// NoRedirects returns a shallow copy of hc that the SDK sends through: the
// caller's client stays untouched, and its Timeout, Jar and Transport are
// kept.
//
// The copy never follows a redirect (CheckRedirect returns
// http.ErrUseLastResponse, so a 3xx is answered to Do, which turns it into
// an *reauth.APIError): a redirect to another host would re-send bodies and
// headers that carry client secrets, codes, OTPs and tokens. This holds for
// every request, one-time or not, and whatever the caller's own client does.
// The Transport is the caller's own, so net/http keeps its fast path for a
// known *http.Transport.
func NoRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}
