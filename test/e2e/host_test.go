package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// hostSnapshot is what of the host a cluster touches and must give back:
// network devices, mounts, nftables rules, the sysctls a node sets and
// the directories its components create.
type hostSnapshot struct {
	links, mounts []string
	nft           string
	sysctls       map[string]string
	dirs          map[string]bool
}

var (
	watchedSysctls = []string{"net/ipv4/ip_forward", "net/bridge/bridge-nf-call-iptables", "vm/overcommit_memory",
		"vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops"}
	watchedDirs = []string{"/var/lib/kubelet", "/run/containerd", "/var/lib/cni", "/var/log/containers",
		"/var/lib/spo", "/var/run/spo", "/opt/containerd", "/etc/cni", "/var/log/pods", "/var/run/netns"}
)

func snapshotHost() hostSnapshot {
	s := hostSnapshot{sysctls: map[string]string{}, dirs: map[string]bool{}}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		s.links = append(s.links, l.Name())
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if f := strings.Fields(line); len(f) > 4 {
				s.mounts = append(s.mounts, f[4])
			}
		}
		slices.Sort(s.mounts)
	}
	if out, err := exec.Command("nft", "list", "ruleset").Output(); err == nil {
		s.nft = string(out)
	} else {
		s.nft = "nft list ruleset: " + err.Error()
	}
	for _, k := range watchedSysctls {
		v, _ := os.ReadFile(filepath.Join("/proc/sys", k))
		s.sysctls[k] = strings.TrimSpace(string(v))
	}
	for _, d := range watchedDirs {
		_, err := os.Stat(d)
		s.dirs[d] = err == nil
	}
	return s
}

// diff says how after differs from s, or "" when it does not.
func (s hostSnapshot) diff(after hostSnapshot) string {
	var d []string
	if !slices.Equal(s.links, after.links) {
		d = append(d, fmt.Sprintf("network devices: before %v, after %v", s.links, after.links))
	}
	if !slices.Equal(s.mounts, after.mounts) {
		d = append(d, fmt.Sprintf("mounts: before %d, after %d: %v", len(s.mounts), len(after.mounts), added(s.mounts, after.mounts)))
	}
	if s.nft != after.nft {
		d = append(d, fmt.Sprintf("nftables ruleset: before\n%s\nafter\n%s", s.nft, after.nft))
	}
	for k, v := range s.sysctls {
		if after.sysctls[k] != v {
			d = append(d, fmt.Sprintf("sysctl %s: before %q, after %q", k, v, after.sysctls[k]))
		}
	}
	for k, v := range s.dirs {
		if after.dirs[k] != v {
			d = append(d, fmt.Sprintf("%s: existed before %v, after %v", k, v, after.dirs[k]))
		}
	}
	return strings.Join(d, "\n")
}

func added(before, after []string) []string {
	var a []string
	for _, m := range after {
		if !slices.Contains(before, m) {
			a = append(a, m)
		}
	}
	return a
}
