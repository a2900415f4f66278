package source

import "context"

// Source delivers kernel audit lines, one call of emit per line, until ctx
// is done or the source fails. Lines are in any format audit.Parse reads
// (auditd RAW/ENRICHED, kmsg, syslog); lines that are not audit records may
// be delivered too and are skipped by the parser.
type Source interface {
	// Name says where lines come from, for logs: "auditd:/var/log/audit/audit.log".
	Name() string
	// Run blocks. emit is called from one goroutine at a time.
	Run(ctx context.Context, emit func(line string)) error
}
