package internal

// Temporary: pins modules that provider packages are about to use, so that
// parallel work on them never edits go.mod at the same time. Removed once the
// provider packages import them.
import (
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/google/go-querystring/query"
)
