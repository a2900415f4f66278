// Package recordingmerger merges the SeccompProfiles recorded from the
// replicas of a workload into one profile per container, once the
// ProfileRecording that produced them is deleted.
//
// The contract with the node recorder, which creates recorded profiles:
//
//   - Every recorded SeccompProfile carries the labels LabelRecording (the
//     ProfileRecording's name), LabelRecordingNamespace (its namespace) and
//     LabelContainer (the recorded container's name).
//   - When the recording's mergeStrategy is Containers, it also carries
//     v1.LabelPartial: "true". Partial profiles are never installed.
//   - The recorder chooses the names (DESIGN.md: "<recording>-<container>",
//     plus a replica suffix for pods from generateName). The merger does
//     not parse them: it groups partials by the three labels only, so pods
//     with and without generateName merge alike.
//
// What the reconciler does:
//
//   - A ProfileRecording with mergeStrategy Containers holds FinalizerMerge
//     while it exists, so that its deletion waits for the merge. Any other
//     recording never holds it (it is removed if present).
//   - When such a recording is deleted, the partial profiles of each
//     container are merged (Merge) into a SeccompProfile named
//     "<recording>-<container>": not partial, with the three labels, state
//     Disabled when the recording says disableProfileAfterRecording, and the
//     annotation AnnotationCoverage: compact JSON mapping each partial's
//     name to the share of the merged allowed syscalls it had (Coverage).
//     Then the partials are deleted, then the finalizer is released.
//   - If a partial already has the merged name (a pod without generateName
//     whose recorder used the bare name), that object becomes the merged
//     profile in place and is not deleted.
//   - If the merged name is taken by a profile that is not this container's
//     result (another namespace's recording of the same name, or a profile
//     a user wrote), or the partials disagree (different defaultAction),
//     that container is skipped: its partials stay for a person to look at,
//     a Warning Event is emitted on the recording, and the recording is
//     still released. A deletion the merge can never complete must not
//     hang forever; the partials keep everything that was recorded.
//   - Merging is idempotent: a merged profile that exists (from a run
//     interrupted before the partials were deleted) is itself an input, so
//     a second pass neither loses syscalls nor changes the result.
//     Re-recording under the same name later therefore extends the profile.
//
// Label values are limited to 63 characters, so recordings with longer
// names cannot be labelled; the recorder must refuse them.
package recordingmerger
