package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sysctls the cluster changes, so Down can put back what was there: Up
// sets the forwarding ones a node needs, the kubelet sets the vm/kernel
// ones it calls kernel defaults (protectKernelDefaults is off).
var sysctls = []string{
	"net/ipv4/ip_forward",
	"net/bridge/bridge-nf-call-iptables",
	"net/bridge/bridge-nf-call-ip6tables",
	"vm/overcommit_memory",
	"vm/panic_on_oom",
	"kernel/panic",
	"kernel/panic_on_oops",
	"kernel/keys/root_maxkeys",
	"kernel/keys/root_maxbytes",
}

// nodeSysctls are what Up sets: forwarding between the pod bridge and the
// host, and bridged pod traffic through netfilter, so that a Service
// reply from a pod on the same bridge is un-NATed.
var nodeSysctls = map[string]string{
	"net/ipv4/ip_forward":                 "1",
	"net/bridge/bridge-nf-call-iptables":  "1",
	"net/bridge/bridge-nf-call-ip6tables": "1",
}

// incidentalDirs are directories outside StateDir and RunDir that the
// components create whatever they are told: containerd's shim sockets
// (/run/containerd/s), libcni's result cache, the kubelet's log links,
// and the node directories of spo's DaemonSet. Down removes those that
// were not there before the first Up.
var incidentalDirs = []string{"/run/containerd", "/var/lib/cni", "/var/log/containers", KubeletDir, "/var/lib/spo", "/var/run/spo"}

// hostState is the host as it was before the first Up.
type hostState struct {
	Sysctls map[string]string `json:"sysctls"`
	Absent  []string          `json:"absent"`
}

// recordHost saves the host's state, once: a second Up must not take the
// first one's changes for the host's own settings.
func recordHost() error {
	if _, err := os.Stat(hostStateFile); err == nil {
		return nil
	}
	s := hostState{Sysctls: map[string]string{}}
	for _, k := range sysctls {
		if v, err := os.ReadFile(filepath.Join("/proc/sys", k)); err == nil {
			s.Sysctls[k] = strings.TrimSpace(string(v))
		}
	}
	for _, d := range incidentalDirs {
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			s.Absent = append(s.Absent, d)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(hostStateFile, b, 0o644)
}

func setNodeSysctls() error {
	for k, v := range nodeSysctls {
		path := filepath.Join("/proc/sys", k)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue // no br_netfilter: bridged traffic skips netfilter anyway
		}
		if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
			return fmt.Errorf("sysctl %s: %w", k, err)
		}
	}
	return nil
}

// restoreHost puts back the recorded sysctls and removes the incidental
// directories that were absent.
func restoreHost() error {
	b, err := os.ReadFile(hostStateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s hostState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", hostStateFile, err)
	}
	var errs []error
	for k, v := range s.Sysctls {
		if err := os.WriteFile(filepath.Join("/proc/sys", k), []byte(v), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("restoring sysctl %s: %w", k, err))
		}
	}
	for _, d := range s.Absent {
		errs = append(errs, os.RemoveAll(d))
	}
	return errors.Join(errs...)
}
