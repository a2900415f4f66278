// Package enricher is the node-local log enricher: it attributes kernel
// audit records (SECCOMP, SELinux AVC, AppArmor; parsed by package audit)
// to the container, pod and recording that caused them, writes one
// structured log line and one metric increment per record, and keeps what
// recordings need until the daemon collects it over gRPC.
//
// # Attribution
//
// A record names a pid. Collector.Add reads /proc/<pid>/cgroup at once
// (the process may exit right after) to find the container id, caching
// pid → id for a short TTL because pids are reused. A PodIndex maps the
// container id to its Workload (namespace, pod, container, recording
// keys). The kubelet writes a container's id into the pod status only
// after the container started, so records of a container whose pod is
// not known yet are held (bounded in count per container, in containers
// and in age) and attributed when the pod watch calls Resolve; records
// held too long are dropped with a log line and
// security_profiles_operator_log_enricher_dropped_events_total.
// Records of host processes are ignored.
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
// increments security_profiles_operator_{seccomp,selinux,apparmor}_profile_audit_total.
//
// Filters (SPOD spec.enricher.logEnricherFilters, a JSON string, in SPO's
// format or spo's own; package logfilter) decide which records are logged
// and counted. An unparsable list stops the enricher at start, but the
// manager refuses to render such an SPOD first.
// A rate limit (lines per second, burst) then bounds the log lines only,
// with a periodic line saying how many were suppressed.
//
// Filters and the rate limit never touch what recordings collect: a
// syscall filtered out of a recorded profile would make the workload fail
// under that profile.
package enricher
