// Package nodestatus is the manager's view of how a profile is doing across
// the cluster. Each node's daemon reports on a profile in a
// SecurityProfileNodeStatus; this reconciler folds those reports into the
// profile's status.status (the lowest node state), its Ready condition and,
// for seccomp, the path and localhostProfile pods use.
//
// It also prunes: a node that disappeared without cleaning up would leave its
// finalizer on every profile, and deleting any profile would hang in
// Terminating. Finalizers and reports of nodes that no longer exist are
// removed, after checking the node list against the API server itself rather
// than the cache, which may not yet know a node that was just added.
//
// Summaries are pure functions (summary.go); this file's reconciler only
// reads and writes.
package nodestatus
