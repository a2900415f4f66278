// Package logfile follows a log file the way `tail -F` does: across
// rotation (rename and recreate) and truncation, so the log-enricher keeps
// reading auditd's log when auditd rotates it.
package logfile
