package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
)

func (s *Store) ready() error {
	if s == nil || s.db == nil {
		return errNil
	}
	return nil
}

// scanRecord reads the columns every record query selects.
func scanRecord(row interface{ Scan(...any) error }) (flows.Record, error) {
	var r flows.Record
	var provider, status string
	var exp, claimed, updated int64
	err := row.Scan(&r.Key, &r.Subject, &provider, &r.ConnectionID, &r.CallbackID, &status, &r.Data, &exp, &claimed, &updated)
	if err != nil {
		return flows.Record{}, err
	}
	r.Provider, r.Status = reauth.Provider(provider), flows.Status(status)
	r.ExpiresAt, r.ClaimedUntil, r.UpdatedAt = fromNS(exp), fromNS(claimed), fromNS(updated)
	return r, nil
}

// queryRecord runs a query returning at most one record; none is
// flows.ErrNotFound.
func (s *Store) queryRecord(ctx context.Context, q string, args ...any) (flows.Record, error) {
	var rec flows.Record
	err := s.run(ctx, func(db execer) error {
		var err error
		rec, err = scanRecord(db.QueryRowContext(ctx, q, args...))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return flows.Record{}, flows.ErrNotFound
	}
	if err != nil {
		return flows.Record{}, fmt.Errorf("sqlstore: %w", err)
	}
	return rec, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Create adds rec; flows.ErrExists when its Key is taken.
func (s *Store) Create(ctx context.Context, rec flows.Record) error {
	if err := s.ready(); err != nil {
		return err
	}
	if err := flows.CheckRecord(rec); err != nil {
		return err
	}
	n, err := s.execN(ctx, s.q.create, rec.Key, rec.Subject, string(rec.Provider), rec.ConnectionID,
		rec.CallbackID, string(rec.Status), nonNil(rec.Data), toNS(rec.ExpiresAt), toNS(rec.ClaimedUntil),
		toNS(rec.UpdatedAt), s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("sqlstore: create: %w", err)
	}
	if n == 0 {
		return flows.ErrExists
	}
	return nil
}

// Get returns the record under key.
func (s *Store) Get(ctx context.Context, key string) (flows.Record, error) {
	if err := s.ready(); err != nil {
		return flows.Record{}, err
	}
	if key == "" {
		return flows.Record{}, fmt.Errorf("sqlstore: empty flow key: %w", reauth.ErrMissingInput)
	}
	return s.queryRecord(ctx, s.q.get, key)
}

// FindOpen returns the newest open, unexpired record of p with callbackID.
func (s *Store) FindOpen(ctx context.Context, p reauth.Provider, callbackID string) (flows.Record, error) {
	if err := s.ready(); err != nil {
		return flows.Record{}, err
	}
	if callbackID == "" {
		return flows.Record{}, flows.ErrNotFound
	}
	return s.queryRecord(ctx, s.q.findOpen, string(p), callbackID, s.now().UnixNano())
}

// Claim claims the record with one atomic UPDATE … RETURNING; see
// [flows.Store]. Only when that statement changes nothing does a second
// query read why (claimed, done, failed or missing).
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (flows.Record, error) {
	if err := s.ready(); err != nil {
		return flows.Record{}, err
	}
	if err := flows.CheckClaim(key, lease); err != nil {
		return flows.Record{}, err
	}
	now := s.now()
	rec, err := s.queryRecord(ctx, s.q.claim, key, now.UnixNano(), now.Add(lease).UnixNano())
	switch {
	case err == nil && rec.Status == flows.StatusClaimed:
		return rec, nil
	case err == nil && rec.ClaimedUntil.IsZero():
		return rec, flows.ErrExpired
	case err == nil:
		return rec, flows.ErrLeaseExpired
	case !errors.Is(err, flows.ErrNotFound):
		return flows.Record{}, err
	}
	rec, err = s.queryRecord(ctx, s.q.get, key)
	if err != nil {
		return flows.Record{}, err
	}
	switch rec.Status {
	case flows.StatusDone, flows.StatusFailed:
		return rec, nil
	}
	// Claimed by another holder (or released a moment ago): try later.
	return rec, flows.ErrClaimed
}

// Update stores the next state of the record and ends any claim.
func (s *Store) Update(ctx context.Context, key string, data []byte, status flows.Status, expiresAt time.Time) error {
	if err := s.ready(); err != nil {
		return err
	}
	if err := flows.CheckUpdate(key, status); err != nil {
		return err
	}
	n, err := s.execN(ctx, s.q.update, key, nonNil(data), string(status), toNS(expiresAt), s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("sqlstore: update: %w", err)
	}
	if n == 0 {
		return flows.ErrNotFound
	}
	return nil
}

// Delete removes the record.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.ready(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("sqlstore: empty flow key: %w", reauth.ErrMissingInput)
	}
	n, err := s.execN(ctx, s.q.del, key)
	if err != nil {
		return fmt.Errorf("sqlstore: delete: %w", err)
	}
	if n == 0 {
		return flows.ErrNotFound
	}
	return nil
}

// DeleteExpired removes records that expired before before, keeping claimed
// records whose lease still runs.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	if err := s.ready(); err != nil {
		return 0, err
	}
	n, err := s.execN(ctx, s.q.delExpired, before.UnixNano(), s.now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete expired: %w", err)
	}
	return int(n), nil
}
