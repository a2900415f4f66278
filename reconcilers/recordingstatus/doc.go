// Package recordingstatus keeps ProfileRecording status.activeWorkloads in
// step with the pods being recorded, in the manager.
//
// The contract:
//
//   - A pod counts for a recording when it is in the recording's namespace,
//     carries a recording annotation (webhooks/recording, any of the four
//     prefixes) whose value names the recording, and is not finished: its
//     phase is not Succeeded or Failed and it is not being deleted.
//   - status.activeWorkloads is the sorted list of those pods' names (the
//     recording is namespaced, so names are enough). It is written through
//     the status subresource, and only when it changed.
//   - Pods are read from the manager's cache, stripped by
//     workloads.TransformPod, which keeps exactly the recording annotations.
//   - A pod event reconciles the recordings named in its annotations (old
//     and new, so a pod that stops counting is removed); a recording is
//     reconciled when it is created or its spec changes.
package recordingstatus
