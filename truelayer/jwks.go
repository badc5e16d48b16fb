package truelayer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// p521Len is the byte length of a P-521 coordinate.
const p521Len = 66

// maxJWKSBytes caps a JWKS answer.
const maxJWKSBytes = 256 << 10

// jwksTimeout bounds one JWKS fetch, whatever the HTTP client's timeout.
const jwksTimeout = 10 * time.Second

type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS returns the ES512 P-521 keys of a JWKS by kid. TrueLayer writes
// coordinates without their leading zero bytes (65 bytes instead of 66),
// which go-jose's JWK parser refuses, so the keys are decoded here: each
// coordinate is left-padded to 66 bytes and the point checked to be on the
// curve. Other keys (RSA, other curves) are skipped.
func parseJWKS(b []byte) (map[string]*ecdsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, errors.New("JWKS is not JSON")
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-521" || k.Alg != "ES512" || k.Kid == "" {
			continue
		}
		pub, err := p521Key(k.X, k.Y)
		if err != nil {
			continue
		}
		out[k.Kid] = pub
	}
	return out, nil
}

func p521Key(xs, ys string) (*ecdsa.PublicKey, error) {
	x, err := coord(xs)
	if err != nil {
		return nil, err
	}
	y, err := coord(ys)
	if err != nil {
		return nil, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P521(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, errors.New("point not on P-521")
	}
	return pub, nil
}

func coord(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > p521Len {
		return nil, errors.New("bad coordinate")
	}
	if len(b) < p521Len {
		b = append(make([]byte, p521Len-len(b)), b...)
	}
	return b, nil
}

// jwksCache fetches and keeps JWKS per allow-listed URL. Every fetch,
// failed or not, opens a window of minRefetch in which that URL is not
// fetched again: forged deliveries cannot make the verifier hammer the JWKS
// host, up or down. Lookups of one URL are serialised (a one-slot
// semaphore), so concurrent deliveries share one fetch.
//
// It is not internal/tokencache: that caches one token by expiry and
// forgets failures, while this keeps key sets per URL and must remember
// when it last tried, failures included.
type jwksCache struct {
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	minRefetch time.Duration

	mu   sync.Mutex
	sets map[string]*jwksEntry
}

type jwksEntry struct {
	sem     chan struct{} // held while looking up or fetching
	keys    map[string]*ecdsa.PublicKey
	gen     int       // counts successful fetches
	fetched time.Time // of keys
	tried   time.Time // last fetch attempt, failed or not
	err     error     // of the last attempt
}

// errRetryLater is a key that cannot be looked up inside the refetch
// window: the provider retries the delivery, by which time it can.
var errRetryLater = fmt.Errorf("truelayer: webhook: signing keys were fetched moments ago; retry later: %w", reauth.ErrProviderUnavailable)

func newJWKSCache(hc *http.Client, now func() time.Time, ttl, minRefetch time.Duration) *jwksCache {
	return &jwksCache{client: hc, now: now, ttl: ttl, minRefetch: minRefetch, sets: map[string]*jwksEntry{}}
}

// cachedKey is a key and what the verifier needs to know about it.
type cachedKey struct {
	key *ecdsa.PublicKey
	gen int  // generation of the set it came from
	new bool // fetched during this lookup
}

// key returns the key kid of the JWKS at jku (already allow-listed), from
// a set newer than generation after (-1: any). It fetches when the cached
// set is missing, older than the TTL, lacks kid or is not newer than
// after; inside the refetch window it returns errRetryLater (or the last
// fetch's error) instead. A kid missing from a set fetched just now is not
// authentic.
func (c *jwksCache) key(ctx context.Context, jku, kid string, after int) (cachedKey, error) {
	c.mu.Lock()
	e := c.sets[jku]
	if e == nil {
		e = &jwksEntry{sem: make(chan struct{}, 1), gen: -1}
		c.sets[jku] = e
	}
	c.mu.Unlock()
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return cachedKey{}, fmt.Errorf("truelayer: webhook: waiting for JWKS: %w", ctx.Err())
	}
	defer func() { <-e.sem }()

	now := c.now()
	if k := e.keys[kid]; k != nil && e.gen > after && now.Sub(e.fetched) < c.ttl {
		return cachedKey{key: k, gen: e.gen}, nil
	}
	if !e.tried.IsZero() && now.Sub(e.tried) < c.minRefetch {
		if e.err != nil {
			return cachedKey{}, e.err
		}
		return cachedKey{}, errRetryLater
	}
	e.tried = now
	// The fetch outlives a delivery that gives up: its result serves the
	// next one, and a caller hanging up cannot waste the window.
	keys, err := c.fetch(context.WithoutCancel(ctx), jku)
	e.err = err
	if err != nil {
		return cachedKey{}, err
	}
	e.keys, e.fetched = keys, c.now()
	e.gen++
	k := keys[kid]
	if k == nil {
		return cachedKey{}, sigError("unknown kid")
	}
	return cachedKey{key: k, gen: e.gen, new: true}, nil
}

func (c *jwksCache) fetch(ctx context.Context, jku string) (map[string]*ecdsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jku, nil)
	if err != nil {
		return nil, errors.New("truelayer: webhook: bad JWKS URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("truelayer: webhook: fetching JWKS failed: %w", reauth.ErrProviderUnavailable)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxJWKSBytes))
		return nil, fmt.Errorf("truelayer: webhook: JWKS answered %d: %w", resp.StatusCode, reauth.ErrProviderUnavailable)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil || len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("truelayer: webhook: JWKS unreadable or too large: %w", reauth.ErrProviderUnavailable)
	}
	keys, err := parseJWKS(b)
	if err != nil {
		return nil, fmt.Errorf("truelayer: webhook: %s: %w", err, reauth.ErrProviderUnavailable)
	}
	return keys, nil
}
