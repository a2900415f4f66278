#!/usr/bin/env bash
# A local cluster with spo doing real work, for trying it out:
#   etcd + kube-apiserver on loopback (binaries from hack/controlplane.sh),
#   the CRDs, a Node object for this host, and spo's manager and daemon
#   running as their own service accounts with the RBAC generated from the
#   code, then the examples applied and their results shown.
#
# Usage: hack/demo.sh up     start (or, when already running, show) the demo
#        hack/demo.sh down   stop everything and remove the demo's folder
# Everything lives in $SPO_DEMO_DIR (default .demo/ in the repository).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${SPO_DEMO_DIR:-$ROOT/.demo}
NS=security-profiles-operator
NODE=$(hostname | tr '[:upper:]' '[:lower:]')
ETCD_PORT=${SPO_DEMO_ETCD_PORT:-23790}
API_PORT=${SPO_DEMO_API_PORT:-26443}
PROCS=(etcd kube-apiserver manager daemon webhook) # started in this order, stopped in reverse
SPO_BIN=${SPO_BIN:-$ROOT/bin/spo}
MANAGER_PORT=${SPO_DEMO_MANAGER_PORT:-28080} # metrics; +1 health
DAEMON_PORT=${SPO_DEMO_DAEMON_PORT:-28090}   # metrics; +1 health
WEBHOOK_PORT=${SPO_DEMO_WEBHOOK_PORT:-28070} # metrics; +1 health; +2 TLS admission

log() { echo "demo: $*" >&2; }

alive() { [[ -f $DIR/pids/$1 ]] && kill -0 "$(cat "$DIR/pids/$1")" 2>/dev/null; }

# start NAME CMD... runs CMD in the background with its log and pid file.
start() {
	local name=$1
	shift
	"$@" >"$DIR/logs/$name.log" 2>&1 &
	echo $! >"$DIR/pids/$name"
	log "started $name (pid $!, log $DIR/logs/$name.log)"
}

stop() {
	local i pid
	for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do
		[[ -f $DIR/pids/${PROCS[i]} ]] || continue
		pid=$(cat "$DIR/pids/${PROCS[i]}")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			# Wait so the next process's shutdown (and the next demo) finds
			# ports and files released.
			for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$pid" 2>/dev/null || true
			log "stopped ${PROCS[i]} (pid $pid)"
		fi
		rm -f "$DIR/pids/${PROCS[i]}"
	done
}

wait_for() { # wait_for WHAT CMD...: retry CMD for up to 120 s
	local what=$1
	shift
	for _ in $(seq "${TRIES:-600}"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	log "timed out waiting for $what; logs are in $DIR/logs; their last lines:"
	tail -n 3 "$DIR"/logs/*.log >&2
	exit 1
}

pki() {
	local p=$DIR/pki
	mkdir -p "$p"
	[[ -f $p/ca.crt ]] && return
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=spo-demo-ca" \
		-keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
		-keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
	openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
		-extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost') -out "$p/apiserver.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=demo-admin" \
		-keyout "$p/admin.key" -out "$p/admin.csr" 2>/dev/null
	openssl x509 -req -in "$p/admin.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
		-out "$p/admin.crt" 2>/dev/null
	openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
	openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

kubeconfig() { # kubeconfig FILE USER-ARGS...
	local file=$1
	shift
	KUBECONFIG=$file kubectl config set-cluster demo --server="https://127.0.0.1:$API_PORT" \
		--certificate-authority="$DIR/pki/ca.crt" --embed-certs >/dev/null
	KUBECONFIG=$file kubectl config set-credentials user "$@" >/dev/null
	KUBECONFIG=$file kubectl config set-context demo --cluster=demo --user=user >/dev/null
	KUBECONFIG=$file kubectl config use-context demo >/dev/null
}

control_plane() {
	pki
	start etcd "$ASSETS/etcd" --data-dir "$DIR/etcd" --name demo \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
		--initial-cluster "demo=http://127.0.0.1:$((ETCD_PORT + 10))"
	start kube-apiserver "$ASSETS/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" --endpoint-reconciler-type none \
		--tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
		--client-ca-file "$DIR/pki/ca.crt" --authorization-mode RBAC \
		--service-account-issuer https://kubernetes.default.svc --service-account-key-file "$DIR/pki/sa.pub" \
		--service-account-signing-key-file "$DIR/pki/sa.key" --service-cluster-ip-range 10.96.0.0/24
	kubeconfig "$DIR/kubeconfig" --client-certificate="$DIR/pki/admin.crt" --client-key="$DIR/pki/admin.key" --embed-certs
	export KUBECONFIG=$DIR/kubeconfig
	TRIES=1500 wait_for "the API server" kubectl get --raw /readyz
}

install() {
	kubectl apply --server-side -f "$ROOT/config/crd/bases" >/dev/null
	kubectl wait --for condition=Established crd --all --timeout 60s >/dev/null
	kubectl apply --server-side -f - >/dev/null <<-EOF
		apiVersion: v1
		kind: Namespace
		metadata: {name: $NS}
		---
		apiVersion: v1
		kind: Namespace
		metadata: {name: demo, labels: {spo.x-k8s.io/enable-binding: "true", spo.x-k8s.io/enable-recording: "true"}}
		---
		# No controller-manager runs here to create namespaces' default
		# service accounts, and pods cannot be admitted without one.
		apiVersion: v1
		kind: ServiceAccount
		metadata: {name: default, namespace: demo}
		---
		apiVersion: v1
		kind: Node
		metadata: {name: $NODE}
	EOF
	kubectl apply --server-side -k "$ROOT/config/rbac" >/dev/null
	# Each component gets its own service account and token, so the demo
	# proves the generated RBAC is enough.
	local c
	for c in manager daemon webhook; do
		kubeconfig "$DIR/kubeconfig-$c" --token="$(kubectl -n "$NS" create token "spo-$c" --duration 24h)"
	done
}

operator() {
	mkdir -p "$DIR/kubelet"
	start manager env KUBECONFIG="$DIR/kubeconfig-manager" SPO_NAMESPACE=$NS "$SPO_BIN" manager \
		--metrics-bind-address 127.0.0.1:$MANAGER_PORT --health-probe-bind-address 127.0.0.1:$((MANAGER_PORT + 1))
	start daemon env KUBECONFIG="$DIR/kubeconfig-daemon" SPO_NAMESPACE=$NS "$SPO_BIN" daemon \
		--node-name "$NODE" --kubelet-dir "$DIR/kubelet" --check-kubelet-mount=false --state-dir "$DIR/state" --selinuxd-socket "$DIR/selinuxd.sock" --selinux-policy-dir "$DIR/selinux.d" \
		--bpf-recorder-socket "$DIR/bpf-recorder.sock" --log-enricher-socket "$DIR/log-enricher.sock" \
		--metrics-sink-socket "$DIR/metrics.sock" \
		--metrics-bind-address 127.0.0.1:$DAEMON_PORT --health-probe-bind-address 127.0.0.1:$((DAEMON_PORT + 1))
	# The API server reaches the webhook on loopback; the webhook issues its
	# own certificate for 127.0.0.1 and writes the CA into its configuration.
	start webhook env KUBECONFIG="$DIR/kubeconfig-webhook" SPO_NAMESPACE=$NS "$SPO_BIN" webhook \
		--host 127.0.0.1 --port $((WEBHOOK_PORT + 2)) --webhook-url "https://127.0.0.1:$((WEBHOOK_PORT + 2))" \
		--cert-dir "$DIR/webhook-certs" \
		--metrics-bind-address 127.0.0.1:$WEBHOOK_PORT --health-probe-bind-address 127.0.0.1:$((WEBHOOK_PORT + 1))
	wait_for "the manager" curl -fsS http://127.0.0.1:$((MANAGER_PORT + 1))/readyz
	wait_for "the daemon" curl -fsS http://127.0.0.1:$((DAEMON_PORT + 1))/readyz
	wait_for "the webhook" curl -fsS http://127.0.0.1:$((WEBHOOK_PORT + 1))/readyz
	wait_for "the webhook configuration" sh -c \
		"kubectl get mutatingwebhookconfiguration spo-mutating-webhook-configuration -o jsonpath='{.webhooks[*].clientConfig.caBundle}' | grep -q ."
}

show() {
	kubectl apply --server-side -f "$ROOT/examples/spod.yaml" >/dev/null
	kubectl apply --server-side -f "$ROOT/examples/seccompprofile-webserver.yaml" \
		-f "$ROOT/examples/seccompprofile-webserver-with-shell.yaml" \
		-f "$ROOT/examples/seccompprofile-log-all.yaml" >/dev/null
	kubectl wait --for jsonpath='{.status.status}'=Installed seccompprofile --all --timeout 120s >/dev/null ||
		log "not every profile is Installed yet; see kubectl get sp and $DIR/logs"
	echo
	kubectl get seccompprofiles -o wide
	echo
	kubectl get securityprofilenodestatuses -o wide
	kubectl -n demo apply --server-side -f "$ROOT/examples/profilebinding.yaml" >/dev/null
	# The API server may take a moment to use a new webhook configuration
	# (failurePolicy Ignore admits unchanged meanwhile): retry until bound.
	TRIES=50 wait_for "a bound pod" bound_pod
	echo
	echo "Files written for node $NODE:"
	ls -l "$DIR/kubelet/seccomp/operator/"
	echo
	echo
	echo "Pod demo/web (image nginx:1.27) as admitted through the binding webhook:"
	kubectl -n demo get pod web -o jsonpath='{.spec.containers[0].securityContext}{"\n"}'
	echo
	echo "The operator's configuration (no kubelet here: the node DaemonSet it created"
	echo "runs no pods, so the SPOD stays Creating; the daemon above runs as a process):"
	kubectl -n "$NS" get securityprofilesoperatordaemon spod
	echo
	echo "The daemon's metrics, scraped over HTTPS with a token bound to spo-metrics-client:"
	daemon_metrics | grep '^security_profiles_operator_seccomp_profile' || log "no seccomp metrics yet"
	echo
	echo "Logs: $DIR/logs   Stop everything: make demo-down"
	echo "Paste these to use the demo cluster (kubectl is in $ASSETS):"
	echo
	echo "export PATH=$ASSETS:\$PATH"
	echo "export KUBECONFIG=$DIR/kubeconfig"
	echo "export KUBELET_DIR=$DIR/kubelet"
	echo "export SPO_NAMESPACE=$NS"
}

# daemon_metrics prints the daemon's spo families (/metrics-spod, SPO's
# path; /metrics has controller-runtime's) as a scraper allowed by the
# spo-metrics-client ClusterRole sees them (TokenReview and
# SubjectAccessReview by the API server).
daemon_metrics() {
	kubectl -n "$NS" create serviceaccount demo-scraper --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	kubectl create clusterrolebinding demo-scraper --clusterrole spo-metrics-client \
		--serviceaccount "$NS:demo-scraper" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	local token
	token=$(kubectl -n "$NS" create token demo-scraper)
	curl -ksS -H "Authorization: Bearer $token" "https://127.0.0.1:$DAEMON_PORT/metrics-spod"
}

# bound_pod creates demo/web and succeeds when the webhook set its profile.
bound_pod() {
	kubectl -n demo delete pod web --ignore-not-found --wait=false >/dev/null
	kubectl -n demo run web --image nginx:1.27 --restart Never >/dev/null
	[[ $(kubectl -n demo get pod web -o jsonpath='{.spec.containers[0].securityContext.seccompProfile.localhostProfile}') == operator/webserver.json ]]
}

up() {
	if alive kube-apiserver && alive manager && alive daemon && alive webhook; then
		log "already running"
		export KUBECONFIG=$DIR/kubeconfig
		show
		return
	fi
	stop # whatever is left of an earlier, broken run
	rm -rf "$DIR/etcd"
	mkdir -p "$DIR/logs" "$DIR/pids"
	control_plane
	install
	operator
	show
}

ASSETS=$("$ROOT/hack/controlplane.sh")
export PATH=$ASSETS:$PATH
case ${1:-} in
up) up ;;
down)
	stop
	rm -rf "$DIR"
	log "stopped and removed $DIR"
	;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
