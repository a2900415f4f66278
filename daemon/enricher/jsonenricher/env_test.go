package jsonenricher

import (
	"bytes"
	"slices"
	"testing"
)

const reqUID = "da83c434-91f0-4696-a04e-75d08b6d80b2"

func TestRequestUIDFromEnviron(t *testing.T) {
	for _, tc := range []struct {
		name, environ, want string
	}{
		{"absent", "PATH=/bin\x00HOME=/root\x00", ""},
		{"present", "PATH=/bin\x00SPO_EXEC_REQUEST_UID=" + reqUID + "\x00TERM=xterm\x00", reqUID},
		{"last entry without NUL", "A=1\x00SPO_EXEC_REQUEST_UID=" + reqUID, reqUID},
		{"set twice: the last wins", "SPO_EXEC_REQUEST_UID=abc\x00SPO_EXEC_REQUEST_UID=" + reqUID + "\x00", reqUID},
		{"a longer name is another variable", "XSPO_EXEC_REQUEST_UID=abc\x00", ""},
		{"not a UID: dropped", "SPO_EXEC_REQUEST_UID=\"}{\x00", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RequestUIDFromEnviron([]byte(tc.environ)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRequestUIDFromCmdline(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"the webhook's prefix", []string{"env", "SPO_EXEC_REQUEST_UID=" + reqUID, "ls"}, reqUID},
		{"env by path", []string{"/usr/bin/env", "SPO_EXEC_REQUEST_UID=" + reqUID, "ls"}, reqUID},
		{"not env", []string{"sh", "SPO_EXEC_REQUEST_UID=" + reqUID}, ""},
		{"env without it", []string{"env", "A=1", "ls"}, ""},
		{"too short", []string{"env"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RequestUIDFromCmdline(tc.args); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSplitCmdline(t *testing.T) {
	if got := splitCmdline([]byte("sh\x00-c\x00echo a b\x00")); !slices.Equal(got, []string{"sh", "-c", "echo a b"}) {
		t.Fatalf("got %q", got)
	}
	if got := splitCmdline(nil); got != nil {
		t.Fatalf("got %q", got)
	}
}

// FuzzRequestUIDFromEnviron: any environ gives "" or a UID-shaped value
// that the environ really assigns.
func FuzzRequestUIDFromEnviron(f *testing.F) {
	f.Add([]byte("A=1\x00SPO_EXEC_REQUEST_UID=" + reqUID + "\x00"))
	f.Add([]byte("SPO_EXEC_REQUEST_UID=\x00\x00SPO_EXEC_REQUEST_UID"))
	f.Fuzz(func(t *testing.T, environ []byte) {
		got := RequestUIDFromEnviron(environ)
		if got == "" {
			return
		}
		if validUID(got) != got {
			t.Fatalf("returned a value that is not UID-shaped: %q", got)
		}
		if !bytes.Contains(environ, []byte("SPO_EXEC_REQUEST_UID="+got)) {
			t.Fatalf("returned %q, which the environ does not assign", got)
		}
	})
}
