// Package integration runs the real manager and the real daemon code
// against a real kube-apiserver and etcd (controller-runtime's envtest). Two
// daemons play two nodes, each with its own kubelet directory in a temp
// folder, so what lands on "the node" is read back from disk.
//
// The control plane comes from hack/controlplane.sh; `make test` sets
// KUBEBUILDER_ASSETS, and a plain `go test ./test/integration/` finds the
// cached binaries itself.
package integration
