package sweep

import (
	"context"
	"time"
)

// SetSleep replaces how s waits out a rate-limit pause.
func SetSleep(s *Sweeper, f func(ctx context.Context, d time.Duration) error) { s.sleep = f }
