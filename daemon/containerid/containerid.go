package containerid

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoProcesses is returned when no process of a container runs on this
// node: it never started here, or it already exited.
var ErrNoProcesses = errors.New("no process of the container runs on this node")

// containerIDLen is the length of a runtime container id: a SHA-256 in hex.
const containerIDLen = 64

// runtimePrefixes are what container runtimes put before the id in a
// cgroup directory name, as systemd scopes ("<prefix><id>.scope") or, with
// the cgroupfs driver, as plain directories. "crio-conmon-<id>" is CRI-O's
// monitor process, not the container: the prefix does not match it because
// what follows "crio-" is then not 64 hex digits.
var runtimePrefixes = []string{"cri-containerd-", "crio-", "docker-", "libpod-", ""}

// FromCgroup returns the container id in the content of a
// /proc/<pid>/cgroup file (cgroup v1, v2 or hybrid). The innermost
// container wins, so a container nested in another (docker in docker)
// is reported as itself.
func FromCgroup(content string) (string, bool) {
	for _, line := range strings.Split(content, "\n") {
		// hierarchy-ID:controller-list:cgroup-path; the path may itself
		// contain colons, so split only twice.
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if id, ok := containerIDFromPath(parts[2]); ok {
			return id, true
		}
	}
	return "", false
}

// containerIDFromPath looks at the path's directories from the innermost out.
func containerIDFromPath(path string) (string, bool) {
	dirs := strings.Split(path, "/")
	for i := len(dirs) - 1; i >= 0; i-- {
		if id, ok := containerIDFromDir(dirs[i]); ok {
			return id, true
		}
	}
	return "", false
}

// FromCgroupDir returns the container id in one cgroup directory name, as
// runtimes name a container's cgroup: the bare id with the cgroupfs driver,
// "<runtime>-<id>.scope" with systemd's.
func FromCgroupDir(dir string) (string, bool) { return containerIDFromDir(dir) }

func containerIDFromDir(dir string) (string, bool) {
	dir = strings.TrimSuffix(dir, ".scope")
	for _, prefix := range runtimePrefixes {
		if id, ok := strings.CutPrefix(dir, prefix); ok && isContainerID(id) {
			return id, true
		}
	}
	return "", false
}

func isContainerID(s string) bool {
	if len(s) != containerIDLen {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Normalize strips the "<runtime>://" prefix that pod statuses
// put before the id (containerd://, cri-o://, docker://).
func Normalize(id string) string {
	if _, after, ok := strings.Cut(id, "://"); ok {
		return after
	}
	return id
}

// PidsOf returns, sorted, the processes under procRoot (normally
// /proc) whose cgroup names the container id. The error wraps
// ErrNoProcesses when there are none.
func PidsOf(procRoot, id string) ([]int, error) {
	id = Normalize(id)
	all, err := OnNode(procRoot)
	if err != nil {
		return nil, err
	}
	if len(all[id]) == 0 {
		return nil, fmt.Errorf("container %s: %w", id, ErrNoProcesses)
	}
	return all[id], nil
}

// OnNode maps the id of every container with a process under
// procRoot to its processes, sorted, in one pass over procRoot: looking
// for several containers costs no more than looking for one.
func OnNode(procRoot string) (map[string][]int, error) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	all := map[string][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue // not a process directory
		}
		// A process may exit between the listing and the read: skip it.
		b, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "cgroup"))
		if err != nil {
			continue
		}
		if id, ok := FromCgroup(string(b)); ok {
			all[id] = append(all[id], pid)
		}
	}
	for _, pids := range all {
		sort.Ints(pids)
	}
	return all, nil
}

// OfPid returns the id of the container pid runs in, read from
// <procRoot>/<pid>/cgroup; false when pid is not in a container (a host
// process) or has exited.
func OfPid(procRoot string, pid int) (string, bool) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return "", false
	}
	return FromCgroup(string(b))
}
