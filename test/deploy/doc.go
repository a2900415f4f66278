// Package deploy checks the deployment manifests: every kustomize overlay
// under config/ builds (with the same kustomize library as kubectl) and
// every object it holds is accepted by a real kube-apiserver (a server-side
// dry-run create against envtest), the static webhook configuration is
// what the operator itself would write, and the Helm chart in
// config/helm/spo renders to the same objects as the overlays for the same
// options.
//
// The control plane comes from hack/controlplane.sh and helm from
// hack/helm.sh; both are built once from the Go module proxy and cached.
package deploy
