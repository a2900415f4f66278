package recording

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	nonceAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	nonceLength   = 5
	// nonceLimit is the largest multiple of len(nonceAlphabet) that fits a
	// byte: bytes at or above it are dropped so every character is equally
	// likely.
	nonceLimit = 256 / len(nonceAlphabet) * len(nonceAlphabet)
	// nonceReads bounds the retries, so a broken random source fails the
	// admission instead of hanging it.
	nonceReads = 8
)

var errRandom = errors.New("random source returned no usable bytes")

// newNonce returns nonceLength random characters from nonceAlphabet.
func newNonce(random io.Reader) (string, error) {
	out := make([]byte, 0, nonceLength)
	buf := make([]byte, 2*nonceLength)
	for range nonceReads {
		if _, err := io.ReadFull(random, buf); err != nil {
			return "", fmt.Errorf("reading the nonce: %w", err)
		}
		for _, b := range buf {
			if int(b) >= nonceLimit {
				continue
			}
			out = append(out, nonceAlphabet[int(b)%len(nonceAlphabet)])
			if len(out) == nonceLength {
				return string(out), nil
			}
		}
	}
	return "", errRandom
}

// validNonce reports whether s could have come from newNonce.
func validNonce(s string) bool {
	if len(s) != nonceLength {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(nonceAlphabet, r) {
			return false
		}
	}
	return true
}
