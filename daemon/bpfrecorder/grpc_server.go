package bpfrecorder

import (
	"context"
	"sync"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"

	seccomp "github.com/seccomp/libseccomp-golang"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// Recording is what the gRPC service needs of a loaded recorder; *Recorder
// loaded with Options.RecordNew has these methods. An interface so the
// reference counting and the status codes can be tested without a kernel.
type Recording interface {
	Born(containerID string) ([]Namespace, error)
	BornSyscalls(id uint64, arch seccomp.ScmpArch) ([]string, error)
	BornExecutables(id uint64) ([]string, uint64, error)
	BornAppArmor(id uint64) (AppArmor, error)
	AppArmorLimits() []string
	DropBorn(id uint64) error
	SweepBorn(keep func(containerID string) bool, age time.Duration) (int, error)
	Close() error
}

// DefaultClaimWindow is how long the recording of a container nobody asked
// for is kept. Every container on the node is recorded while the recorder
// is loaded, because a runtime publishes a container's id only after the
// container ran; the daemon asks for it (Start) once the pod status names
// it, normally within seconds. A window of minutes also covers a daemon
// restarted in between.
const DefaultClaimWindow = 5 * time.Minute

// ServerConfig configures NewServer; only Node is needed in production.
type ServerConfig struct {
	// Node is the node name, a label of the collection metric.
	Node string
	// ProcRoot is the host's /proc ("/proc" if empty).
	ProcRoot string
	// Options are what the default Load loads the recorder with; ProcPath
	// defaults to ProcRoot and RecordNew is always set.
	Options Options
	// Load loads and attaches the recorder; by default it acquires a Shared
	// recorder with Options, and Close releases it.
	Load func() (Recording, error)
	// OnListening, if set, is called once the socket accepts connections.
	OnListening func()
	// ClaimWindow is how long recordings of containers nobody started are
	// kept (DefaultClaimWindow if zero); they are swept every ClaimWindow/10.
	ClaimWindow time.Duration
}

// Server implements the BpfRecorder service. The recorder is loaded on the
// first Start and closed on the last Stop: nothing is attached to the
// syscall path while nobody records.
type Server struct {
	pb.UnimplementedBpfRecorderServer
	cfg ServerConfig

	mu         sync.Mutex
	refs       int
	rec        Recording // nil while refs == 0
	containers map[string]*container
}

// container is one container registered by Start.
type container struct {
	profile string
	starts  int // Starts not yet matched by a Stop
}

// NewServer returns a server that has loaded nothing yet.
func NewServer(cfg ServerConfig) *Server {
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Options.ProcPath == "" {
		cfg.Options.ProcPath = cfg.ProcRoot
	}
	cfg.Options.RecordNew = true
	if cfg.Load == nil {
		shared := &Shared{Options: cfg.Options}
		cfg.Load = func() (Recording, error) { return acquire(shared) }
	}
	if cfg.ClaimWindow == 0 {
		cfg.ClaimWindow = DefaultClaimWindow
	}
	return &Server{cfg: cfg, containers: map[string]*container{}}
}

// Start takes a reference on the recorder and registers the container.
func (s *Server) Start(_ context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.acquire(); err != nil {
		return nil, err
	}
	if req.GetContainerId() == "" {
		return &pb.StartResponse{}, nil
	}
	mntns, err := s.register(containerid.Normalize(req.GetContainerId()), req.GetProfile())
	if err != nil {
		s.release()
		return nil, err
	}
	return &pb.StartResponse{MountNamespace: mntns}, nil
}

func (s *Server) acquire() error {
	if s.refs == 0 {
		rec, err := s.cfg.Load()
		if err != nil {
			return statusOf(err, "loading the BPF recorder")
		}
		s.rec = rec
	}
	s.refs++
	return nil
}

func (s *Server) release() {
	s.refs--
	if s.refs > 0 {
		return
	}
	// Closing drops every map, so whatever was not collected is gone:
	// that is what the last Stop asks for.
	_ = s.rec.Close()
	s.rec = nil
	clear(s.containers)
}

// Stop drops the reference Start took and forgets the container's data.
func (s *Server) Stop(_ context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return nil, status.Error(codes.FailedPrecondition, "the BPF recorder is not started: Stop without Start")
	}
	if id := containerid.Normalize(req.GetContainerId()); id != "" {
		c := s.containers[id]
		if c == nil {
			return nil, status.Errorf(codes.NotFound, "container %s: no recording was started for it", id)
		}
		s.unregister(id, c)
	}
	s.release()
	return &pb.StopResponse{}, nil
}

// sharedRecording is a Shared recorder's reference: Close releases it.
type sharedRecording struct {
	*Recorder
	shared *Shared
}

func acquire(s *Shared) (Recording, error) {
	rec, err := s.Acquire()
	if err != nil {
		return nil, err
	}
	return sharedRecording{rec, s}, nil
}

func (r sharedRecording) Close() error { return r.shared.Release() }
