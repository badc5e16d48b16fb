package internal

import (
	_ "github.com/jarcoal/httpmock"
	_ "github.com/stretchr/testify/require"
)
