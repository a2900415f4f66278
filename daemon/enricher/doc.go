// Package enricher is the node-local log enricher: it attributes kernel
// audit records (SECCOMP, SELinux AVC, AppArmor; parsed by package audit)
// to the container, pod and recording that caused them, writes one
// structured log line and one metric increment per record (records held
// until their pod is known are logged aggregated, see below), and keeps
// what recordings need until the daemon collects it over gRPC.
//
// # Attribution
//
// A record names a pid. Collector.Add reads /proc/<pid>/cgroup at once
// (the process may exit right after) to find the container id, caching
// pid → id for a short TTL because pids are reused. Records of host
// processes are ignored.
//
// A process on its way out cannot say where it ran: once gone from /proc,
// or, while still there, once it has started exiting (a zombie not
// reaped yet), because on cgroup v1 the kernel shows an exiting task's
// cgroup as the root's (proc_cgroup_show, kernel/cgroup/cgroup.c), which
// reads like a host process. Such a process is recognized by its
// /proc/<pid>/stat (state Z or X, or PF_EXITING in its flags); its record
// is attributed through the pid's earlier cache entry when that entry
// named the same executable (its exit_group typically arrives after it
// exited), and otherwise dropped as
// security_profiles_operator_log_enricher_dropped_events_total{reason="process_exited"};
// it is never cached as a host process.
//
// # Records of a container whose pod is not known yet
//
// A PodIndex maps the container id to its Workload (namespace, pod,
// container, recording keys). The kubelet writes a container's id into
// the pod status only after the container started, so records of a
// container whose pod is not known yet are held and attributed when the
// pod watch calls Resolve. On a real node a container made 215–229
// SECCOMP records before that (runc init alone ~200 under a log-everything
// filter), so holding records one by one under a cap lost the workload's
// first syscalls whenever the kubelet was slow. They are held aggregated
// instead: one entry per distinct record, with a repeat count, where
// records are the same when everything recordings, filters, metrics and
// log lines use of them is, the pid aside (pending.go, heldKey). So the
// set of syscalls a recording needs is kept however many records there
// are, and memory grows with distinct records only. When the pod is
// known, each entry is collected once, counted in the metrics as many
// times as it repeated, and logged as one line with "repeats" (the count,
// when above 1) and the pid of its first record: log lines of held
// records are aggregated, metrics are exact, and a filter on pid sees
// that first pid.
//
// Bounds: PendingDistinct (1024; the syscall table has ~450 entries)
// distinct entries per container, PendingContainers (128) containers,
// PendingAge (2m). A new distinct record beyond PendingDistinct is
// dropped (repeats of held ones never are), with a log line at the first
// such drop and a total when the container resolves or expires; the
// longest-waiting container is dropped for a new one beyond
// PendingContainers; a container whose pod did not show up within
// PendingAge is dropped. Every dropped record is counted in
// security_profiles_operator_log_enricher_dropped_events_total (reason
// too_many or too_old) and logged with the container id.
//
// # Recordings
//
// A container is recorded when its pod carries a recording annotation
// for it (webhooks/recording.ParseAnnotation); what is collected is kept
// under RecordingKey, the pod's UID and the container's name, never the
// annotation's value, which the pod's user could copy onto another pod to
// read or reset a recording that is not theirs. Per key the collector
// keeps distinct values only, so memory grows with what a workload does,
// not with how often: seccomp (io.containers.trace-logs/) → syscall names,
// architecture, executables and unresolved "<arch>:<number>"s (never a
// made-up name); SELinux (io.containers.trace-avcs/) → per (scontext,
// tcontext, tclass) the permissions; AppArmor
// (io.containers.trace-bpf-apparmor/) → distinct accesses (operation,
// path and mask, capability, or socket family/type/protocol). Server
// serves them as api/grpc/enricher/v1 LogEnricher on a Unix socket
// (DefaultSocket); a key nothing was collected for is NotFound.
//
// # Log lines, metrics, filters
//
// Each attributed record gives a log line (keys node, namespace, pod,
// container, containerID, executable, type, then the kind's fields) and
// increments security_profiles_operator_{seccomp,selinux,apparmor}_profile_audit_total;
// a held entry standing for n records gives one line with "repeats"=n
// and adds n.
//
// Filters (SPOD spec.enricher.logEnricherFilters, a JSON string, in SPO's
// format or spo's own; package logfilter) decide which records are logged
// and counted. An unparsable list stops the enricher at start, but the
// manager refuses to render such an SPOD first.
// A rate limit (lines per second, burst) then bounds the log lines only,
// with a periodic line saying how many were suppressed (an aggregated
// line is one line to it).
//
// Filters and the rate limit never touch what recordings collect: a
// syscall filtered out of a recorded profile would make the workload fail
// under that profile.
package enricher
