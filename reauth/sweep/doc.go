// Package sweep inspects many connections across providers ahead of time and
// sends staged expiry notices, each at most once.
package sweep
