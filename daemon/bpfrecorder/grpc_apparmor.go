package bpfrecorder

import (
	"cmp"
	"slices"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
)

// appArmorMessage is a recording's AppArmor accesses as the gRPC API
// sends them, files sorted by path.
func appArmorMessage(a AppArmor, limits []string) *pb.AppArmor {
	out := &pb.AppArmor{Capabilities: a.Capabilities, Tcp: a.TCP, Udp: a.UDP, Raw: a.Raw,
		Lost: a.Lost, Limits: limits}
	for path, bits := range a.Files {
		out.Files = append(out.Files, &pb.FileAccess{Path: path, Read: bits&AccessRead != 0,
			Write: bits&AccessWrite != 0, Library: bits&AccessLibrary != 0, Exec: bits&AccessExec != 0})
	}
	slices.SortFunc(out.Files, func(x, y *pb.FileAccess) int { return cmp.Compare(x.GetPath(), y.GetPath()) })
	return out
}

// uniteAppArmor is the union of two recordings' AppArmor accesses (either
// may be nil: no AppArmor recorded).
func uniteAppArmor(a, b *pb.AppArmor) *pb.AppArmor {
	if a == nil || b == nil {
		return cmp.Or(a, b)
	}
	files := map[string]*pb.FileAccess{}
	for _, f := range slices.Concat(a.GetFiles(), b.GetFiles()) {
		u, ok := files[f.GetPath()]
		if !ok {
			u = &pb.FileAccess{Path: f.GetPath()}
			files[f.GetPath()] = u
		}
		u.Read, u.Write, u.Library = u.Read || f.GetRead(), u.Write || f.GetWrite(), u.Library || f.GetLibrary()
		u.Exec = u.Exec || f.GetExec()
	}
	out := &pb.AppArmor{Tcp: a.GetTcp() || b.GetTcp(), Udp: a.GetUdp() || b.GetUdp(), Raw: a.GetRaw() || b.GetRaw(),
		Lost:         a.GetLost() + b.GetLost(),
		Capabilities: sortedUnique(slices.Concat(a.GetCapabilities(), b.GetCapabilities())),
		Limits:       sortedUnique(slices.Concat(a.GetLimits(), b.GetLimits()))}
	for _, f := range files {
		out.Files = append(out.Files, f)
	}
	slices.SortFunc(out.Files, func(x, y *pb.FileAccess) int { return cmp.Compare(x.GetPath(), y.GetPath()) })
	return out
}
