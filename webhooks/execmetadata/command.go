package execmetadata

import (
	"strings"
)

// EnvName is the variable that carries the exec request's UID (SPO's name).
const EnvName = "SPO_EXEC_REQUEST_UID"

// envAssign is how the variable appears in a command.
const envAssign = EnvName + "="

// Rewrite returns the command that runs cmd with EnvName set to uid:
// "env EnvName=uid cmd...". It is idempotent: a command this function
// already rewrote (the webhook may be called again on reinvocation or
// retries) gets its prefix replaced, not doubled. Every other occurrence
// of EnvName= in an argument has its value (up to the next space, quote or
// semicolon) replaced with uid, so the user cannot pass a forged UID on
// to the exec'd process through its arguments.
func Rewrite(cmd []string, uid string) []string {
	if len(cmd) >= 2 && cmd[0] == "env" && strings.HasPrefix(cmd[1], envAssign) {
		cmd = cmd[2:]
	}
	out := make([]string, 0, len(cmd)+2)
	out = append(out, "env", envAssign+uid)
	for _, a := range cmd {
		out = append(out, overwrite(a, uid))
	}
	return out
}

// overwrite replaces the value of every EnvName= in arg with uid.
func overwrite(arg, uid string) string {
	if !strings.Contains(arg, envAssign) {
		return arg
	}
	var b strings.Builder
	for {
		i := strings.Index(arg, envAssign)
		if i < 0 {
			b.WriteString(arg)
			return b.String()
		}
		b.WriteString(arg[:i+len(envAssign)])
		b.WriteString(uid)
		rest := arg[i+len(envAssign):]
		end := strings.IndexAny(rest, " \t\n;'\"&|")
		if end < 0 {
			return b.String()
		}
		arg = rest[end:]
	}
}
