package source

import (
	"fmt"
	"time"
)

// Kinds New accepts.
const (
	KindAuto    = "auto"
	KindAuditd  = "auditd"
	KindSyslog  = "syslog"
	KindNetlink = "netlink"
)

// Defaults for Options' empty fields.
const (
	DefaultAuditLog = "/var/log/audit/audit.log"
	DefaultPoll     = 200 * time.Millisecond
)

// DefaultSyslog lists the syslog files tried in order: Debian/Ubuntu
// write kernel messages to the first, RHEL/SUSE to the second.
var DefaultSyslog = []string{"/var/log/syslog", "/var/log/messages"}

// Options configure New. Zero values mean the defaults above.
type Options struct {
	// AuditLog is auditd's log file.
	AuditLog string
	// Syslog lists candidate syslog files; the first that exists is used.
	Syslog []string
	// FromStart reads files from their beginning instead of their end
	// (tests, and re-reading a log after the fact). Netlink has no past.
	FromStart bool
	// Poll is how often files are checked for new lines and rotation.
	Poll time.Duration
}

func (o Options) withDefaults() Options {
	if o.AuditLog == "" {
		o.AuditLog = DefaultAuditLog
	}
	if len(o.Syslog) == 0 {
		o.Syslog = DefaultSyslog
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	return o
}

// New returns the source of the given kind: "auto", "auditd", "syslog" or
// "netlink". A netlink source joins the multicast group here, so records
// are buffered from New on and a refusal is reported now, not at Run.
// Every source New returns is an io.Closer: Run closes it when it returns;
// call Close on a source that will never Run.
func New(kind string, opts Options) (Source, error) {
	opts = opts.withDefaults()
	switch kind {
	case KindAuditd:
		return newAuditd(opts), nil
	case KindSyslog:
		return newSyslog(opts)
	case KindNetlink:
		return newNetlink()
	case KindAuto:
		return newAuto(opts)
	default:
		return nil, fmt.Errorf("unknown audit source %q: want one of %s, %s, %s, %s",
			kind, KindAuto, KindAuditd, KindSyslog, KindNetlink)
	}
}
