// Package nodeinstall is the node side every profile kind shares: one
// Reconciler per kind installs that kind's profiles on this node through
// an Installer (a seccomp file, a SELinux module handed to selinuxd, an
// AppArmor profile loaded with apparmor_parser) and reports the outcome.
//
// The contract, the same for every kind:
//
//   - Install while the profile exists, is enabled and is not partial:
//     this node's finalizer first (v1.NodeFinalizer), then Installer.Install,
//     then this node's SecurityProfileNodeStatus Installed with the
//     location the Installer reports.
//   - Installed.Warning (the profile installs, but not entirely as
//     written, e.g. seccomp names unknown on an architecture) goes into
//     the Installed node status as its reason and message, and into a
//     Warning Event when the content changed; the manager turns it into
//     the profile's NodeWarnings condition.
//   - Installed.RecheckAfter installs the profile again after that long,
//     for content that can change where no watch reaches (a seccomp base
//     named by an OCI tag).
//   - A *Error from the Installer is the profile's (or the node's) fault:
//     node status Error with its Reason and message, a Warning Event, and
//     the kind's error metric; not retried until something changes, unless
//     Error.Retry says the node itself failed (a disk, a daemon) and it is
//     worth another try. Any other error is retried with backoff.
//   - Remove when the profile is deleted, disabled or partial: the
//     Installer's Remove, then the node status, then the finalizer, so the
//     profile cannot vanish while the node still has it. A profile being
//     deleted or disabled stays installed while v1.FinalizerInUse (set by
//     reconcilers/workloads for every kind) says a pod runs with it (node
//     status Terminating, or Disabled): removing it would break the pod's
//     next container start. Once the last pod is gone the finalizer goes,
//     and that update removes the profile.
//   - Reconciled again when the operator's SecurityProfilesOperatorDaemon
//     changes (policy applies to every profile), when this node's status
//     object is deleted by hand, and, for kinds whose profiles build on
//     others (seccomp baseProfileName, SELinux inherit), when a profile
//     they build on changes (Reconciler.BuildsOn).
package nodeinstall
