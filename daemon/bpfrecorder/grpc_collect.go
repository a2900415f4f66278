package bpfrecorder

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/secprofiles/spo/daemon/containerid"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// SyscallsForContainer returns what the container's mount namespaces did
// since their first syscall (or since the recorder loaded, if later).
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
	profile := ""
	if c := s.containers[id]; c != nil {
		profile = c.profile
	}
	// A container not registered by Start is answered too (another
	// client may be about to register it), but not kept for it.
	return s.collect(id, profile)
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
		r, err := s.collect(id, req.GetProfile())
		if err != nil {
			return nil, status.Errorf(status.Code(err), "profile %q: %s", req.GetProfile(), status.Convert(err).Message())
		}
		all = append(all, r)
	}
	return unite(all), nil
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

// collect unites the container's namespaces (one, unless a process of it
// made its own).
func (s *Server) collect(id, profile string) (*pb.SyscallsResponse, error) {
	arch, archName, err := nativeArch()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	nss, err := s.rec.Born(id)
	if err != nil {
		return nil, statusOf(err, "container %s", id)
	}
	if len(nss) == 0 {
		return nil, statusOf(fmt.Errorf("container %s: %w", id, ErrNoSyscallSeen), "collecting")
	}
	out := &pb.SyscallsResponse{Architecture: archName, ContainerIds: []string{id}}
	for _, ns := range nss {
		names, err := s.rec.BornSyscalls(ns.ID, arch)
		if err != nil {
			return nil, statusOf(err, "container %s (mount namespace %d)", id, ns.MntNS)
		}
		execs, _, err := s.rec.BornExecutables(ns.ID)
		if err != nil {
			return nil, statusOf(err, "executables of container %s (mount namespace %d)", id, ns.MntNS)
		}
		out.Syscalls = append(out.Syscalls, names...)
		out.Executables = append(out.Executables, execs...)
		if s.cfg.Options.AppArmor {
			aa, err := s.rec.BornAppArmor(ns.ID)
			if err != nil {
				return nil, statusOf(err, "AppArmor accesses of container %s (mount namespace %d)", id, ns.MntNS)
			}
			out.Apparmor = uniteAppArmor(out.Apparmor, appArmorMessage(aa, s.rec.AppArmorLimits()))
		}
		countCollection(s.cfg.Node, ns.MntNS, profile)
	}
	if len(nss) == 1 {
		out.MountNamespace = nss[0].MntNS
	}
	out.Syscalls = sortedUnique(out.Syscalls)
	out.Executables = sortedUnique(out.Executables)
	return out, nil
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
		out.Apparmor = uniteAppArmor(out.Apparmor, r.GetApparmor())
	}
	out.Syscalls = sortedUnique(out.Syscalls)
	out.Executables = sortedUnique(out.Executables)
	return out
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
