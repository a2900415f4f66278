// Package restricted runs the manager, the webhook server and the daemon's
// cache restricted to one namespace of workloads (RESTRICT_TO_NAMESPACE)
// against a real API server, and shows that workloads of another namespace
// are neither watched nor acted on while those of the namespace are.
package restricted
