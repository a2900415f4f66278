#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy (hack/tools/helm pins the
# version) and caches it outside the repository. No download site for helm
# release binaries is reachable from our machines. Idempotent: when the cached
# binary reports the pinned version it prints its path and exits at once.
#
# Usage: hack/helm.sh        prints the path of the helm binary on stdout
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HELM_VERSION=$(cd "$ROOT/hack/tools/helm" && go list -m -f '{{.Version}}' helm.sh/helm/v3)
DIR=${SPO_HELM_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/spo-tools/helm-${HELM_VERSION}}
HELM=$DIR/helm

have() {
	[[ -x "$HELM" ]] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -x "$HELM_VERSION" >/dev/null
}

if have; then
	echo "$HELM"
	exit 0
fi
mkdir -p "$DIR"
# Test packages may get here at once: one builds, the others wait.
exec 9>"$DIR/.lock"
flock 9
if have; then
	echo "$HELM"
	exit 0
fi
echo "helm: building helm ${HELM_VERSION} (a few minutes on a cold cache)" >&2
tmp=$(mktemp "$DIR/.helm.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(cd "$ROOT/hack/tools/helm" &&
	CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
		-o "$tmp" helm.sh/helm/v3/cmd/helm)
mv -f "$tmp" "$HELM"
have || { echo "helm: built binary does not report ${HELM_VERSION}" >&2; exit 1; }
echo "$HELM"
