#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy and caches
# them outside the repository, where controller-runtime's envtest looks for them.
#
# No download site for release binaries is reachable from our machines, so
# setup-envtest cannot be used; the tools modules under hack/tools pin the
# versions instead. Idempotent: when the cached binaries report the expected
# versions it prints the directory and exits in well under a second.
#
# Usage: hack/controlplane.sh        prints the assets directory on stdout
set -euo pipefail

K8S_VERSION=1.37.2
ETCD_VERSION=3.7.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ASSETS=${KUBEBUILDER_ASSETS:-${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest/k8s/${K8S_VERSION}-linux-$(go env GOARCH)}

log() { echo "controlplane: $*" >&2; }

have() {
	[[ -x "$ASSETS/kube-apiserver" && -x "$ASSETS/etcd" && -x "$ASSETS/kubectl" ]] || return 1
	"$ASSETS/kube-apiserver" --version 2>/dev/null | grep -x "Kubernetes v${K8S_VERSION}" >/dev/null || return 1
	"$ASSETS/etcd" --version 2>/dev/null | grep "etcd Version: ${ETCD_VERSION}" >/dev/null || return 1
}

if have; then
	echo "$ASSETS"
	exit 0
fi

mkdir -p "$ASSETS"
# Test packages run in parallel and may all get here at once: one builds,
# the others wait for it and then find the binaries.
exec 9>"$ASSETS/.lock"
flock 9
if have; then
	echo "$ASSETS"
	exit 0
fi
tmp=$(mktemp -d "$ASSETS/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Without the version stamp the server reports v0.0.0, which clients such as
# kubectl treat as incompatible.
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	stamp+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=1"
	stamp+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
done

log "building kube-apiserver and kubectl v${K8S_VERSION} (about 11 minutes on a cold cache)"
(cd "$ROOT/hack/tools/controlplane" &&
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $stamp" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $stamp" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl)

log "building etcd v${ETCD_VERSION}"
(cd "$ROOT/hack/tools/etcd" &&
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)

# Rename into place so a build interrupted half way never looks complete.
for b in kube-apiserver kubectl etcd; do mv -f "$tmp/$b" "$ASSETS/$b"; done
have || { log "built binaries do not report the expected versions"; exit 1; }
log "cached in $ASSETS"
echo "$ASSETS"
