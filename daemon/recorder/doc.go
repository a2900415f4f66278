// Package recorder is the daemon's side of in-cluster recording: it watches
// the pods of its own node that the recording webhook annotated
// (webhooks/recording), drives the node services that record them (the bpf
// recorder, the log enricher) and turns what they recorded into a
// SeccompProfile, SelinuxProfile or AppArmorProfile.
//
// The contract:
//
//   - Only this node's pods are cached (field selector spec.nodeName, see
//     TransformPod), so the daemon's memory does not grow with the cluster.
//   - Each container annotated "<prefix><container>" is one recording. Its
//     identity is the pod UID and container name (State.ID, the state
//     file's name); the annotation value (recording.Annotation.Value, the
//     key) is only the name the node services know it by. A pod's
//     annotations are its user's to write, so before anything is recorded
//     Refusal checks what the recording webhook would have: the pod's
//     namespace carries v1.LabelEnableRecording, the container exists in
//     the pod, and no other pod on the node records under the same key
//     (the log enricher keeps data by key). A refused annotation is a
//     Warning ReasonRecordingRefused on the pod and a done record, so it
//     is reported once. An annotation changed after the start changes
//     nothing: the record made at the start holds. The prefix says what is recorded: PrefixBpf SeccompProfile
//     from the bpf recorder, PrefixLogs SeccompProfile from the enricher's
//     syscalls, PrefixAvcs SelinuxProfile from the enricher's AVCs,
//     PrefixBpfAppArmor AppArmorProfile from the bpf recorder's executables
//     and the enricher's AppArmor decisions (optional: without an enricher
//     the executables alone make the profile).
//   - Start at Pending: the first time a recording is seen its
//     ProfileRecording is read once (mergeStrategy,
//     disableProfileAfterRecording) and a State record is written to the
//     state directory (Store, one JSON file per key, written atomically).
//     For bpf recordings Start("", key) attaches the program before the
//     container runs (from then on every container on the node is recorded
//     from its first syscall), and Start(containerID, key) claims the
//     container's recording as soon as the pod status names it, which the
//     kubelet does only after the container ran.
//   - Collect when the container terminated for good (the kubelet will not
//     restart it under the pod's or its own restartPolicy), the pod
//     Succeeded or Failed, or the pod is gone (its records are found by
//     namespace/name; a record of an older pod with the same name counts as
//     gone). A container the kubelet restarts is one recording: every
//     incarnation the pod status names (containerID, lastState) is
//     registered and collected into the one profile; incarnations the
//     recorder holds nothing of, or that ran unseen (restartCount ahead),
//     are named in v1.AnnotationRecordingMissed and a RecordingGap Event.
//   - Build: SeccompSpec, SelinuxSpec, AppArmorSpec are pure functions of
//     the recorded data. The profile is named ProfileName
//     ("<recording>-<container>", plus the generated part of the pod name
//     for pods from generateName, or the nonce for partial profiles of pods
//     without one), carries the recordingmerger labels (v1.LabelPartial
//     when mergeStrategy is Containers), v1.LabelRecordingUID with the
//     ProfileRecording's UID, AnnotationRecordedFrom ("<key>/<pod UID>"),
//     v1.AnnotationRecordingGap when the bpf recorder restarted during the
//     recording, and state Disabled when disableProfileAfterRecording. Recording names
//     that cannot be label values, or profile names that are not DNS
//     subdomains, are refused with a Warning Event and no profile.
//   - Exactly once, and only into what this recording owns: the profile is
//     created; if its name exists, it is written only when Owned (the
//     recording, namespace, container and recording-UID labels all match:
//     the same ProfileRecording made it). Owned with this RecordedFrom
//     value: the work was done; owned otherwise: it is extended (a union,
//     so repeats are harmless). Anything else (made by hand, copied
//     labels, an earlier recording of the same name) is never written: a
//     Warning ReasonProfileConflict on the pod and the ProfileRecording,
//     and the collection retried with backoff until a person resolves it. Only after the profile exists is the record marked Done and
//     the services told to forget (Stop, Reset*). Nothing recorded (NotFound
//     from the service, e.g. the container never ran) is a Warning
//     RecordingEmpty and no profile.
//   - Done records stay as tombstones until the pod is gone, so a finished
//     pod that is reconciled again (or after a restart) is never recorded
//     twice; then the file is removed.
//   - Restart-safe: at start every record's pod is enqueued, so recordings
//     whose pods vanished while the daemon was down are still collected.
//   - The services are dialed lazily through Services (Sockets in the
//     daemon): a service that is not deployed produces a Warning Event that
//     names it, never a daemon failure.
//   - Events (reasons Reason*) go to the pod and to the ProfileRecording.
package recorder
