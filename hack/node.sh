#!/usr/bin/env bash
# Builds every binary a single-node Kubernetes cluster needs on this machine
# (kubelet, kube-controller-manager, kube-scheduler, kube-proxy, containerd
# and its runc shim, ctr, runc and the CNI plugins) from the Go module proxy,
# and caches them outside the repository.
#
# No download site for release binaries is reachable from our machines, and
# Debian's containerd, runc and CNI plugins are years older than the pinned
# kubelet, so the tools modules under hack/tools pin the versions instead.
# The kube-apiserver that runs beside them comes from hack/controlplane.sh.
# Idempotent: when the cached binaries report the expected versions it prints
# the directory and exits in well under a second; a component whose binaries
# are missing or report another version is rebuilt on its own.
#
# Usage: hack/node.sh        prints the cache directory on stdout; binaries
#                            are in DIR/bin, CNI plugins in DIR/cni
set -euo pipefail

K8S_VERSION=1.37.2
CONTAINERD_VERSION=2.4.2
RUNC_VERSION=1.5.3
CNI_VERSION=1.10.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${XDG_DATA_HOME:-$HOME/.local/share}/spo-cluster/node-k8s${K8S_VERSION}-containerd${CONTAINERD_VERSION}-runc${RUNC_VERSION}-cni${CNI_VERSION}-linux-$(go env GOARCH)

K8S_BINS=(kubelet kube-controller-manager kube-scheduler kube-proxy)
CONTAINERD_BINS=(containerd containerd-shim-runc-v2 ctr)
CNI_PLUGINS=(bridge host-local loopback portmap)

log() { echo "node: $*" >&2; }

executable() {
	local f
	for f; do [[ -x $f ]] || return 1; done
}

# The have_* checks look at the binaries in $AT. Every binary has to be
# there, but by default only one per component has to report its version:
# each run costs up to 0.1 s (the kube binaries' init), a component's
# binaries are renamed into place only after a FULL=1 check of all of them,
# and the versions are part of DIR's name. That keeps a cached run at about
# 0.2 s.
AT=$DIR
FULL=0
pick() {
	if ((FULL)); then printf '%s\n' "$@"; else printf '%s\n' "$1"; fi
}

have_k8s() {
	local b
	executable "${K8S_BINS[@]/#/$AT/bin/}" || return 1
	for b in $(pick "${K8S_BINS[@]}"); do
		"$AT/bin/$b" --version 2>/dev/null | grep -x "Kubernetes v${K8S_VERSION}" >/dev/null || return 1
	done
}

have_containerd() {
	executable "${CONTAINERD_BINS[@]/#/$AT/bin/}" || return 1
	"$AT/bin/containerd" --version 2>/dev/null | grep " v${CONTAINERD_VERSION}\b" >/dev/null || return 1
	((FULL)) || return 0
	"$AT/bin/ctr" --version 2>/dev/null | grep " v${CONTAINERD_VERSION}\b" >/dev/null || return 1
	"$AT/bin/containerd-shim-runc-v2" -v 2>/dev/null | grep "Version: *v${CONTAINERD_VERSION}\b" >/dev/null || return 1
}

have_runc() {
	local out
	[[ -x $AT/bin/runc ]] || return 1
	out=$("$AT/bin/runc" --version 2>/dev/null) || return 1
	grep -qx "runc version ${RUNC_VERSION}" <<<"$out" || return 1
	# Without libseccomp runc silently ignores seccomp profiles, which is
	# exactly what SPO has to exercise.
	grep -q "^libseccomp: " <<<"$out" || return 1
}

have_cni() {
	local p
	executable "${CNI_PLUGINS[@]/#/$AT/cni/}" || return 1
	for p in $(pick "${CNI_PLUGINS[@]}"); do
		# With no CNI_COMMAND a plugin prints "CNI <name> plugin <version>" on
		# stderr (CNI_COMMAND=VERSION only lists the CNI spec versions).
		{ CNI_COMMAND='' "$AT/cni/$p" 2>&1 >/dev/null || true; } | grep -x "CNI $p plugin v${CNI_VERSION}" >/dev/null || return 1
	done
}

have() { have_k8s && have_containerd && have_runc && have_cni; }

# Installs the Debian packages that building runc with cgo needs, only when
# missing, like hack/deps.sh.
runc_deps() {
	local -A want=(
		[libseccomp-dev]=/usr/include/seccomp.h
		[pkg-config]=/usr/bin/pkg-config
		[gcc]=/usr/bin/gcc
		[libc6-dev]=/usr/include/stdio.h
	)
	local pkg missing=()
	for pkg in "${!want[@]}"; do
		[[ -e ${want[$pkg]} ]] || missing+=("$pkg")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	if [[ $(id -u) -ne 0 ]]; then
		log "missing Debian packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}"
		return 1
	fi
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if have; then
	echo "$DIR"
	exit 0
fi

mkdir -p "$DIR/bin" "$DIR/cni"
# Several test packages or a test and `make cluster` may get here at once:
# one builds, the others wait for it and then find the binaries.
exec 9>"$DIR/.lock"
flock 9
if have; then
	echo "$DIR"
	exit 0
fi
tmp=$(mktemp -d "$DIR/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/cni"
built=()

if ! have_k8s; then
	built+=(k8s)
	# Without the version stamp the binaries report v0.0.0, and so would the
	# node's kubeletVersion, as in hack/controlplane.sh.
	stamp=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		stamp+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=1"
		stamp+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
	done
	log "building ${K8S_BINS[*]} v${K8S_VERSION} (about 4 minutes after hack/controlplane.sh has built, over 10 on a cold cache)"
	# The controlplane module already resolves kube-apiserver's dependencies;
	# these four only add modules and share most of its build cache.
	(cd "$ROOT/hack/tools/controlplane" &&
		CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $stamp" -o "$tmp/bin/" \
			"${K8S_BINS[@]/#/k8s.io/kubernetes/cmd/}")
fi

if ! have_containerd; then
	built+=(containerd)
	log "building ${CONTAINERD_BINS[*]} v${CONTAINERD_VERSION}"
	pkg=github.com/containerd/containerd/v2
	# version.Version is "2.4.2+unknown" unless stamped. The revision is not
	# known from the module proxy and stays empty.
	stamp="-X $pkg/version.Version=v${CONTAINERD_VERSION} -X $pkg/version.Package=$pkg"
	# No cgo: the btrfs snapshotter needs cgo and btrfs headers and drops out
	# by itself (its file is built only with cgo); devmapper, zfs and the CRI
	# plugin are pure Go and stay in. urfave_cli_no_docs leaves out man-page
	# generation, as upstream's Makefile does; the shim also gets upstream's
	# no_grpc (it only speaks ttrpc).
	(cd "$ROOT/hack/tools/containerd" &&
		CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags "-s -w $stamp" -o "$tmp/bin/" \
			"$pkg/cmd/containerd" "$pkg/cmd/ctr" &&
		CGO_ENABLED=0 go build -trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "-s -w $stamp" -o "$tmp/bin/" \
			"$pkg/cmd/containerd-shim-runc-v2")
fi

if ! have_runc; then
	built+=(runc)
	runc_deps
	log "building runc v${RUNC_VERSION}"
	# runc needs cgo: its nsenter package is C that runs before the Go
	# runtime starts, and the seccomp tag links Debian's libseccomp so that
	# seccomp profiles are enforced at all. The version comes from the
	# module's embedded VERSION file; the git commit is not known from the
	# module proxy and stays empty. Upstream's libpathrs tag is left out:
	# the library is not packaged in Debian and runc falls back to its pure Go
	# path resolution. PIE like upstream's dynamic build.
	(cd "$ROOT/hack/tools/runc" &&
		CGO_ENABLED=1 go build -trimpath -buildmode=pie -tags "seccomp urfave_cli_no_docs" -ldflags "-s -w" \
			-o "$tmp/bin/runc" github.com/opencontainers/runc)
fi

if ! have_cni; then
	built+=(cni)
	log "building CNI plugins ${CNI_PLUGINS[*]} v${CNI_VERSION}"
	pkg=github.com/containernetworking/plugins
	cni_pkgs=("$pkg/plugins/main/bridge" "$pkg/plugins/ipam/host-local" "$pkg/plugins/main/loopback" "$pkg/plugins/meta/portmap")
	(cd "$ROOT/hack/tools/cni" &&
		CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $pkg/pkg/utils/buildversion.BuildVersion=v${CNI_VERSION}" \
			-o "$tmp/cni/" "${cni_pkgs[@]}")
fi

FULL=1 AT=$tmp
for c in "${built[@]}"; do
	have_"$c" || { log "built $c binaries do not report the expected versions"; exit 1; }
done
FULL=0 AT=$DIR

# Rename into place so a build interrupted half way never looks complete.
for d in bin cni; do
	for f in "$tmp/$d"/*; do
		[[ -e $f ]] || continue
		mv -f "$f" "$DIR/$d/"
	done
done
have || { log "cached binaries do not report the expected versions"; exit 1; }
log "cached in $DIR"
echo "$DIR"
