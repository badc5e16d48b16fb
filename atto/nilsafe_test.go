package atto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// Issue 11: every exported method, on nil and zero values, returns an
// error or a safe zero answer, never panics.
func TestExportedTypesAreNilSafe(t *testing.T) {
	t.Parallel()
	n := reauthtest.CheckNilSafe(t,
		(*atto.Client)(nil), &atto.Client{}, atto.Client{},
		(*atto.WebhookVerifier)(nil), &atto.WebhookVerifier{}, atto.WebhookVerifier{},
		atto.Credentials{}, &atto.Credentials{},
		atto.Link{}, &atto.Link{},
		(*atto.ConnectError)(nil), &atto.ConnectError{},
		&atto.Consent{}, &atto.ConsentList{}, &atto.ListConsentsParams{},
		&atto.RefreshResult{}, &atto.Notification{},
	)
	assert.Greater(t, n, 40, "the walk reached the methods")
}
