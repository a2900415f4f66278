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
// has these methods. An interface so the reference counting and the
// status codes can be tested without a kernel.
type Recording interface {
	Track(mntns uint32) error
	Forget(mntns uint32) error
	Syscalls(mntns uint32, arch seccomp.ScmpArch) ([]string, error)
	Executables(mntns uint32) ([]string, error)
	Close() error
}

// ServerConfig configures NewServer; only Node is needed in production.
type ServerConfig struct {
	// Node is the node name, a label of the collection metric.
	Node string
	// ProcRoot is the host's /proc ("/proc" if empty).
	ProcRoot string
	// Options are what the default Load loads the recorder with; ProcPath
	// defaults to ProcRoot.
	Options Options
	// Load loads and attaches the recorder; by default it acquires a Shared
	// recorder with Options, and Close releases it.
	Load func() (Recording, error)
	// Pids maps a container id to its processes; by default
	// containerid.PidsOf(ProcRoot, id). Tests map made-up ids to their own
	// children, whose cgroup they cannot choose.
	Pids func(containerID string) ([]int, error)
	// OnListening, if set, is called once the socket accepts connections.
	OnListening func()
	// PendingInterval is how often containers registered before they ran
	// are looked for (DefaultPendingInterval if zero).
	PendingInterval time.Duration
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
	pendingErr map[string]error // why a pending container could not be tracked
	// onNode lists every container's processes in one pass; nil when
	// ServerConfig.Pids was given, which is then asked per container.
	onNode func() (map[string][]int, error)
}

// container is one container registered by Start.
type container struct {
	profile string
	mntns   uint32 // 0 until its processes were found
	starts  int    // Starts not yet matched by a Stop
}

// NewServer returns a server that has loaded nothing yet.
func NewServer(cfg ServerConfig) *Server {
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Options.ProcPath == "" {
		cfg.Options.ProcPath = cfg.ProcRoot
	}
	if cfg.Load == nil {
		shared := &Shared{Options: cfg.Options}
		cfg.Load = func() (Recording, error) { return acquire(shared) }
	}
	s := &Server{cfg: cfg, containers: map[string]*container{}, pendingErr: map[string]error{}}
	if cfg.Pids == nil {
		root := cfg.ProcRoot
		s.cfg.Pids = func(id string) ([]int, error) { return containerid.PidsOf(root, id) }
		s.onNode = func() (map[string][]int, error) { return containerid.OnNode(root) }
	}
	if s.cfg.PendingInterval == 0 {
		s.cfg.PendingInterval = DefaultPendingInterval
	}
	return s
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
	clear(s.pendingErr)
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
