package audit

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// Format writes an event back as an auditd RAW line that Parse reads to
// the same event. Fields Event does not keep are left out; the enricher
// uses it to log records in one canonical form.
func Format(e Event) string {
	head := fmt.Sprintf("type=%s msg=audit(%d.%03d:%d): ", typeName(e.RecordType), e.Stamp.Seconds, e.Stamp.Millis, e.Stamp.Serial)
	switch {
	case e.Seccomp != nil:
		return head + formatSeccomp(e.Seccomp)
	case e.AVC != nil && e.RecordType == TypeUserAVC:
		return head + formatUserAVC(e.AVC)
	case e.AVC != nil:
		return head + avcDecisionText(e.AVC) + " " + formatProcess(e.AVC.Process) + " " + avcTarget(e.AVC)
	case e.AppArmor != nil && e.RecordType == TypeUserAVC:
		return head + "msg='" + formatAppArmor(e.AppArmor) + "'"
	case e.AppArmor != nil:
		return head + formatAppArmor(e.AppArmor)
	}
	return head
}

func typeName(rt int) string {
	switch rt {
	case TypeSeccomp:
		return "SECCOMP"
	case TypeUserAVC:
		return "USER_AVC"
	case TypeAVC:
		return "AVC"
	}
	return fmt.Sprint(rt)
}

func formatProcess(p Process) string {
	s := fmt.Sprintf("pid=%d uid=%d auid=%d ses=%d", p.PID, p.UID, p.AUID, p.Ses)
	if p.Subj != "" {
		s += " subj=" + plain(p.Subj)
	}
	return s + " comm=" + encodeUntrusted(p.Comm) + " exe=" + encodeUntrusted(p.Exe)
}

func formatSeccomp(s *Seccomp) string {
	return fmt.Sprintf("%s sig=%d arch=%x syscall=%d compat=%d ip=0x%x code=0x%x",
		formatProcess(s.Process), s.Sig, s.ArchAudit, s.Syscall, s.Compat, s.IP, s.Code)
}

func avcDecisionText(a *AVC) string {
	d := "granted"
	if a.Denied {
		d = "denied"
	}
	return "avc:  " + d + "  { " + strings.Join(a.Permissions, " ") + " } for "
}

func avcTarget(a *AVC) string {
	perm := 0
	if a.Permissive {
		perm = 1
	}
	return fmt.Sprintf("scontext=%s tcontext=%s tclass=%s permissive=%d", plain(a.SContext), plain(a.TContext), plain(a.TClass), perm)
}

// formatUserAVC keeps the sender outside msg='...' and the decision and
// executable inside, where Parse looks for them.
func formatUserAVC(a *AVC) string {
	outer := a.Process
	outer.Exe = ""
	return fmt.Sprintf("pid=%d uid=%d auid=%d ses=%d subj=%s comm=%s msg='%s exe=%s'",
		outer.PID, outer.UID, outer.AUID, outer.Ses, plain(outer.Subj), encodeUntrusted(outer.Comm),
		avcDecisionText(a)+avcTarget(a), encodeUntrusted(a.Exe))
}

func formatAppArmor(a *AppArmor) string {
	s := fmt.Sprintf("apparmor=%s operation=%s profile=%s name=%s pid=%d comm=%s requested_mask=%s denied_mask=%s",
		plain(a.Result), plain(a.Operation), encodeUntrusted(a.Profile), encodeUntrusted(a.Name), a.PID,
		encodeUntrusted(a.Comm), plain(a.RequestedMask), plain(a.DeniedMask))
	// Only the fields the record kind has, as the kernel writes them.
	if a.Capability != "" {
		s += " capname=" + plain(a.Capability)
	}
	if a.Family != "" || a.SockType != "" || a.Protocol != 0 {
		s += fmt.Sprintf(" family=%s sock_type=%s protocol=%d", plain(a.Family), plain(a.SockType), a.Protocol)
	}
	return s
}

// plain writes a value Parse keeps verbatim: bare when it cannot be
// mistaken for a quoted value or end early, quoted otherwise. Any white
// space counts: a bare value ending the line would lose a trailing \r to
// the line's trimming. A value holding '"' came from a bare token (a quoted
// one cannot hold it), so bare reproduces it.
func plain(v string) string {
	bare := v != "" && v[0] != '"' && v[0] != '\'' && !strings.ContainsFunc(v, unicode.IsSpace)
	if bare || strings.Contains(v, `"`) {
		return v
	}
	return `"` + v + `"`
}

// encodeUntrusted writes a string the way the kernel's
// audit_log_untrustedstring does: quoted when plain printable ASCII,
// hex otherwise. It also hex-encodes ' so the value can sit inside msg='...'.
func encodeUntrusted(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' {
			return strings.ToUpper(hex.EncodeToString([]byte(v)))
		}
	}
	return `"` + v + `"`
}
