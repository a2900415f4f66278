package cluster

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Leftovers lists what of a cluster remains on this host: its processes,
// the processes of its pods, mounts under its directories, the kubelet's
// cgroups, the pod bridge, kube-proxy's nftables tables and its
// directories. After Down it is empty.
func Leftovers() []string {
	var left []string
	for _, name := range startOrder {
		if pid, ok := running(name); ok {
			left = append(left, fmt.Sprintf("process %s (pid %d)", name, pid))
		}
	}
	for _, pid := range podProcesses() {
		left = append(left, fmt.Sprintf("pod process %d", pid))
	}
	for _, m := range ourMounts() {
		left = append(left, "mount "+m)
	}
	for _, d := range kubepodsDirs() {
		left = append(left, "cgroup "+d)
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", Bridge)); err == nil {
		left = append(left, "network device "+Bridge)
	}
	if out, err := exec.Command("nft", "list", "tables").Output(); err == nil && strings.Contains(string(out), "kube-proxy") {
		left = append(left, "nftables tables of kube-proxy: "+strings.TrimSpace(string(out)))
	}
	for _, d := range []string{StateDir, RunDir} {
		if _, err := os.Stat(d); err == nil {
			left = append(left, "directory "+d)
		}
	}
	return left
}

// mountRoots are the directories under which every mount of the cluster
// is.
var mountRoots = []string{StateDir, RunDir, KubeletDir, "/run/containerd"}

// ourMounts are the mount points under mountRoots, deepest first.
func ourMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var mounts []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		// The mount point is the fifth field (proc(5)), with spaces
		// escaped as \040.
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		mp := strings.ReplaceAll(fields[4], `\040`, " ")
		for _, root := range mountRoots {
			if mp == root || strings.HasPrefix(mp, root+"/") {
				mounts = append(mounts, mp)
				break
			}
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	return mounts
}

// kubepodsDirs are the kubelet's top pod cgroups, one per mounted
// hierarchy (cgroup v1 controllers and the v2 unified tree).
func kubepodsDirs() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var dirs []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		i := strings.Index(line, " - ")
		if i < 0 {
			continue
		}
		fstype := strings.Fields(line[i+3:])[0]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		dir := filepath.Join(strings.Fields(line)[4], kubepodsCgroup)
		if _, err := os.Stat(dir); err == nil {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// podProcesses are the processes in the kubelet's cgroups.
func podProcesses() []int {
	var pids []int
	for _, dir := range kubepodsDirs() {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Name() == "cgroup.procs" {
				pids = append(pids, readPids(path)...)
			}
			return nil
		})
	}
	return pids
}
