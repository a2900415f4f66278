// Package nodereport keeps one node's report on a profile: the
// SecurityProfileNodeStatus named <profile>-<node> and the per-node
// finalizer on the profile.
//
// The contract, shared by the seccomp, SELinux and AppArmor daemons:
//   - AddFinalizer before the first file is written, so deleting the profile
//     always waits for this node to clean up;
//   - Set after every decision (Installed, Error with a reason, Terminating);
//   - on removal: delete the files, then Delete the node status, then
//     RemoveFinalizer, in that order, so nothing outlives its owner.
//
// Clusters moving from the Security Profiles Operator: a report SPO's daemon
// on this node left under the same name is adopted (Adoptable), and SPO's
// "<node>-deleted" finalizer of this node is swapped for this node's own
// (see reconcilers/takeover). Reports carry SPO's labels (Labels).
//
// Finalizers are changed with JSON patches guarded by a test of the list
// itself (see jsonPatchOp), so concurrent nodes never erase each other's
// entries and unrelated writes do not cause conflicts.
package nodereport
