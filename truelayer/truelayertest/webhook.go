package truelayertest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// signer holds the Server's webhook signing keys: the current one and any
// rotated out (still published, like a real key rollover).
type signer struct {
	kid  string
	key  *ecdsa.PrivateKey
	keys map[string]*ecdsa.PublicKey // published
	// order of publication, for a stable JWKS
	kids []string
}

func newSigner() *signer {
	s := &signer{keys: map[string]*ecdsa.PublicKey{}}
	s.rotate()
	return s
}

func (s *signer) rotate() {
	s.key = ecKey()
	s.kid = sim.NewID("kid-")
	s.keys[s.kid] = &s.key.PublicKey
	s.kids = append(s.kids, s.kid)
}

// RotateKey makes the Server sign with a new key from now on and publish it
// in its JWKS (the old key stays published). A verifier that cached the
// old JWKS meets an unknown kid and must refetch.
func (s *Server) RotateKey() {
	s.mu.Lock()
	s.signer.rotate()
	s.mu.Unlock()
}

// ReplaceKey makes the Server sign with a new key published under the
// current kid (the old key is no longer published): a verifier holding the
// old key sees a signature fail with a known kid, and must refetch.
func (s *Server) ReplaceKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signer.key = ecKey()
	s.signer.keys[s.signer.kid] = &s.signer.key.PublicKey
}

// b64Trimmed encodes a coordinate the way TrueLayer's JWKS does: without
// its leading zero bytes (so a P-521 x may be 65 bytes, not 66).
func b64Trimmed(b []byte) string {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	keys := []map[string]string{}
	for _, kid := range s.signer.kids {
		point, err := s.signer.keys[kid].Bytes() // 0x04 || x || y, 66 bytes each
		if err != nil {
			continue
		}
		x, y := point[1:67], point[67:]
		keys = append(keys, map[string]string{
			"kty": "EC", "alg": "ES512", "kid": kid, "crv": "P-521", "x": b64Trimmed(x), "y": b64Trimmed(y),
		})
	}
	s.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// SignWebhook signs a delivery of body to path (the path of the webhook
// URL, e.g. "/webhooks/truelayer") with the Server's current key, as
// TrueLayer does: a detached ES512 JWS with tl_version 2, tl_headers
// "X-Tl-Webhook-Timestamp,Content-Type" and jku = [Server.JWKSURL]. It
// returns the headers to send: Tl-Signature, X-Tl-Webhook-Timestamp
// (timestamp in RFC 3339) and Content-Type. Like Stripe's
// GenerateTestSignedPayload, it lets your tests build authentic deliveries;
// [Server.WebhookRequest] builds the whole request.
func (s *Server) SignWebhook(path string, body []byte, timestamp time.Time) (http.Header, error) {
	s.mu.Lock()
	key, kid := s.signer.key, s.signer.kid
	s.mu.Unlock()
	h := http.Header{}
	h.Set("X-Tl-Webhook-Timestamp", timestamp.UTC().Format(time.RFC3339))
	h.Set("Content-Type", "application/json")
	tlHeaders := "X-Tl-Webhook-Timestamp,Content-Type"
	sig, err := SignDetached(key, kid, s.JWKSURL(), path, tlHeaders, h, body)
	if err != nil {
		return nil, err
	}
	h.Set("Tl-Signature", sig)
	return h, nil
}

// SignDetached produces a Tl-Signature value with any P-521 key: the
// payload is "POST <path>\n", then "Name: value\n" for each name of the
// comma-separated tlHeaders (values from h), then body.
func SignDetached(key *ecdsa.PrivateKey, kid, jku, path, tlHeaders string, h http.Header, body []byte) (string, error) {
	var p bytes.Buffer
	p.WriteString("POST " + path + "\n")
	for _, n := range strings.Split(tlHeaders, ",") {
		if n = strings.TrimSpace(n); n != "" {
			p.WriteString(n + ": " + h.Get(n) + "\n")
		}
	}
	p.Write(body)
	opts := (&jose.SignerOptions{}).
		WithHeader("kid", kid).
		WithHeader("tl_version", "2").
		WithHeader("tl_headers", tlHeaders).
		WithHeader("jku", jku)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES512, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("truelayertest: signer: %w", err)
	}
	jws, err := sg.Sign(p.Bytes())
	if err != nil {
		return "", fmt.Errorf("truelayertest: signing: %w", err)
	}
	return jws.DetachedCompactSerialize()
}

// WebhookRequest builds a delivery of body to target (your webhook
// handler's URL) as TrueLayer sends it: a POST signed with the Server's
// current key at the Server's clock, over target's path as sent
// (percent-encoding intact).
func (s *Server) WebhookRequest(ctx context.Context, target string, body []byte) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("truelayertest: bad target URL: %w", err)
	}
	h, err := s.SignWebhook(u.RequestURI(), body, s.now())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("truelayertest: %w", err)
	}
	req.Header = h
	return req, nil
}

// DeliverWebhook sends [Server.WebhookRequest]'s delivery and returns the
// status your handler answered.
func (s *Server) DeliverWebhook(ctx context.Context, target string, body []byte) (int, error) {
	req, err := s.WebhookRequest(ctx, target, body)
	if err != nil {
		return 0, err
	}
	client, done := sim.NewClient(10 * time.Second)
	defer done()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}
