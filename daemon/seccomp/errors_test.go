package seccomp

import (
	"errors"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	tests := map[string]struct {
		err        error
		wantText   string
		wantReason string
	}{
		"prefixes the message with the field": {
			err:        &Error{Reason: ReasonInvalidSyscall, Field: "spec.syscalls[1].names[0]", Message: `unknown syscall "fooo" for any of SCMP_ARCH_X86_64`},
			wantText:   `spec.syscalls[1].names[0]: unknown syscall "fooo" for any of SCMP_ARCH_X86_64`,
			wantReason: ReasonInvalidSyscall,
		},
		"shows only the message when no field is set": {
			err:        &Error{Reason: ReasonInvalidName, Message: "bad name"},
			wantText:   "bad name",
			wantReason: ReasonInvalidName,
		},
		"finds the reason through wrapping": {
			err:        fmt.Errorf("installing: %w", &Error{Reason: ReasonBaseProfileCycle, Message: "a -> a"}),
			wantText:   "installing: a -> a",
			wantReason: ReasonBaseProfileCycle,
		},
		"calls other errors Unknown": {
			err:        errors.New("connection refused"),
			wantText:   "connection refused",
			wantReason: "Unknown",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.wantText {
				t.Errorf("Error() = %q, want %q", got, tc.wantText)
			}
			if got := ReasonOf(tc.err); got != tc.wantReason {
				t.Errorf("ReasonOf = %q, want %q", got, tc.wantReason)
			}
		})
	}
}

func TestReasonOfNil(t *testing.T) {
	if got := ReasonOf(nil); got != ReasonUnknown {
		t.Fatalf("ReasonOf(nil) = %q", got)
	}
}
