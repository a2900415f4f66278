// Package audit parses kernel audit records (SECCOMP, SELinux AVC and
// AppArmor) into typed events. It is pure: no I/O, so the log-enricher,
// the recorder's tests and the troubleshooting CLI share one parser.
//
// It accepts auditd's log lines in RAW and ENRICHED formats and kernel
// (kmsg/syslog) lines. In ENRICHED lines the interpreted fields after the
// 0x1d byte are ignored: the raw values are the source of truth, because
// the interpretation depends on the machine auditd ran on.
package audit
