// Package bpf holds the syscall recorder's BPF program (recorder.bpf.c, with
// the minimal CO-RE type declarations in vmlinux.h) and its loaders generated
// by bpf2go for amd64 and arm64. The generated .o and .go files are committed;
// `make generate-bpf` regenerates them (needs clang, llvm and libbpf-dev).
//
// The program and the contract with user space are described at the top of
// recorder.bpf.c; daemon/bpfrecorder is the only intended user.
package bpf

//go:generate go tool -modfile=../hack/tools/bpf/go.mod bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 -type syscall_bitmap Recorder recorder.bpf.c
//go:generate go tool -modfile=../hack/tools/bpf/go.mod bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 RecorderNoBTF recorder_nobtf.bpf.c
