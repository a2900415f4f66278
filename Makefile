# spo — see README.md. Every target installs what it needs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

BIN := $(CURDIR)/bin
GO_TEST_FLAGS ?= -count=1 -timeout=45m
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/secprofiles/spo/cmd/spo/version.Version=$(VERSION)

.PHONY: all build deps controlplane tools manifests generate verify-generated test fuzz bench demo demo-down fmt vet

all: build

## deps: install the Debian packages builds and tests need (only when missing)
deps:
	@hack/deps.sh

## controlplane: build kube-apiserver, etcd and kubectl once and cache them
controlplane:
	@hack/controlplane.sh >/dev/null

$(BIN)/controller-gen: hack/tools/codegen/go.mod
	cd hack/tools/codegen && go build -o $(BIN)/controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen

tools: $(BIN)/controller-gen

## manifests: CRDs and RBAC from the +kubebuilder markers
manifests: $(BIN)/controller-gen
	hack/generate.sh manifests

## generate: deepcopy code from the +kubebuilder markers
generate: $(BIN)/controller-gen
	hack/generate.sh objects

build: deps
	go build -ldflags "$(LDFLAGS)" -o $(BIN)/spo ./cmd/spo
	go build -ldflags "$(LDFLAGS)" -o $(BIN)/spoc ./cmd/spoc

fmt:
	gofmt -l -w $$(git ls-files '*.go')

vet: deps
	go vet ./...

## test: every unit, integration, (as root) kernel test, and the e2e suite on a real node (test/e2e runs make cluster / cluster-down)
# The node binaries are built here, not inside go test, whose timeout would
# count a cold build.
test: deps controlplane node tools
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh) CONTROLLER_GEN=$(BIN)/controller-gen \
		go test $(GO_TEST_FLAGS) ./...
	hack/fuzz.sh 10s 'enricher/audit FuzzParse$$'

## fuzz: every fuzz target with the fuzzing engine, FUZZTIME each (default 2m)
FUZZTIME ?= 2m
fuzz:
	hack/fuzz.sh $(FUZZTIME)

## bench: the benchmarks whose figures go in the release notes
bench: deps controlplane node
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh) \
		go test -run '^$$' -bench . -benchmem -benchtime=1x ./test/bench/...
	go test -run '^$$' -bench . -benchtime=10x -timeout=45m ./test/e2e/
	go test -run '^$$' -bench . -benchmem ./daemon/...

## demo: a local control plane plus the operator, installing the examples
demo: deps controlplane build
	hack/demo.sh up

## demo-down: stop everything make demo started
demo-down:
	hack/demo.sh down

## deploy: install spo on the cluster of the current KUBECONFIG (DEPLOY_OVERLAY=config/overlays/..., DEPLOY_IMAGE=REGISTRY/spo:TAG)
## undeploy: remove spo's objects while spo runs (profiles leave the nodes), then what make deploy installed, CRDs included
# kubectl from the PATH, else the one hack/controlplane.sh builds and caches.
# The CRDs go first, so an overlay's SPOD finds its kind served. kubectl wait
# fails at once ("accessor error") on a CRD whose status conditions the API
# server has not written yet, so it is retried a few times.
DEPLOY_OVERLAY ?= config/default
DEPLOY_IMAGE ?=
UNDEPLOY_FLAGS ?=
KUBECTL_CMD = $${KUBECTL:-$$(command -v kubectl || echo "$$(hack/controlplane.sh)/kubectl")}
.PHONY: deploy undeploy image
deploy:
	@set -euo pipefail; kubectl=$(KUBECTL_CMD); \
	"$$kubectl" apply --server-side -k config/crd; \
	for try in 1 2 3 4 5; do \
		"$$kubectl" wait --for condition=Established --timeout=60s -f config/crd/bases >/dev/null && break; \
		(( try < 5 )) || exit 1; sleep 1; \
	done; \
	if [[ -z "$(DEPLOY_IMAGE)" ]]; then \
		"$$kubectl" apply --server-side -k $(DEPLOY_OVERLAY); \
	else \
		"$$kubectl" kustomize $(DEPLOY_OVERLAY) | sed -E -e 's#^( +)image: spo$$#\1image: $(DEPLOY_IMAGE)#' \
			-e '/^ +- name: SPO_IMAGE$$/{n;s#^( +)value: spo$$#\1value: $(DEPLOY_IMAGE)#;}' | \
			"$$kubectl" apply --server-side -f -; \
	fi

undeploy:
	@hack/undeploy.sh "$(KUBECTL_CMD)" $(DEPLOY_OVERLAY) $(UNDEPLOY_FLAGS)

## image: build the container image IMAGE (Containerfile target IMAGE_TARGET: static or apparmor) with podman or docker; no push
IMAGE ?= spo:$(VERSION)
IMAGE_TARGET ?= static
# Without podman or docker, the static image is assembled in Go (hack/images)
# from $(BIN)/spo-static into an archive for `ctr images import` or `podman load`.
image:
	@if podman info >/dev/null 2>&1; then builder=podman; \
	elif docker info >/dev/null 2>&1; then builder=docker; \
	else \
		echo "image: neither podman nor docker answers; building $(BIN)/images/spo.tar with hack/images" >&2; \
		$(MAKE) --no-print-directory $(BIN)/spo-static; \
		go run ./hack/images -out $(BIN)/images -only spo -spo $(BIN)/spo-static -tag $(VERSION); \
		echo "image: wrote $(BIN)/images/spo.tar (spo.local/spo:$(VERSION)); load it with:" >&2; \
		echo "  ctr -n k8s.io images import $(BIN)/images/spo.tar   # containerd" >&2; \
		echo "  podman load -i $(BIN)/images/spo.tar" >&2; \
		exit 0; \
	fi; \
	echo "image: $$builder build --target $(IMAGE_TARGET) -t $(IMAGE)" >&2; \
	"$$builder" build -f Containerfile --target $(IMAGE_TARGET) --build-arg VERSION=$(VERSION) -t $(IMAGE) .

## bin/spo-static: spo linked statically (libseccomp and glibc included), as the Containerfile's builder stage does
# deps is phony, so this always re-runs; go build's cache makes that cheap.
$(BIN)/spo-static: deps
	CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo \
		-ldflags "-s -w $(LDFLAGS) -linkmode external -extldflags -static" -o $@ ./cmd/spo
	@linkage=$$(ldd $@ 2>&1 || true); \
	[[ $$linkage == *"not a dynamic executable"* || $$linkage == *"statically linked"* ]] || \
		{ echo "$@ is not static: $$linkage" >&2; exit 1; }
	$@ version

## generate-grpc: Go code for the node-local gRPC services (api/grpc/**/*.proto)
.PHONY: generate-grpc
generate-grpc:
	@command -v protoc >/dev/null || { [[ $$(id -u) -eq 0 ]] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null; } || \
		{ echo "generate-grpc: protoc missing; run as root or: apt-get install protobuf-compiler" >&2; exit 1; }
	protoc --plugin=protoc-gen-go=$$(go tool -modfile=hack/tools/grpc/go.mod -n protoc-gen-go) \
		--plugin=protoc-gen-go-grpc=$$(go tool -modfile=hack/tools/grpc/go.mod -n protoc-gen-go-grpc) \
		-I . --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. \
		$$(git ls-files --cached --others --exclude-standard 'api/grpc/*.proto')

## generate-bpf: regenerate bpf/ loaders and objects with bpf2go (installs clang, llvm, libbpf-dev if missing)
.PHONY: generate-bpf
generate-bpf:
	@command -v clang >/dev/null && test -e /usr/include/bpf/bpf_helpers.h || { \
		test "$$(id -u)" -eq 0 || { echo "generate-bpf: needs clang llvm libbpf-dev: apt-get install clang llvm libbpf-dev" >&2; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang llvm libbpf-dev >/dev/null; }
	cd bpf && go generate ./...

## node: build the kubelet, kube-proxy, controllers, containerd, runc and CNI plugins once and cache them
.PHONY: node cluster cluster-down
node:
	@hack/node.sh >/dev/null

## cluster: a single-node cluster on this machine (kubelet, containerd, runc; images imported, not pulled) with spo deployed
## cluster-down: stop it and remove everything it made on the host
# Progress goes to stderr; stdout is only the export lines, for eval "$(make cluster)".
cluster: deps controlplane node
	@$(MAKE) --no-print-directory $(BIN)/spo-static >&2
	@go run ./hack/images -out $(BIN)/images -spo $(BIN)/spo-static >&2
	@go run ./hack/cluster up -controlplane "$$(hack/controlplane.sh)" -node "$$(hack/node.sh)" -images $(BIN)/images

cluster-down:
	@go run ./hack/cluster down
