package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/go-logr/logr"

	"github.com/secprofiles/spo/daemon/enricher/logfile"
)

// fileSource follows a log file across rotation, delivering the lines
// keep accepts (all lines when keep is nil).
type fileSource struct {
	kind string
	path string
	opts Options
	keep func(line string) bool
}

func (s *fileSource) Name() string { return s.kind + ":" + s.path }

func (s *fileSource) Run(ctx context.Context, emit func(line string)) error {
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
		// Follow waits for it; say so, or a node without auditd would
		// just record nothing.
		logr.FromContextOrDiscard(ctx).Info("waiting for the log to appear (is auditd running?)", "path", s.path)
	}
	err := logfile.Follow(ctx, s.path, s.opts.FromStart, s.opts.Poll, func(_ int, line string) {
		if s.keep == nil || s.keep(line) {
			emit(line)
		}
	})
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	return nil
}

// Close exists so every source can be closed alike; files are opened by Run.
func (s *fileSource) Close() error { return nil }

func newAuditd(opts Options) *fileSource {
	return &fileSource{kind: KindAuditd, path: opts.AuditLog, opts: opts}
}

// newSyslog follows the first syslog file that exists: a node has one of
// them, and which one depends on the distribution.
func newSyslog(opts Options) (*fileSource, error) {
	path, err := firstExisting(opts.Syslog)
	if err != nil {
		return nil, err
	}
	return &fileSource{kind: KindSyslog, path: path, opts: opts, keep: syslogAudit}, nil
}

// syslogAudit is a cheap pre-filter: syslog carries every daemon's chatter
// and only lines with an audit(...) stamp can be records, whether the
// kernel wrote them ("kernel: audit: type=1326 audit(...)") or auditd's
// syslog plugin did ("type=SECCOMP msg=audit(...)").
func syslogAudit(line string) bool {
	return strings.Contains(line, "audit(")
}

func firstExisting(paths []string) (string, error) {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err == nil && st.Mode().IsRegular() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("syslog: %w", err)
		}
	}
	return "", fmt.Errorf("syslog: none of %s exists", strings.Join(paths, ", "))
}
