// Package bindings keeps each ProfileBinding's status.activeWorkloads: the
// pods, as sorted "namespace/name", that the binding has bound.
//
// The admission webhook (webhooks/binding) cannot write this: admission
// must be free of side effects, and a pod admitted is not yet a pod created.
// So this reconciler looks at the pods that exist instead.
//
// The contract:
//
//   - A pod counts for a binding when it lives in the binding's namespace,
//     the binding's podSelector matches it, and a container with the
//     binding's image (or, for "*", the pod itself) carries the binding's
//     profile reference in the binding's field: binding.Bound, the same
//     question the webhook answers. A pod counts for every binding whose
//     reference it carries, not only for the one the webhook chose.
//   - A pod stops counting once it can no longer run a container
//     (workloads.MayRun): a finished pod is not an active workload.
//   - The reference is read from the profile (status.localhostProfile,
//     status.usage, or the AppArmor profile name); while the profile is
//     missing or has not published it, no pod counts.
//   - The reconciler writes status.activeWorkloads and nothing else, with a
//     merge patch, and only when the list changed.
//
// It reads pods from the manager's cache, which stores them stripped by
// workloads.TransformPod; labels, container images and security contexts,
// and the phase are all it needs.
package bindings
