#!/usr/bin/env bash
# Runs controller-gen the one way the Makefile and the staleness test both use.
# Usage: hack/generate.sh manifests|objects|docs [ROOT]
#   objects also writes docs/configuration.md from the SPOD CRD.
#   ROOT defaults to the repository; the staleness test passes a copy of it.
set -euo pipefail
what=$1
ROOT=${2:-$(cd "$(dirname "$0")/.." && pwd)}
CONTROLLER_GEN=${CONTROLLER_GEN:-$(cd "$(dirname "$0")/.." && pwd)/bin/controller-gen}
cd "$ROOT"
case $what in
manifests)
	"$CONTROLLER_GEN" crd paths=./api/... output:crd:dir=config/crd/bases
	"$CONTROLLER_GEN" rbac:roleName=spo-manager paths=./reconcilers/... output:rbac:dir=config/rbac/manager
	"$CONTROLLER_GEN" rbac:roleName=spo-daemon paths=./daemon/... output:rbac:dir=config/rbac/daemon
	"$CONTROLLER_GEN" rbac:roleName=spo-webhook paths=./webhooks/... output:rbac:dir=config/rbac/webhook
	;;
objects)
	"$CONTROLLER_GEN" object:headerFile=hack/boilerplate.go.txt paths=./api/...
	go run ./hack/docs
	;;
docs)
	# docs/configuration.md from the SecurityProfilesOperatorDaemon CRD
	# (run manifests first when the types changed).
	go run ./hack/docs
	;;
*)
	echo "usage: $0 manifests|objects|docs [ROOT]" >&2
	exit 2
	;;
esac
