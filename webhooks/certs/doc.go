// Package certs gives the webhook server its TLS certificate and makes the
// API server trust it, in one of two modes:
//
//   - cert-manager (when the API server serves cert-manager.io/v1): a
//     self-signed Issuer and a Certificate for the webhook Service; the
//     webhook configuration and conversion CRDs are annotated so that
//     cert-manager's cainjector writes their caBundle.
//   - built-in: an Issuer keeps a CA and a serving certificate in the
//     Secret webhooks.SecretName, rotates them before they expire (or on
//     demand) and writes the caBundle itself.
//
// Either way a Syncer in every replica copies tls.crt and tls.key from the
// Secret into the server's certificate directory, where controller-runtime's
// certificate watcher picks up changes without a restart. Issuing and
// injecting run in the elected leader only.
//
// The caBundle and annotations are written with server-side apply as
// webhooks.CertsFieldManager, touching nothing else, so the config
// component keeps the rest of the same objects.
package certs
