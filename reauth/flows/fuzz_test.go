package flows_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/reauthkit/reauthkit/reauth/flows"
)

// FuzzSealerOpen: any stored bytes either open to what was sealed or fail
// with ErrUnreadable; nothing panics.
func FuzzSealerOpen(f *testing.F) {
	s := sealer(f, "k1", "k1", "k2")
	good, _ := s.Seal([]byte(`{"key":"k","flow":{}}`))
	for _, seed := range [][]byte{nil, {1}, {1, 2, 'k', '1'}, good, append([]byte{1, 255}, good...)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, err := s.Open(data)
		if err != nil && !errors.Is(err, flows.ErrUnreadable) {
			t.Fatalf("Open: %v, want ErrUnreadable", err)
		}
		if err == nil {
			again, err := s.Seal(plain)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := s.Open(again); err != nil || !bytes.Equal(back, plain) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}
