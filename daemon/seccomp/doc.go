// Package seccomp is the node side of SeccompProfiles: the pure steps that
// turn a SeccompProfile object into the file a container runtime loads, and
// the loader `spoc run` uses to apply such a file to a process.
//
// NewReconciler is the daemon's node reconciler for SeccompProfiles
// (package nodeinstall does the statuses, finalizers and Events); its
// Installer runs, for each profile:
//
//  1. Validate(&profile.Spec), so that errors point at fields of the object
//     the user wrote;
//  2. Resolve, folding in the baseProfileName chain;
//  3. Validate and CheckPolicy on the resolved spec (a base profile can bring
//     in what the child does not show);
//  4. MarshalOCI, and nodefs.WriteFileAtomic to ProfilePath;
//  5. UnknownSyscalls: names this libseccomp does not know on one of the
//     architectures are kept in the file (the runtime skips them, as runc
//     does) and reported as a warning (ReasonUnknownSyscalls).
//
// Every problem with a profile is an *Error (nodeinstall.Error) whose
// Reason (see ReasonOf) goes into the node status and the error metric
// unchanged; any other error is transient and worth a retry.
//
// Validation uses this node's libseccomp, the same library runtimes build
// filters with, so a profile the daemon accepts is one runc (or crun) on the
// node can load, and BuildFilter mirrors runc's translation rather than
// inventing its own. Requires cgo and libseccomp.
package seccomp
