package bpfrecorder

import (
	"context"
	"errors"
	"slices"
	"sort"

	"github.com/secprofiles/spo/daemon/containerid"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// SyscallsForContainer returns what the container's mount namespace did.
func (s *Server) SyscallsForContainer(_ context.Context, req *pb.ContainerRequest) (*pb.SyscallsResponse, error) {
	id := containerid.Normalize(req.GetContainerId())
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "container_id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return nil, status.Error(codes.FailedPrecondition, "the BPF recorder is not started: call Start first")
	}
	c := s.containers[id]
	if c == nil {
		// Not registered by Start: its namespace may still be recorded
		// (another client tracks it), so look rather than refuse, but do
		// not start tracking what nobody will Stop.
		mntns, err := s.mountNamespace(id)
		if err != nil {
			return nil, statusOf(err, "container %s (not started by Start)", id)
		}
		return s.collect(mntns, "", id)
	}
	if err := s.trackForCollection(id, c); err != nil {
		return nil, statusOf(err, "container %s", id)
	}
	return s.collect(c.mntns, c.profile, id)
}

// SyscallsForProfile unites what the profile's containers did.
func (s *Server) SyscallsForProfile(_ context.Context, req *pb.ProfileRequest) (*pb.SyscallsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return nil, status.Error(codes.FailedPrecondition, "the BPF recorder is not started: call Start first")
	}
	ids := s.containersOf(req.GetProfile())
	if len(ids) == 0 {
		return nil, status.Errorf(codes.NotFound, "no container was started for profile %q", req.GetProfile())
	}
	var all []*pb.SyscallsResponse
	for _, id := range ids {
		c := s.containers[id]
		if err := s.trackForCollection(id, c); err != nil {
			return nil, statusOf(err, "profile %q: container %s", req.GetProfile(), id)
		}
		r, err := s.collect(c.mntns, c.profile, id)
		if err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	return unite(all), nil
}

// trackForCollection makes a last attempt at a container never found
// running; if it has gone, the reason an earlier attempt failed is more
// useful than "no process".
func (s *Server) trackForCollection(id string, c *container) error {
	err := s.track(id, c)
	if perr := s.pendingErr[id]; err != nil && perr != nil && errors.Is(err, containerid.ErrNoProcesses) {
		return perr
	}
	return err
}

func (s *Server) containersOf(profile string) []string {
	var ids []string
	for id, c := range s.containers {
		if c.profile == profile && profile != "" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (s *Server) collect(mntns uint32, profile, id string) (*pb.SyscallsResponse, error) {
	arch, archName, err := nativeArch()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	names, err := s.rec.Syscalls(mntns, arch)
	if err != nil {
		return nil, statusOf(err, "container %s (mount namespace %d)", id, mntns)
	}
	execs, err := s.rec.Executables(mntns)
	if err != nil {
		return nil, statusOf(err, "executables of container %s (mount namespace %d)", id, mntns)
	}
	countCollection(s.cfg.Node, mntns, profile)
	return &pb.SyscallsResponse{Syscalls: names, Architecture: archName, Executables: execs,
		MountNamespace: mntns, ContainerIds: []string{id}}, nil
}

// unite merges per-container responses into one, sorted and deduplicated.
func unite(all []*pb.SyscallsResponse) *pb.SyscallsResponse {
	if len(all) == 1 {
		return all[0]
	}
	out := &pb.SyscallsResponse{Architecture: all[0].GetArchitecture()}
	for _, r := range all {
		out.Syscalls = append(out.Syscalls, r.GetSyscalls()...)
		out.Executables = append(out.Executables, r.GetExecutables()...)
		out.ContainerIds = append(out.ContainerIds, r.GetContainerIds()...)
	}
	out.Syscalls = sortedUnique(out.Syscalls)
	out.Executables = sortedUnique(out.Executables)
	return out
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
