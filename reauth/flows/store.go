package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Store keeps flow records for a [Manager]. Implementations must be safe for
// concurrent use, by goroutines and, for shared stores, by instances;
// [RunStoreTests] checks the rules below.
//
//   - Create adds rec; a record with the same Key → [ErrExists].
//   - Get returns the record; none → [ErrNotFound].
//   - FindOpen returns the newest open, unexpired record of provider p whose
//     CallbackID is callbackID; none (or an empty callbackID) → [ErrNotFound].
//   - Claim is atomic. An open record becomes claimed until now + lease and
//     is returned. A claimed record whose lease is still running →
//     [ErrClaimed]. A claimed record whose lease ran out, or an open record
//     past its ExpiresAt, becomes failed → an error wrapping
//     [reauth.ErrFlowExpired]. A done or failed record is returned
//     unchanged (the caller reads its Status). Missing → [ErrNotFound].
//   - Update sets Data, Status and ExpiresAt, ends any claim and stamps
//     UpdatedAt; missing → [ErrNotFound].
//   - Delete removes the record; missing → [ErrNotFound].
//   - DeleteExpired removes records whose ExpiresAt is before before, except
//     claimed records whose lease is still running, and returns how many.
type Store interface {
	Create(ctx context.Context, rec Record) error
	Get(ctx context.Context, key string) (Record, error)
	FindOpen(ctx context.Context, p reauth.Provider, callbackID string) (Record, error)
	Claim(ctx context.Context, key string, lease time.Duration) (Record, error)
	Update(ctx context.Context, key string, data []byte, status Status, expiresAt time.Time) error
	Delete(ctx context.Context, key string) error
	DeleteExpired(ctx context.Context, before time.Time) (int, error)
}

// Errors a [Store] returns.
var (
	// ErrNotFound: no record has the key (or callback id).
	ErrNotFound = errors.New("flows: no such flow")
	// ErrExists: a record with the key already exists.
	ErrExists = errors.New("flows: flow already exists")
	// ErrClaimed: another holder is continuing the flow right now; try
	// again after its lease.
	ErrClaimed = errors.New("flows: flow is being continued by another holder")
)

// Errors wrapping [reauth.ErrFlowExpired] that Claim returns when it marks
// a record failed.
var (
	// ErrLeaseExpired: the previous holder's lease ran out. It may have
	// spent the code, so the flow is never continued again.
	ErrLeaseExpired = fmt.Errorf("flows: the previous holder's lease ran out: %w", reauth.ErrFlowExpired)
	// ErrExpired: the open record is past its ExpiresAt.
	ErrExpired = fmt.Errorf("flows: the stored flow expired: %w", reauth.ErrFlowExpired)
)

// claimOutcome is the decision a Claim makes on rec at now: the new status,
// whether the caller now holds the claim, and the error to return.
func claimOutcome(rec Record, now time.Time) (Status, bool, error) {
	switch rec.Status {
	case StatusOpen:
		if !rec.ExpiresAt.IsZero() && !now.Before(rec.ExpiresAt) {
			return StatusFailed, false, ErrExpired
		}
		return StatusClaimed, true, nil
	case StatusClaimed:
		if now.Before(rec.ClaimedUntil) {
			return StatusClaimed, false, ErrClaimed
		}
		return StatusFailed, false, ErrLeaseExpired
	}
	return rec.Status, false, nil
}

func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("flows: empty flow key: %w", reauth.ErrMissingInput)
	}
	return nil
}

func checkLease(lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("flows: lease must be positive: %w", reauth.ErrInvalidRequest)
	}
	return nil
}

// CheckRecord reports what makes rec unfit for Create (an empty Key or
// Provider, an unknown Status); stores call it first.
func CheckRecord(rec Record) error {
	if err := checkKey(rec.Key); err != nil {
		return err
	}
	if rec.Provider == "" {
		return fmt.Errorf("flows: empty provider: %w", reauth.ErrMissingInput)
	}
	switch rec.Status {
	case StatusOpen, StatusClaimed, StatusDone, StatusFailed:
		return nil
	}
	return fmt.Errorf("flows: unknown status %q: %w", rec.Status, reauth.ErrInvalidRequest)
}

// CheckClaim reports what makes a Claim's arguments unusable.
func CheckClaim(key string, lease time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return checkLease(lease)
}

// CheckUpdate reports what makes an Update's arguments unusable.
func CheckUpdate(key string, status Status) error {
	return CheckRecord(Record{Key: key, Provider: "-", Status: status})
}
