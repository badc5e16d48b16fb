package finch

// DecodeError exposes the error decoder to the fuzz tests.
var DecodeError = decodeError
