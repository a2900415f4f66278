// Tools module for the BPF loader generator (bpf2go), run with `go tool`.
module github.com/secprofiles/spo/hack/tools/bpf

go 1.26.0

tool github.com/cilium/ebpf/cmd/bpf2go

require (
	github.com/cilium/ebpf v0.22.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
)
