package v1

// Labels, annotations and finalizers that users and other components rely
// on. They are part of the API: renaming one breaks existing clusters.
const (
	// LabelEnableBinding opts a namespace in to the binding webhook.
	LabelEnableBinding = "spo.x-k8s.io/enable-binding"
	// LabelEnableRecording opts a namespace in to the recording webhook.
	LabelEnableRecording = "spo.x-k8s.io/enable-recording"
	// LabelPartial marks a recorded profile that waits to be merged.
	LabelPartial = "spo.x-k8s.io/partial"
	// LabelRecordingUID on a recorded profile is the UID of the
	// ProfileRecording that created it. With the recording's name,
	// namespace and container labels it is what lets a later recording of
	// the same ProfileRecording extend the profile; a profile without it
	// (made by hand, or by an older recording of the same name) is never
	// adopted.
	LabelRecordingUID = "spo.x-k8s.io/recording-uid"

	// AnnotationRecordingGap on a recorded profile says the bpf recorder
	// restarted while the container ran, so syscalls made in between may
	// be missing; its value names the container(s) concerned.
	AnnotationRecordingGap = "spo.x-k8s.io/recording-gap"

	// AnnotationRecordingMissed on a recorded profile names what of the
	// recorded container was not recorded: incarnations of a container that
	// restarted which the recorder held nothing of (it ran before the
	// recorder, or while it restarted), or that ran unseen between two
	// looks at the pod.
	AnnotationRecordingMissed = "spo.x-k8s.io/recording-missed"

	// AnnotationKubeletDir on a Node overrides the daemon's --kubelet-dir for
	// that node. An annotation, not a label: label values cannot hold a path.
	AnnotationKubeletDir = "spo.x-k8s.io/kubelet-dir"

	// FinalizerInUse keeps a profile while a pod uses it.
	FinalizerInUse = "spo.x-k8s.io/in-use"
	// NodeFinalizerPrefix starts the per-node finalizer that keeps a profile
	// until that node has removed its files.
	NodeFinalizerPrefix = "node.spo.x-k8s.io/"
)

// Labels the Security Profiles Operator puts on recorded profiles and node
// statuses. spo writes them as well, so that the label selectors people
// and dashboards use with SPO keep finding the same objects.
const (
	// LabelRecordingID on a recorded profile is the ProfileRecording's name.
	LabelRecordingID = "spo.x-k8s.io/recording-id"
	// LabelContainerID on a recorded profile is the recorded container's name.
	LabelContainerID = "spo.x-k8s.io/container-id"

	// LabelProfileID on a node status is "<kind>-<profile>" (see ProfileID).
	LabelProfileID = "spo.x-k8s.io/profile-id"
	// LabelNodeName on a node status is its node (see LabelValue).
	LabelNodeName = "spo.x-k8s.io/node-name"
	// LabelProfileState on a node status mirrors status.status, so that
	// failed nodes can be selected by label.
	LabelProfileState = "spo.x-k8s.io/profile-state"
	// LabelProfileKind on a node status is the profile's kind.
	LabelProfileKind = "spo.x-k8s.io/profile-kind"
)
