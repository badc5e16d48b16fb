package truelayer

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// p521Len is the byte length of a P-521 coordinate.
const p521Len = 66

// maxJWKSBytes caps a JWKS answer.
const maxJWKSBytes = 256 << 10

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
	point := append(append([]byte{4}, x...), y...)
	if _, err := ecdh.P521().NewPublicKey(point); err != nil {
		return nil, errors.New("point not on P-521")
	}
	return &ecdsa.PublicKey{Curve: elliptic.P521(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}, nil
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

// jwksCache fetches and keeps JWKS per allow-listed URL. Concurrent lookups
// share one fetch; an unknown kid refetches, at most every minRefetch.
type jwksCache struct {
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	minRefetch time.Duration

	mu   sync.Mutex
	sets map[string]*jwksEntry
}

type jwksEntry struct {
	keys     map[string]*ecdsa.PublicKey
	fetched  time.Time
	inflight chan struct{}
	err      error // of the last fetch, for waiters
}

func newJWKSCache(hc *http.Client, now func() time.Time, ttl, minRefetch time.Duration) *jwksCache {
	return &jwksCache{client: hc, now: now, ttl: ttl, minRefetch: minRefetch, sets: map[string]*jwksEntry{}}
}

// key returns the key kid of the JWKS at jku (already allow-listed).
func (c *jwksCache) key(ctx context.Context, jku, kid string) (*ecdsa.PublicKey, error) {
	waited := false
	for {
		c.mu.Lock()
		e := c.sets[jku]
		if e == nil {
			e = &jwksEntry{}
			c.sets[jku] = e
		}
		now := c.now()
		fresh := e.keys != nil && now.Sub(e.fetched) < c.ttl
		if k := e.keys[kid]; k != nil && fresh {
			c.mu.Unlock()
			return k, nil
		}
		if ch := e.inflight; ch != nil {
			c.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, fmt.Errorf("truelayer: webhook: waiting for JWKS: %w", ctx.Err())
			}
			waited = true
			continue
		}
		if waited {
			// A fetch just finished without this kid (or failed).
			err := e.err
			k := e.keys[kid]
			if k == nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				// The fetch was abandoned because its caller gave up,
				// not refused by the provider: this caller fetches itself.
				c.mu.Unlock()
				waited = false
				continue
			}
			c.mu.Unlock()
			if k != nil {
				return k, nil
			}
			if err != nil {
				return nil, err
			}
			return nil, sigError("unknown kid")
		}
		if fresh && now.Sub(e.fetched) < c.minRefetch {
			c.mu.Unlock()
			return nil, sigError("unknown kid")
		}
		ch := make(chan struct{})
		e.inflight = ch
		c.mu.Unlock()

		keys, err := c.fetch(ctx, jku)

		c.mu.Lock()
		e.err = err
		if err == nil {
			e.keys, e.fetched = keys, c.now()
		}
		e.inflight = nil
		close(ch)
		k := e.keys[kid]
		c.mu.Unlock()
		switch {
		case err != nil:
			return nil, err
		case k == nil:
			return nil, sigError("unknown kid")
		}
		return k, nil
	}
}

func (c *jwksCache) fetch(ctx context.Context, jku string) (map[string]*ecdsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jku, nil)
	if err != nil {
		return nil, errors.New("truelayer: webhook: bad JWKS URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("truelayer: webhook: fetching JWKS: %w", ctx.Err())
		}
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
