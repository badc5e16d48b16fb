package flows_test

import (
	"testing"

	"github.com/reauthkit/reauthkit/reauth/flows"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	flows.RunStoreTests(t, func() flows.Store { return flows.NewMemoryStore() })
}
