// Package containerid finds which container a process runs in, from the
// cgroup path container runtimes give it (/proc/<pid>/cgroup), and the
// processes of a container. The eBPF recorder uses it to find a
// container's mount namespace, the log enricher to attribute audit
// records to containers.
package containerid
