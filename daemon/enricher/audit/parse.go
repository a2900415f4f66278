package audit

import (
	"strconv"
	"strings"
)

// enrichedSep starts the interpreted fields auditd appends in ENRICHED
// format.
const enrichedSep = "\x1d"

var recordTypes = map[string]int{
	"SECCOMP": TypeSeccomp, "1326": TypeSeccomp,
	"AVC": TypeAVC, "1400": TypeAVC,
	"USER_AVC": TypeUserAVC, "1107": TypeUserAVC,
}

// Parse parses one log line. Lines without an audit record give
// ErrNotAudit, records of other types ErrUnsupported, and broken records
// an error wrapping ErrMalformed.
func Parse(line string) (Event, error) {
	line, _, _ = strings.Cut(strings.TrimRight(line, "\r\n"), enrichedSep)
	typ, rest, ok := findRecord(line)
	if !ok {
		return Event{}, ErrNotAudit
	}
	rt, known := recordTypes[typ]
	if !known {
		return Event{}, ErrUnsupported
	}
	stamp, body, err := parseStamp(rest)
	if err != nil {
		return Event{}, err
	}
	f, err := tokenize(body)
	if err != nil {
		return Event{}, err
	}
	ev, err := parseBody(rt, f)
	ev.RecordType, ev.Stamp = rt, stamp
	return ev, err
}

// findRecord finds "type=T msg=audit(" (auditd) or "type=T audit("
// (kernel, after any kmsg or syslog prefix) and returns T and the text
// after "audit(".
func findRecord(line string) (typ, rest string, ok bool) {
	for i := 0; ; {
		j := strings.Index(line[i:], "type=")
		if j < 0 {
			return "", "", false
		}
		at := i + j
		i = at + len("type=")
		if at > 0 && line[at-1] != ' ' {
			continue
		}
		typ, after := cut(line[i:])
		if r, found := strings.CutPrefix(after, " msg=audit("); found {
			return typ, r, true
		}
		if r, found := strings.CutPrefix(after, " audit("); found {
			return typ, r, true
		}
	}
}

// parseStamp parses "SEC.MSEC:SERIAL): " and returns the body after it.
func parseStamp(s string) (Stamp, string, error) {
	inner, body, ok := strings.Cut(s, "):")
	if !ok {
		return Stamp{}, "", errorf("unterminated audit(...) stamp")
	}
	secs, rest, ok1 := strings.Cut(inner, ".")
	millis, serial, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || len(millis) != 3 {
		return Stamp{}, "", errorf("bad audit stamp %q", inner)
	}
	var st Stamp
	var err1, err2, err3 error
	st.Seconds, err1 = strconv.ParseInt(secs, 10, 64)
	st.Millis, err2 = strconv.Atoi(millis)
	st.Serial, err3 = strconv.ParseUint(serial, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || st.Seconds < 0 || st.Millis < 0 || !digits(secs+millis+serial) {
		return Stamp{}, "", errorf("bad audit stamp %q", inner)
	}
	return st, body, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseBody picks the event kind from the body's content: type 1400
// carries both SELinux and AppArmor decisions.
func parseBody(rt int, f fields) (Event, error) {
	if rt == TypeSeccomp {
		s, err := parseSeccomp(f)
		return Event{Kind: KindSeccomp, Seccomp: s}, err
	}
	if rt == TypeUserAVC {
		// Userspace AVCs wrap the decision in msg='...'.
		inner, err := userMsg(f)
		if err != nil {
			return Event{}, err
		}
		if _, ok := inner.get("apparmor"); ok {
			a, err := parseAppArmor(inner)
			return Event{Kind: KindAppArmor, AppArmor: a}, err
		}
		a, err := parseUserAVC(f, inner)
		return Event{Kind: KindSELinux, AVC: a}, err
	}
	if _, ok := f.get("apparmor"); ok {
		a, err := parseAppArmor(f)
		return Event{Kind: KindAppArmor, AppArmor: a}, err
	}
	a, err := parseAVC(f)
	return Event{Kind: KindSELinux, AVC: a}, err
}

func userMsg(f fields) (fields, error) {
	t, ok := f.get("msg")
	if !ok || !t.quoted {
		return nil, errorf("USER_AVC without msg='...'")
	}
	return tokenize(t.value)
}
