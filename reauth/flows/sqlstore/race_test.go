//go:build race

package sqlstore_test

// raceBuild is true under the race detector.
const raceBuild = true
