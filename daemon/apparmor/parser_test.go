package apparmor

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestExecParserClassifies checks, against the real apparmor_parser, that
// text it refuses is ErrInvalidPolicy (the profile's fault) and that a
// load this machine cannot do is not (worth a retry).
func TestExecParserClassifies(t *testing.T) {
	parser := testParser(t)
	ctx := context.Background()
	bad := map[string]string{
		"syntax":             "profile x {\n  /a r\n}\n",
		"unknown capability": "profile x {\n  capability bogus,\n}\n",
		"undeclared var":     "profile x {\n  /a/@{nope}/b r,\n}\n",
		"unclosed class":     "profile x {\n  /a/[ab r,\n}\n",
		"missing include":    "#include <does/not/exist>\nprofile x {\n}\n",
	}
	for name, policy := range bad {
		t.Run(name, func(t *testing.T) {
			err := parser.Compile(ctx, []byte(policy))
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Compile = %v, want ErrInvalidPolicy", err)
			}
			if strings.Contains(err.Error(), "Cache read/write disabled") {
				t.Fatalf("error keeps the cache warning: %v", err)
			}
		})
	}
	t.Run("a load without AppArmor in the kernel is not the policy's fault", func(t *testing.T) {
		if ok, _ := Supported(); ok {
			t.Skip("this machine runs AppArmor; Replace would really load")
		}
		err := parser.Replace(ctx, "spo-test", []byte("profile spo-test {\n}\n"))
		if err == nil || errors.Is(err, ErrInvalidPolicy) {
			t.Fatalf("Replace = %v, want a retryable error", err)
		}
	})
	t.Run("a missing parser binary is retryable", func(t *testing.T) {
		err := ExecParser{Path: "/nonexistent/apparmor_parser"}.Compile(ctx, []byte("profile x {}\n"))
		if err == nil || errors.Is(err, ErrInvalidPolicy) {
			t.Fatalf("Compile = %v, want a retryable error", err)
		}
	})
	t.Run("names are checked before running anything", func(t *testing.T) {
		err := parser.Remove(ctx, "x {} profile y")
		if ReasonOf(err) != ReasonInvalidName {
			t.Fatalf("Remove = %v, want %s", err, ReasonInvalidName)
		}
	})
}
