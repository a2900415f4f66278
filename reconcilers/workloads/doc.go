// Package workloads tracks which pods use which SeccompProfile, so that a
// profile cannot disappear from the nodes while a container may still need
// it.
//
// The contract:
//
//   - A pod uses SeccompProfile "X" when its pod-level seccompProfile, or that
//     of any container, init container or ephemeral container, is
//     {type: Localhost, localhostProfile: "operator/X.json"}: the value the
//     operator publishes in the profile's status.localhostProfile. Other
//     localhost files are not ours and are ignored (SeccompProfilesOf).
//   - A pod stops using its profiles once it has finished (phase Succeeded or
//     Failed), or once it is being deleted and every one of its containers
//     has terminated. A pod that is merely being deleted still counts: its
//     containers may run until the kubelet stops them (MayRun).
//   - The reconciler writes the pods that use a profile, as sorted
//     "namespace/name", to status.activeWorkloads, and holds the finalizer
//     v1.FinalizerInUse on the profile exactly while that list is not
//     empty. It owns only those two things: status.status and the conditions
//     belong to the nodestatus reconciler, and the patches sent here never
//     contain them.
//   - A profile that is already being deleted never gains the finalizer: a
//     pod created after the user deleted the profile must not keep it alive.
//     Such a pod fails to start once the nodes remove the file, which is the
//     answer the user asked for by deleting the profile.
//
// The manager caches every pod in the cluster for this; TransformPod strips
// cached pods down to the fields this package (and the binding-status
// reconciler) read, and must be installed on the manager's cache for pods.
package workloads
