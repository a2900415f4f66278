// Package takeover decides what spo does with the finalizers the Security
// Profiles Operator (SPO) left on objects, so that a cluster moving from SPO
// to spo keeps its objects as they are and can still delete them.
//
// Every SPO finalizer stands for a job spo does in one of its own
// components (an Owner): the daemon of a node removes that node's files,
// workloads keeps profiles that pods use, recordingmerger merges partial
// profiles. That component swaps SPO's finalizer for its own (Swap) the
// first time it sees the object, and from then on only its own counts.
// Where spo does the job without a finalizer (it does not hold bindings or
// recordings while pods use them, it never installs partial profiles) SPO's
// finalizer is simply dropped.
//
// An object that is already being deleted cannot get a new finalizer, so
// there SPO's finalizer stays and stands in for spo's own until the owner
// would release its own (Release removes both).
//
// The decisions are pure functions over finalizer lists; the reconcilers
// and the daemon's node reporter do the writes.
package takeover
