package recorder_test

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/runtime"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	"github.com/secprofiles/spo/daemon/recorder"
)

// fakeBpf records the calls made to it and answers SyscallsForContainer
// from syscalls (NotFound when a container has none).
type fakeBpf struct {
	bpfrecorderv1.BpfRecorderClient
	mu       sync.Mutex
	calls    []string
	syscalls map[string]*bpfrecorderv1.SyscallsResponse
}

func (f *fakeBpf) log(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBpf) Start(_ context.Context, r *bpfrecorderv1.StartRequest, _ ...grpc.CallOption) (*bpfrecorderv1.StartResponse, error) {
	f.log("Start(%s,%s)", r.ContainerId, r.Profile)
	return &bpfrecorderv1.StartResponse{}, nil
}

func (f *fakeBpf) Stop(_ context.Context, r *bpfrecorderv1.StopRequest, _ ...grpc.CallOption) (*bpfrecorderv1.StopResponse, error) {
	f.log("Stop(%s,%s)", r.ContainerId, r.Profile)
	return &bpfrecorderv1.StopResponse{}, nil
}

func (f *fakeBpf) SyscallsForContainer(_ context.Context, r *bpfrecorderv1.ContainerRequest, _ ...grpc.CallOption) (*bpfrecorderv1.SyscallsResponse, error) {
	f.log("SyscallsForContainer(%s)", r.ContainerId)
	if resp := f.syscalls[r.ContainerId]; resp != nil {
		return resp, nil
	}
	return nil, status.Error(codes.NotFound, "not recorded")
}

// fakeEnricher answers Syscalls from syscalls by recording key.
type fakeEnricher struct {
	enricherv1.LogEnricherClient
	mu       sync.Mutex
	calls    []string
	syscalls map[string][]string
}

func (f *fakeEnricher) Syscalls(_ context.Context, r *enricherv1.ProfileRequest, _ ...grpc.CallOption) (*enricherv1.SyscallsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Syscalls("+r.Profile+")")
	if s := f.syscalls[r.Profile]; s != nil {
		return &enricherv1.SyscallsResponse{Syscalls: s, Architecture: "SCMP_ARCH_X86_64"}, nil
	}
	return nil, status.Error(codes.NotFound, "nothing recorded")
}

func (f *fakeEnricher) ResetSyscalls(_ context.Context, r *enricherv1.ProfileRequest, _ ...grpc.CallOption) (*enricherv1.ResetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ResetSyscalls("+r.Profile+")")
	return &enricherv1.ResetResponse{}, nil
}

// fakeServices hands out the fakes; a nil fake is a service that is not
// deployed.
type fakeServices struct {
	bpf      *fakeBpf
	enricher *fakeEnricher
	// instance, if set, is the bpf recorder's identity (BpfInstancer).
	instance *string
}

// instancedServices are fakeServices that tell bpf recorder runs apart.
type instancedServices struct{ fakeServices }

func (s instancedServices) BpfRecorderInstance() (string, error) {
	return *s.instance, nil
}

func (s fakeServices) BpfRecorder() (bpfrecorderv1.BpfRecorderClient, error) {
	if s.bpf == nil {
		return nil, fmt.Errorf("bpf-recorder %w", recorder.ErrServiceMissing)
	}
	return s.bpf, nil
}

func (s fakeServices) Enricher() (enricherv1.LogEnricherClient, error) {
	if s.enricher == nil {
		return nil, fmt.Errorf("log-enricher %w", recorder.ErrServiceMissing)
	}
	return s.enricher, nil
}

// eventLog keeps "<Type> <Reason> <message>" of every Event.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (e *eventLog) Eventf(_ runtime.Object, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, eventtype+" "+reason+" "+fmt.Sprintf(note, args...))
}
