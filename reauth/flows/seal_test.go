package flows_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

func key32(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func sealer(t testing.TB, current string, ids ...string) flows.Sealer {
	t.Helper()
	keys := map[string][]byte{}
	for i, id := range ids {
		keys[id] = key32(byte(i + 1))
	}
	s, err := flows.NewAESGCM(keys, current)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawContents is everything a store holds, as bytes: every column of every
// row (and, for SQLite, the database and WAL files themselves).
func rawContents(t *testing.T, st storeInfo, keys []string) string {
	t.Helper()
	var b strings.Builder
	if st.db == nil {
		for _, k := range keys {
			r := record(t, st.store, k)
			fmt.Fprintln(&b, r.Key, r.Subject, r.Provider, r.ConnectionID, r.CallbackID, string(r.Data))
		}
		return b.String()
	}
	rows, err := st.db.Query("SELECT * FROM " + st.table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprint(&b, v, " ")
		}
		b.WriteByte('\n')
	}
	if st.file != "" {
		for _, f := range []string{st.file, st.file + "-wal"} {
			if data, err := os.ReadFile(f); err == nil {
				b.Write(data)
			}
		}
	}
	return b.String()
}

// secretsAtRest runs three providers' flows through a Manager (a TrueLayer
// flow to done with new tokens, an Atto flow whose link holds a token, a
// Yapily flow keyed by its consent token) and returns the store's raw
// contents and every secret the flows held.
func secretsAtRest(t *testing.T, kind string, opts ...flows.Option) (string, []string) {
	st := newStore(t, kind)
	ctx := context.Background()
	tl := newTrueLayer(t)
	_, attoReg, attoReq := newAtto(t)
	ysrv, yReg, consent := newYapily(t)
	var recKeys []string
	secrets := []string{tl.req.Token}

	m := newManager(t, tl.reg, st.store, opts...)
	key, flow := begin(t, m, "", reauth.TrueLayer, tl.req)
	cb, err := tl.srv.Approve(ctx, flow.URL)
	if err != nil {
		t.Fatal(err)
	}
	done, err := m.Continue(ctx, key, reauth.Reply{Callback: cb})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, flow.State, cb.Get("code"), done.Result.Credentials.AccessToken, done.Result.Credentials.RefreshToken)
	recKeys = append(recKeys, key)

	am := newManager(t, attoReg, st.store, opts...)
	key, flow = begin(t, am, "", reauth.Atto, attoReq)
	u, _ := url.Parse(flow.URL)
	frag, _ := url.ParseQuery(u.Fragment)
	secrets = append(secrets, frag.Get("access_token"))
	recKeys = append(recKeys, key)

	ym := newManager(t, yReg, st.store, opts...)
	key, _ = begin(t, ym, "", reauth.Yapily, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	secrets = append(secrets, consent.Token)
	recKeys = append(recKeys, key)
	_ = ysrv
	for _, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("a secret of the scenario is missing or short: %q", s)
		}
	}
	return rawContents(t, st, recKeys), secrets
}

// With a Sealer, no store holds any secret in the clear; without one, the
// same scan finds them (so the scan can fail).
func TestSealedStoresHoldNoSecret(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			raw, secrets := secretsAtRest(t, kind, flows.WithSealer(sealer(t, "k1", "k1")))
			for _, s := range secrets {
				if strings.Contains(raw, s) {
					t.Errorf("a sealed store holds a secret in the clear (%.4s…)", s)
				}
			}
			raw, secrets = secretsAtRest(t, kind)
			if !strings.Contains(raw, secrets[len(secrets)-2]) || !strings.Contains(raw, secrets[4]) {
				t.Error("the scan does not find secrets in an unsealed store: it proves nothing")
			}
		})
	}
}

// Keys rotate: a record sealed with a retired key opens while that key is
// listed, new writes use the current key, and a record whose key is gone is
// an error naming the key id, with nothing deleted and no I/O.
func TestSealerKeyRotation(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	st := flows.NewMemoryStore()
	ctx := context.Background()
	old := newManager(t, tl.reg, st, flows.WithSealer(sealer(t, "2026-01", "2026-01")))
	key, flow := begin(t, old, "", reauth.TrueLayer, tl.req)
	key2, _ := begin(t, old, "", reauth.TrueLayer, tl.req)

	both := newManager(t, tl.reg, st, flows.WithSealer(sealer(t, "2026-06", "2026-01", "2026-06")))
	if _, got, err := both.Get(ctx, key); err != nil || got.State != flow.State {
		t.Fatalf("a record sealed with a retired, listed key: %v", err)
	}
	cb, err := tl.srv.Approve(ctx, flow.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.Continue(ctx, key, reauth.Reply{Callback: cb}); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, st, key); !bytes.Contains(rec.Data, []byte("2026-06")) {
		t.Fatal("the done flow was not sealed with the current key")
	}

	sent := len(tl.srv.Requests())
	newOnly := newManager(t, tl.reg, st, flows.WithSealer(sealer(t, "2026-06", "2026-06")))
	for _, err := range []error{
		func() error { _, _, err := newOnly.Get(ctx, key2); return err }(),
		func() error { _, err := newOnly.Continue(ctx, key2, reauth.Reply{Callback: cb}); return err }(),
	} {
		if !errors.Is(err, flows.ErrUnreadable) || !strings.Contains(err.Error(), `"2026-01"`) {
			t.Fatalf("a record sealed with an unlisted key: %v, want ErrUnreadable naming key 2026-01", err)
		}
	}
	if rec := record(t, st, key2); rec.Status != flows.StatusOpen {
		t.Fatalf("the unreadable record is %s, want it kept open", rec.Status)
	}
	if len(tl.srv.Requests()) != sent {
		t.Fatal("an unreadable record reached the provider")
	}
}

// Altered data does not open: an error naming the key id; the record stays.
func TestTamperedRecordIsKept(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	st := flows.NewMemoryStore()
	ctx := context.Background()
	m := newManager(t, tl.reg, st, flows.WithSealer(sealer(t, "k1", "k1")))
	key, _ := begin(t, m, "", reauth.TrueLayer, tl.req)
	key2, _ := begin(t, m, "", reauth.TrueLayer, tl.req)
	rec := record(t, st, key)
	tampered := append([]byte(nil), rec.Data...)
	tampered[len(tampered)-1] ^= 1
	if err := st.Update(ctx, key, tampered, flows.StatusOpen, rec.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	sent := len(tl.srv.Requests())
	_, err := m.Continue(ctx, key, reauth.Reply{Callback: url.Values{"code": {"x"}, "state": {"y"}}})
	if !errors.Is(err, flows.ErrUnreadable) || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("tampered data: %v, want ErrUnreadable naming k1", err)
	}
	if got := record(t, st, key); got.Status != flows.StatusOpen || !bytes.Equal(got.Data, tampered) {
		t.Fatalf("the tampered record changed: status %s", got.Status)
	}
	// Data moved onto another record does not open either.
	if err := st.Update(ctx, key2, rec.Data, flows.StatusOpen, rec.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Get(ctx, key2); !errors.Is(err, flows.ErrUnreadable) {
		t.Fatalf("data of another record: %v, want ErrUnreadable", err)
	}
	if len(tl.srv.Requests()) != sent {
		t.Fatal("unreadable records reached the provider")
	}
}

func TestNewAESGCMRejects(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		keys    map[string][]byte
		current string
	}{
		"no keys":         {nil, "k"},
		"unknown current": {map[string][]byte{"k": key32(1)}, "other"},
		"short key":       {map[string][]byte{"k": []byte("short")}, "k"},
		"empty id":        {map[string][]byte{"": key32(1)}, ""},
	} {
		if _, err := flows.NewAESGCM(c.keys, c.current); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s := sealer(t, "k1", "k1")
	for _, bad := range [][]byte{nil, {1}, {1, 200}, {9, 2, 'k', '1'}, {1, 2, 'k', '1', 0}} {
		if _, err := s.Open(bad); !errors.Is(err, flows.ErrUnreadable) {
			t.Errorf("Open(%v): %v, want ErrUnreadable", bad, err)
		}
	}
}

// Secrets never show: not in a Record (Data holds the flow's JSON with its
// tokens when no Sealer is set) under any verb, nor in errors, nor in the
// Manager's logs, nor in a printed Manager or Sealer.
func TestNothingPrintsSecrets(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	st := flows.NewMemoryStore()
	ctx := context.Background()
	scan := reauthtest.NewLeakScan(tl.req.Token)
	sl := sealer(t, "k1", "k1")
	m := newManager(t, tl.reg, st, flows.WithLogger(scan.Logger()))
	key, flow := begin(t, m, "", reauth.TrueLayer, tl.req)
	cb, err := tl.srv.Approve(ctx, flow.URL)
	if err != nil {
		t.Fatal(err)
	}
	scan.AddSecrets(flow.State, cb.Get("code"))
	tl.srv.Inject("POST /connect/token", 1, sim503)
	_, cerr := m.Continue(ctx, key, reauth.Reply{Callback: cb})
	rec := record(t, st, key)
	if !bytes.Contains(rec.Data, []byte(flow.State)) {
		t.Fatal("the unsealed record should hold the state, or this test proves nothing")
	}
	scan.Add(rec, &rec, cerr, m, sl)
	if n := scan.Check(t); n != 5 {
		t.Fatalf("scanned %d values, want 5", n)
	}
	for _, verb := range []string{"%d", "%x", "%X", "%q", "%v", "%+v", "%#v", "%s", "%t"} {
		for _, v := range []any{rec, &rec, m, sl} {
			out := fmt.Sprintf(verb, v)
			for _, s := range []string{tl.req.Token, flow.State, fmt.Sprintf("%x", tl.req.Token), string(key32(1))} {
				if strings.Contains(out, s) {
					t.Errorf("%s of %T shows a secret", verb, v)
				}
			}
		}
	}
	if !strings.Contains(scan.Logs(), "begin") {
		t.Error("the Manager logged nothing")
	}
}

var sim503 = sim.Fault{Kind: sim.FaultStatus, Status: http.StatusServiceUnavailable}
