// Package recording is the admission webhook that marks pods for recording:
// for every ProfileRecording whose podSelector matches a pod being created,
// it annotates the selected containers so that the node's recorder (bpf or
// log enricher) knows what to record and which recording it belongs to.
//
// The contract:
//
//   - Only pod CREATE is handled, at webhooks.RecordingPath. Recordings are
//     read from the manager's cache, namespace-scoped; a recording that is
//     being deleted selects nothing (it is waiting to merge, not recording).
//   - A recording selects the pod when spec.podSelector matches the pod's
//     labels (an empty selector matches every pod, as everywhere in
//     Kubernetes; the namespace opt-in label is what limits the webhook's
//     reach), and within it every container and init container, or only
//     those named in spec.containers (names the pod does not have are
//     ignored, so one recording can cover several workloads).
//   - Each selected container gets the annotation
//     "<prefix><container>": "<recording>_<container>_<nonce>_<unix-seconds>"
//     (Annotation, ParseAnnotation). The prefix says what is recorded:
//     PrefixBpf (SeccompProfile, Bpf), PrefixLogs (SeccompProfile, Logs),
//     PrefixAvcs (SelinuxProfile, Logs), PrefixBpfAppArmor (AppArmorProfile,
//     Bpf). The nonce is 5 random lowercase alphanumerics, one per pod, so
//     replicas of one workload record into different profiles. A pod with
//     such an annotation also gets the label spo.x-k8s.io/enable-recording
//     "true": a daemon under SPOD enableMemoryOptimization caches only
//     labelled pods.
//   - No spoofing: every annotation of the incoming pod whose key starts
//     with one of the four prefixes is removed before the webhook adds its
//     own, with a warning, whether or not a recording matches. This only
//     covers the namespaces the webhook selects, and only while it is up
//     (failurePolicy Ignore by default), so it is not what the cluster
//     relies on: see "Admission policies" below.
//   - The Logs recorder only sees what the kernel logs, so the container
//     also gets a profile that logs everything: for SeccompProfile, seccomp
//     Localhost LogEverythingLocalhostProfile (the operator installs the
//     SCMP_ACT_LOG profile LogEverythingProfile); for SelinuxProfile, the
//     SELinux type SELinuxRecordingType (other SELinux options of the
//     container, or inherited from the pod, are kept). Replacing a different
//     effective value produces a warning.
//   - Two recordings selecting the same container with the same prefix: the
//     oldest (creationTimestamp, then name) wins, with a warning naming the
//     other.
//   - A kind/recorder pair that has no prefix (refused by the CRD's CEL
//     rules, checked again here) denies the pod with a message naming the
//     recording. A recording whose selector cannot be parsed is skipped with
//     a warning.
//   - Admission is side-effect free: the handler only reads. Every decision
//     is logged (pod, container, recording, annotation) with the logger in
//     the request's context. The response is a JSON patch touching only what
//     the webhook changed (fields it does not know are kept), or no patch
//     when nothing changed.
//
// Admission policies (config/policy, shipped in config/default and the helm
// chart) hold what this webhook cannot promise on its own, and are
// evaluated by the API server in every namespace whether or not the
// webhook is reachable:
//
//   - The MutatingAdmissionPolicy spo-recording-annotations removes the
//     recording annotations a client wrote on every pod being created,
//     before any mutating webhook runs (the API server runs admission
//     policies first). A recording annotation on a new pod was therefore
//     set by this webhook (or another webhook an administrator installed).
//     This is why a down webhook, or a namespace it does not select, cannot
//     be used to smuggle one in, without making failurePolicy Fail
//     mandatory.
//   - The ValidatingAdmissionPolicy spo-recording, which runs after all
//     mutation, refuses a pod on CREATE whose container or init container
//     uses LogEverythingLocalhostProfile (compared after the cleaning the
//     kubelet applies: "." and empty path segments are ignored) without the
//     PrefixLogs annotation of that same container, or SELinuxRecordingType
//     without its PrefixAvcs annotation; pod-level use of either, and new
//     ephemeral containers using either, are always refused. The message
//     names the container and the field.
//   - The same policy refuses any UPDATE of a pod or of its subresources
//     that adds, changes or removes a recording annotation. This webhook
//     therefore handles CREATE only: a policy with oldObject needs no
//     webhook round trip, holds in every namespace and cannot be switched
//     off through the SPOD's failurePolicy or selectors.
//
// TestPolicyMatchesWebhook keeps the policies' CEL in step with this
// package's constants, FuzzPolicyPathIsTheKubeletsFile checks the path
// normalization against filepath.Join for every path the API server
// accepts, and test/integration runs the policies on the real API server
// with this webhook in front of them.
//
// plan holds every decision as a pure function of the pod, the recordings, a
// nonce and the time; Handler only fetches, logs and encodes.
package recording
