package flows

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sealer encrypts flow data before it reaches a [Store] and decrypts it
// after. Open must fail on data that was altered.
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// ErrUnreadable is wrapped by the error returned for stored data that does
// not open: altered, sealed with a key that is no longer listed, or not
// sealed at all. The record is left as it is.
var ErrUnreadable = errors.New("flows: stored flow cannot be opened")

// sealVersion starts every sealed value, so the format can change later.
const sealVersion = 1

// aesGCM is the [Sealer] NewAESGCM returns. Sealed values are
// version (1 byte) | key id length (1 byte) | key id | nonce (12) | ciphertext.
type aesGCM struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewAESGCM returns a Sealer using AES-GCM (random 96-bit nonces). It seals
// with the key named current and opens with any key in keys, so keys rotate:
// add the new key, make it current, and keep the old one listed until the
// records it sealed have expired. Keys are 16, 24 or 32 bytes; key ids are
// 1 to 255 bytes and are stored in the clear beside each sealed value.
func NewAESGCM(keys map[string][]byte, current string) (Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("flows: aes-gcm: no keys")
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("flows: aes-gcm: current key id %q is not among the keys", current)
	}
	s := &aesGCM{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, k := range keys {
		if id == "" || len(id) > 255 {
			return nil, errors.New("flows: aes-gcm: a key id must be 1 to 255 bytes")
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("flows: aes-gcm: key %q must be 16, 24 or 32 bytes, not %d", id, len(k))
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("flows: aes-gcm: key %q: %w", id, err)
		}
		s.aeads[id] = aead
	}
	return s, nil
}

// header is the authenticated prefix of a sealed value under key id.
func header(id string) []byte {
	return append([]byte{sealVersion, byte(len(id))}, id...)
}

// Seal encrypts plain under the current key; the header is authenticated
// too, so a swapped key id does not open.
func (s *aesGCM) Seal(plain []byte) ([]byte, error) {
	aead := s.aeads[s.current]
	h := header(s.current)
	out := make([]byte, len(h), len(h)+aead.NonceSize()+len(plain)+aead.Overhead())
	copy(out, h)
	nonce := out[len(h) : len(h)+aead.NonceSize()]
	out = out[:len(h)+aead.NonceSize()]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return aead.Seal(out, nonce, plain, h), nil
}

// Open decrypts a value sealed with any listed key. Its errors name the key
// id and wrap ErrUnreadable.
func (s *aesGCM) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion || len(sealed) < 2+int(sealed[1]) {
		return nil, fmt.Errorf("flows: aes-gcm: data is not sealed by this sealer: %w", ErrUnreadable)
	}
	id := string(sealed[2 : 2+int(sealed[1])])
	aead, ok := s.aeads[id]
	if !ok {
		return nil, fmt.Errorf("flows: aes-gcm: sealed with key %q, which is not listed: %w", id, ErrUnreadable)
	}
	h := sealed[:2+len(id)]
	rest := sealed[len(h):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("flows: aes-gcm: data sealed with key %q is truncated: %w", id, ErrUnreadable)
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], h)
	if err != nil {
		return nil, fmt.Errorf("flows: aes-gcm: data sealed with key %q does not open (altered, or another key under that id): %w", id, ErrUnreadable)
	}
	return plain, nil
}

// String names the current key and the listed key ids, never a key.
func (s *aesGCM) String() string {
	ids := make([]string, 0, len(s.aeads))
	for id := range s.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return fmt.Sprintf("flows.AESGCM{current: %q, keys: [%s]}", s.current, strings.Join(ids, " "))
}

// Format prints String under every verb, so no key is ever printed.
func (s *aesGCM) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }
