// Package config keeps the objects through which the API server reaches the
// webhook server in their desired shape: the MutatingWebhookConfiguration
// webhooks.MutatingConfigName (one webhook for bindings, one for
// recordings) and the conversion stanza of every multi-version CRD of the
// security-profiles-operator.x-k8s.io group.
//
// It writes with server-side apply as webhooks.ConfigFieldManager and never
// sends a caBundle, so the certs component (webhooks.CertsFieldManager) can
// own the caBundle fields inside the same entries. A controller named
// ControllerName re-applies on every change of the SPOD, the configuration
// (hand edits are reverted) and the CRDs.
package config
