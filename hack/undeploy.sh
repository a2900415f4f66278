#!/usr/bin/env bash
# Removes what `make deploy` installed, in the order docs/install.md gives:
# first spo's own objects (recordings and bindings, then profiles) while
# the manager and the daemons still run, so that every node removes its
# files and releases its finalizers; then, with the manager stopped, the
# built-in profiles it re-created; then the overlay, CRDs included.
#
# Deleting the CRDs first would leave each profile's node finalizers with
# no daemon to release them, and the CRD (so `kubectl delete --wait`)
# would never finish.
#
# A profile that pods still use stays Terminating until those pods are
# gone: undeploy then stops after UNDEPLOY_TIMEOUT with the list of what
# is left, and removes nothing else.
#
# Usage: hack/undeploy.sh KUBECTL OVERLAY [kubectl delete flags...]
set -euo pipefail

kubectl=$1 overlay=$2
shift 2
group=security-profiles-operator.x-k8s.io
timeout=${UNDEPLOY_TIMEOUT:-120s}

# Only the kinds the API server serves: after a partial undeploy the CRDs
# may already be gone.
served=$("$kubectl" api-resources --api-group="$group" -o name 2>/dev/null || true)
ordered=()
for kind in profilerecordings profilebindings \
	seccompprofiles selinuxprofiles rawselinuxprofiles apparmorprofiles; do
	grep -qx "$kind.$group" <<<"$served" && ordered+=("$kind.$group")
done
delete_all() {
	local kind
	for kind in "$@"; do
		if ! "$kubectl" delete "$kind" --all --all-namespaces --ignore-not-found --timeout="$timeout" "${flags[@]}"; then
			echo "undeploy: $kind not gone after $timeout; left:" >&2
			"$kubectl" get "$kind" --all-namespaces -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,FINALIZERS:.metadata.finalizers' >&2 || true
			echo "undeploy: a profile stays until the pods using it are gone (finalizer spo.x-k8s.io/in-use); nothing else was removed" >&2
			exit 1
		fi
	done
}

# The manager re-creates its built-in profiles (log-enricher-trace) as soon
# as they are deleted, and the copy gets the daemon's node finalizer. So
# once the manager has released what it holds (in-use and merge
# finalizers), it is stopped, and what it re-created is deleted again while
# the daemon still runs to remove the files and release the finalizers.
stop_manager() {
	local selector=app.kubernetes.io/name=spo,app.kubernetes.io/component=manager ns
	for ns in $("$kubectl" get deployments --all-namespaces -l "$selector" -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{end}'); do
		"$kubectl" scale deployment -n "$ns" -l "$selector" --replicas=0
		"$kubectl" wait pod -n "$ns" -l "$selector" --for=delete --timeout="$timeout"
	done
}

flags=("$@")
delete_all "${ordered[@]}"
stop_manager
delete_all "${ordered[@]}"
"$kubectl" delete --ignore-not-found --timeout="${UNDEPLOY_OVERLAY_TIMEOUT:-5m}" -k "$overlay" "$@"
