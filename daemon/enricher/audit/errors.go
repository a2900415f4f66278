package audit

import (
	"errors"
	"fmt"
)

var (
	// ErrNotAudit: the line holds no audit record (callers skip it).
	ErrNotAudit = errors.New("not an audit record")
	// ErrUnsupported: an audit record of a type this package does not
	// parse, such as SYSCALL or PATH (callers skip it).
	ErrUnsupported = errors.New("unsupported audit record type")
	// ErrMalformed wraps every error about a record that looked like a
	// supported audit record but could not be parsed.
	ErrMalformed = errors.New("malformed audit record")
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
