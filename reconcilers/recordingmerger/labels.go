package recordingmerger

// Labels, annotation and finalizer of recorded profiles. They are the
// contract with the node recorder (see the package documentation) and part
// of the API: renaming one breaks recordings in progress.
const (
	// LabelRecording names the ProfileRecording a profile was recorded for.
	LabelRecording = "spo.x-k8s.io/recording"
	// LabelRecordingNamespace is that ProfileRecording's namespace
	// (profiles are cluster-scoped, recordings are not).
	LabelRecordingNamespace = "spo.x-k8s.io/recording-namespace"
	// LabelContainer names the recorded container.
	LabelContainer = "spo.x-k8s.io/container"

	// AnnotationCoverage on a merged profile is compact JSON mapping each
	// merged partial profile's name to the share (0 to 1, two decimals) of
	// the merged allowed syscalls it had.
	AnnotationCoverage = "spo.x-k8s.io/syscall-coverage"

	// FinalizerMerge holds a ProfileRecording with mergeStrategy Containers
	// until its partial profiles are merged.
	FinalizerMerge = "spo.x-k8s.io/merge-partial-profiles"
)
