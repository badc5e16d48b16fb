package flows

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// MemoryStore is a [Store] in process memory: the embedded default for a
// single instance. It is safe for concurrent use. Its records are lost
// when the process ends; use a shared store (package sqlstore) when several
// instances serve callbacks. Call DeleteExpired now and then (say, every
// few minutes) to drop finished and abandoned flows.
type MemoryStore struct {
	now func() time.Time

	mu   sync.Mutex
	recs map[string]*memRecord
	// byCallback indexes records by provider and CallbackID (both fixed at
	// Create), so FindOpen reads only its candidates.
	byCallback map[callbackKey]map[string]*memRecord
	seq        uint64
}

type callbackKey struct {
	provider reauth.Provider
	id       string
}

type memRecord struct {
	Record
	seq uint64 // creation order, for FindOpen's newest
}

// MemoryOption configures a [MemoryStore].
type MemoryOption func(*MemoryStore)

// WithMemoryClock sets the clock Claim and Update read; the default is
// time.Now.
func WithMemoryClock(now func() time.Time) MemoryOption {
	return func(s *MemoryStore) {
		if now != nil {
			s.now = now
		}
	}
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	s := &MemoryStore{now: time.Now, recs: map[string]*memRecord{}, byCallback: map[callbackKey]map[string]*memRecord{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ Store = (*MemoryStore)(nil)

// String prints how many records the store holds, never their data.
func (s *MemoryStore) String() string {
	if s == nil {
		return "flows.MemoryStore(nil)"
	}
	s.mu.Lock()
	n := len(s.recs)
	s.mu.Unlock()
	return "flows.MemoryStore{records: " + strconv.Itoa(n) + "}"
}

// GoString is String for %#v.
func (s *MemoryStore) GoString() string { return s.String() }

// get returns the stored record for key; callers hold s.mu.
func (s *MemoryStore) get(key string) (*memRecord, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if s == nil || s.recs == nil {
		return nil, ErrNotFound
	}
	r, ok := s.recs[key]
	if !ok {
		return nil, ErrNotFound
	}
	return r, nil
}

func (s *MemoryStore) lock() func() {
	if s == nil {
		return func() {}
	}
	s.mu.Lock()
	return s.mu.Unlock
}

// Create adds rec; ErrExists when its Key is taken.
func (s *MemoryStore) Create(ctx context.Context, rec Record) error {
	if err := CheckRecord(rec); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s == nil || s.recs == nil {
		return errNilStore
	}
	defer s.lock()()
	if _, ok := s.recs[rec.Key]; ok {
		return ErrExists
	}
	s.seq++
	rec.Data = append([]byte(nil), rec.Data...)
	r := &memRecord{Record: rec, seq: s.seq}
	s.recs[rec.Key] = r
	if rec.CallbackID != "" {
		ck := callbackKey{rec.Provider, rec.CallbackID}
		if s.byCallback[ck] == nil {
			s.byCallback[ck] = map[string]*memRecord{}
		}
		s.byCallback[ck][rec.Key] = r
	}
	return nil
}

// Get returns a copy of the record.
func (s *MemoryStore) Get(ctx context.Context, key string) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	defer s.lock()()
	r, err := s.get(key)
	if err != nil {
		return Record{}, err
	}
	return r.copy(), nil
}

func (r *memRecord) copy() Record {
	out := r.Record
	out.Data = append([]byte(nil), r.Data...)
	return out
}

// FindOpen returns the newest open, unexpired record of p with callbackID.
func (s *MemoryStore) FindOpen(ctx context.Context, p reauth.Provider, callbackID string) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if callbackID == "" || s == nil {
		return Record{}, ErrNotFound
	}
	defer s.lock()()
	now := s.now()
	var best *memRecord
	for _, r := range s.byCallback[callbackKey{p, callbackID}] {
		if r.Status != StatusOpen || (!r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)) {
			continue
		}
		if best == nil || r.seq > best.seq {
			best = r
		}
	}
	if best == nil {
		return Record{}, ErrNotFound
	}
	return best.copy(), nil
}

// Claim claims the record atomically; see [Store].
func (s *MemoryStore) Claim(ctx context.Context, key string, lease time.Duration) (Record, error) {
	if err := CheckClaim(key, lease); err != nil {
		return Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	defer s.lock()()
	r, err := s.get(key)
	if err != nil {
		return Record{}, err
	}
	now := s.now()
	st, won, err := claimOutcome(r.Record, now)
	if st != r.Status || won {
		r.Status, r.UpdatedAt = st, now
		if won {
			r.ClaimedUntil = now.Add(lease)
		}
	}
	return r.copy(), err
}

// Update stores the next state of the record and ends any claim.
func (s *MemoryStore) Update(ctx context.Context, key string, data []byte, status Status, expiresAt time.Time) error {
	if err := CheckUpdate(key, status); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer s.lock()()
	r, err := s.get(key)
	if err != nil {
		return err
	}
	r.Data = append([]byte(nil), data...)
	r.Status, r.ExpiresAt = status, expiresAt
	r.ClaimedUntil, r.UpdatedAt = time.Time{}, s.now()
	return nil
}

// Delete removes the record.
func (s *MemoryStore) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer s.lock()()
	r, err := s.get(key)
	if err != nil {
		return err
	}
	s.remove(r)
	return nil
}

// remove drops r from the store and its index; callers hold s.mu.
func (s *MemoryStore) remove(r *memRecord) {
	delete(s.recs, r.Key)
	ck := callbackKey{r.Provider, r.CallbackID}
	if ids := s.byCallback[ck]; ids != nil {
		delete(ids, r.Key)
		if len(ids) == 0 {
			delete(s.byCallback, ck)
		}
	}
}

// DeleteExpired removes the records that expired before before, keeping
// claimed records whose lease still runs (their holder will store a result).
func (s *MemoryStore) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, nil
	}
	defer s.lock()()
	now := s.now()
	n := 0
	for _, r := range s.recs {
		if expiredBefore(r.Record, before, now) {
			s.remove(r)
			n++
		}
	}
	return n, nil
}

// expiredBefore is DeleteExpired's rule.
func expiredBefore(r Record, before, now time.Time) bool {
	if r.ExpiresAt.IsZero() || !r.ExpiresAt.Before(before) {
		return false
	}
	return r.Status != StatusClaimed || !now.Before(r.ClaimedUntil)
}
