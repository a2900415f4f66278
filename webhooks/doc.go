// Package webhooks holds the names every webhook component agrees on; the
// admission handlers (binding, recording), the TLS machinery (certs) and the
// configuration objects (config) live in subpackages.
//
// The webhook server (`spo webhook`) serves, over TLS:
//   - BindingPath: sets profiles on pods from ProfileBindings;
//   - RecordingPath: marks pods for recording from ProfileRecordings;
//   - ExecMetadataPath: tags kubectl exec with its request UID;
//   - NodeDebuggingPodPath: tags kubectl debug node pods with theirs;
//   - ConversionPath: converts older API versions to and from v1.
package webhooks

// Paths served by the webhook server.
const (
	BindingPath   = "/mutate-v1-pod-binding"
	RecordingPath = "/mutate-v1-pod-recording"
	// ExecMetadataPath is SPO's path for the same webhook.
	ExecMetadataPath = "/mutate-v1-exec-metadata"
	// NodeDebuggingPodPath is spo's own: SPO serves both at
	// ExecMetadataPath, spo keeps one handler per path.
	NodeDebuggingPodPath = "/mutate-v1-node-debugging-pod"
	ConversionPath       = "/convert"
)

// Webhook names inside the MutatingWebhookConfiguration; the SPOD's
// webhook.options refer to them.
const (
	BindingWebhookName   = "binding.spo.x-k8s.io"
	RecordingWebhookName = "recording.spo.x-k8s.io"
	// ExecMetadataWebhookName is present while the SPOD enables the JSON
	// enricher and exec metadata.
	ExecMetadataWebhookName = "execmetadata.spo.x-k8s.io"
	// NodeDebuggingPodWebhookName is present with ExecMetadataWebhookName.
	NodeDebuggingPodWebhookName = "nodedebuggingpod.spo.x-k8s.io"
	// SPOBindingWebhookName and SPORecordingWebhookName are SPO's names
	// for the same webhooks: webhook.options accepts them too, so an SPO
	// SPOD works unchanged.
	SPOBindingWebhookName          = "binding.spo.io"
	SPORecordingWebhookName        = "recording.spo.io"
	SPOExecMetadataWebhookName     = "execmetadata.spo.io"
	SPONodeDebuggingPodWebhookName = "nodedebuggingpod.spo.io"
)

// Objects the webhook components create in the operator's namespace (or
// cluster-wide for the configuration).
const (
	// MutatingConfigName is the MutatingWebhookConfiguration.
	MutatingConfigName = "spo-mutating-webhook-configuration"
	// ServiceName is the Service in front of the webhook pods.
	ServiceName = "spo-webhook"
	// ServicePort is the Service's port; the pods listen on ContainerPort.
	ServicePort   = 443
	ContainerPort = 9443
	// SecretName holds the serving certificate (tls.crt, tls.key) and, in
	// built-in mode, the CA (ca.crt, ca.key).
	SecretName = "spo-webhook-cert"
	// CertificateName and IssuerName are the cert-manager objects used
	// when cert-manager is installed.
	CertificateName = "spo-webhook-cert"
	IssuerName      = "spo-selfsigned"
)

// Field managers, so server-side apply keeps each writer to its own fields:
// the config component owns the webhook entries, the certs component only
// the caBundle fields.
const (
	ConfigFieldManager = "spo-webhook-config"
	CertsFieldManager  = "spo-webhook-certs"
)
