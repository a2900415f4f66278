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

	// AnnotationKubeletDir on a Node overrides the daemon's --kubelet-dir for
	// that node. An annotation, not a label: label values cannot hold a path.
	AnnotationKubeletDir = "spo.x-k8s.io/kubelet-dir"

	// FinalizerInUse keeps a profile while a pod uses it.
	FinalizerInUse = "spo.x-k8s.io/in-use"
	// NodeFinalizerPrefix starts the per-node finalizer that keeps a profile
	// until that node has removed its files.
	NodeFinalizerPrefix = "node.spo.x-k8s.io/"
)
