// Package nodestatus is the manager's view of how a profile is doing across
// the cluster. Each node's daemon reports on a profile in a
// SecurityProfileNodeStatus; this reconciler folds those reports into the
// profile's status.status (the lowest node state), its Ready condition and,
// for seccomp, the path and localhostProfile pods use.
//
// It also prunes: a node that disappeared without cleaning up would leave its
// finalizer on every profile, and deleting any profile would hang in
// Terminating. The same goes for a node the daemon no longer runs on because
// the SPOD's scheduling, or the node's labels or taints, changed: its daemon
// pod is gone and nothing would ever remove its finalizer. Finalizers
// (node.spo.x-k8s.io/<node>) and reports (SecurityProfileNodeStatus) of
// nodes that no longer exist or that the DaemonSet spo-daemon no longer
// targets (Targeted: nodeName, nodeSelector, required node affinity,
// untolerated NoExecute taints — as the DaemonSet controller decides whether
// a running daemon pod stays) are removed, after checking nodes and
// DaemonSet against the API server itself rather than the cache, which may
// not yet know a node that was just added. Without a DaemonSet (none
// configured, or deleted) every node counts as targeted: nothing is pruned
// that might still run a daemon. The expected number of reports, which
// decides Installed, is the number of targeted nodes.
//
// Summaries are pure functions (summary.go); this file's reconciler only
// reads and writes.
package nodestatus
