package jsonenricher

import (
	"bytes"
	"strings"

	"github.com/secprofiles/spo/webhooks/execmetadata"
)

var envKey = []byte(execmetadata.EnvName + "=")

// RequestUIDFromEnviron returns the exec request UID in a process's
// /proc/<pid>/environ (NUL-separated KEY=VALUE). When the variable is set
// twice, the last one wins, as getenv of most libcs would not guarantee
// but env(1) produces: env appends its assignments after the inherited
// ones only when they are new, and replaces them otherwise.
func RequestUIDFromEnviron(environ []byte) string {
	uid := ""
	for len(environ) > 0 {
		entry := environ
		if i := bytes.IndexByte(environ, 0); i >= 0 {
			entry, environ = environ[:i], environ[i+1:]
		} else {
			environ = nil
		}
		if v, ok := bytes.CutPrefix(entry, envKey); ok {
			uid = string(v)
		}
	}
	return validUID(uid)
}

// RequestUIDFromCmdline returns the UID when args are the webhook's env
// prefix ("env", "SPO_EXEC_REQUEST_UID=<uid>", ...): the record of the
// exec of env itself may be read before env execs the user's command.
func RequestUIDFromCmdline(args []string) string {
	if len(args) < 2 || (args[0] != "env" && !strings.HasSuffix(args[0], "/env")) {
		return ""
	}
	v, ok := strings.CutPrefix(args[1], execmetadata.EnvName+"=")
	if !ok {
		return ""
	}
	return validUID(v)
}

// validUID keeps a UID only when it looks like one the API server issues
// (hex digits and dashes, at most 64 bytes): the environment is the
// workload's to write, and a line must not carry arbitrary bytes under a
// field consumers join on.
func validUID(s string) string {
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return ""
		}
	}
	return s
}

// splitCmdline splits /proc/<pid>/cmdline (NUL-terminated arguments).
func splitCmdline(raw []byte) []string {
	raw = bytes.TrimRight(raw, "\x00")
	if len(raw) == 0 {
		return nil
	}
	parts := bytes.Split(raw, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}
