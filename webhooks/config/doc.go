// Package config keeps the objects through which the API server reaches the
// webhook server in their desired shape: the MutatingWebhookConfiguration
// webhooks.MutatingConfigName (one webhook for bindings, one for
// recordings) and the conversion stanza of every multi-version CRD of the
// security-profiles-operator.x-k8s.io group.
//
// The binding webhook sees pod CREATE and pods/ephemeralcontainers UPDATE
// and fails closed (failurePolicy Fail); the recording webhook sees pod
// CREATE and fails open (Ignore). Each sees only namespaces carrying its
// opt-in label, and never the operator's own namespace: that exclusion is
// added to any namespaceSelector, the SPOD's included, so the webhook server
// can always start. The SPOD's spec.webhook.options[] override
// failurePolicy, namespaceSelector and objectSelector per webhook name.
//
// It writes with server-side apply as webhooks.ConfigFieldManager and never
// sends a caBundle, so the certs component (webhooks.CertsFieldManager) can
// own the caBundle fields inside the same entries. A controller named
// ControllerName re-applies on every change of the SPOD, the configuration
// (hand edits are reverted) and the CRDs.
package config
