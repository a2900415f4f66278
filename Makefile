# spo — see README.md. Every target installs what it needs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

BIN := $(CURDIR)/bin
GO_TEST_FLAGS ?= -count=1
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/secprofiles/spo/cmd/spo/version.Version=$(VERSION)

.PHONY: all build deps controlplane tools manifests generate verify-generated test bench demo demo-down fmt vet

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

fmt:
	gofmt -l -w $$(git ls-files '*.go')

vet: deps
	go vet ./...

## test: every unit, integration and (as root) kernel test
test: deps controlplane tools
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh) CONTROLLER_GEN=$(BIN)/controller-gen \
		go test $(GO_TEST_FLAGS) ./...

## bench: the benchmarks whose figures go in the release notes
bench: deps controlplane
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh) \
		go test -run '^$$' -bench . -benchmem -benchtime=1x ./test/bench/...
	go test -run '^$$' -bench . -benchmem ./daemon/...

## demo: a local control plane plus the operator, installing the examples
demo: deps controlplane build
	hack/demo.sh up

## demo-down: stop everything make demo started
demo-down:
	hack/demo.sh down
