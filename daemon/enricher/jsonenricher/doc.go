// Package jsonenricher is the JSON enricher: one JSON line per process
// exec'd in a container of this node, with the pod it ran in, its command
// line, its uid/gid and, when kubectl exec started it, the exec request's
// UID (requestUID) that the execmetadata webhook put into its environment.
//
// # Source
//
// Lines come from the kernel's SECCOMP audit records of execve and
// execveat, read by the log enricher's sources (auditd's log or the audit
// netlink group, package source): the workload runs under a seccomp
// profile that logs execve (SCMP_ACT_LOG), as SPO's JSON enricher asks.
// Those records need no audit rules and no BPF, and they are what the
// existing sources already deliver on every node where the log enricher
// works. The record is written when the process enters execve and names
// the caller's executable, so the details come from /proc/<pid>: read
// (concurrently, bounded) until the process no longer runs the caller's
// program, for at most about 10 ms (a failed exec never changes it).
//
// auditd's log reaches the enricher hundreds of milliseconds after the
// exec, and `kubectl exec POD -- cat FILE` has exited by then. So the
// enricher also listens to the kernel's exec events (ExecEvents: the
// process events connector, no BPF) and reads every container process
// right after its exec into Execs, for 30 s; a record whose process is
// gone is described from there (Execs.find pairs an exec record with the
// image that followed the caller's). The events are read on a thread of
// their own, each process as its event arrives, and still a process that
// exits within microseconds may be missed or read only partly (readExec).
// A line whose process could not be read carries what the record itself
// says (exe, uid) and processGone set, and a process whose container is
// unknown gets no line.
//
// # Request UID
//
// The webhook rewrites `kubectl exec POD -- CMD` into
// `env SPO_EXEC_REQUEST_UID=<uid> CMD`: env sets the variable and execs
// CMD, whose children inherit it. The enricher reads it from
// /proc/<pid>/environ, or from the command line while the process still
// is that env.
//
// # Interval (auditLogIntervalSeconds)
//
// With Config.Interval (the DaemonSet always sets it, 60 s unless the SPOD
// says otherwise, as SPO), every SECCOMP record of a container process is
// aggregated per process image: the first record opens a bucket and the
// process is read from /proc then; later records add their syscall. The
// bucket's line is written when the interval has passed, when the process
// has exited (checked every second), or at once when the process execs
// again; so a line is one program run (or one interval of a long one),
// with syscalls listing what it was logged making, and volume is bounded
// by processes, not by records (DESIGN §6.8). Without an interval (only
// `spo json-enricher --interval-seconds=0`) each exec record is written as
// it arrives and other records are ignored.
//
// # Filters and output
//
// jsonEnricherFilters are parsed by package logfilter (SPO's format or
// spo's own) and see each line as a seccomp record: of its exec without
// an interval, of each of its syscalls with one (a syscall dropped is left
// out of the line, a line with none left is not written).
// Lines go to stdout or to a file rotated by size (Writer).
package jsonenricher
