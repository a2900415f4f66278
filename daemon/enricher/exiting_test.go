package enricher

import (
	"slices"
	"testing"
	"time"
)

// A process that has started exiting reads its cgroup as "/" on cgroup
// v1 (pidcache.go, exiting): its late records must not be taken for a
// host process's, and that answer must not be cached.
func TestExitingProcesses(t *testing.T) {
	for name, tc := range map[string]struct {
		seenAlive    bool   // a record of it arrived while it ran in its container
		lateExe      string // the executable its late record names
		wantRecorded []string
		wantCached   bool // the late lookup left an entry naming the container
	}{
		"a zombie seen in its container keeps its attribution past the TTL": {
			seenAlive: true, lateExe: "/bin/busybox", wantRecorded: []string{"exit_group", "nanosleep"}, wantCached: true,
		},
		"a zombie never seen in its container is unknown, not a host process": {
			lateExe: "/bin/busybox",
		},
		"a zombie whose record names another executable is not attributed, and the entry stays": {
			seenAlive: true, lateExe: "/bin/other", wantRecorded: []string{"nanosleep"}, wantCached: true,
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.PidTTL = time.Second })
			f.index.set(idA, web)
			f.proc.run(10, idA, "")
			if tc.seenAlive {
				f.c.Add(mustParse(t, seccompLine(10, 35, "/bin/busybox"))) // nanosleep
			}
			f.clock.advance(5 * time.Second)
			f.proc.zombie(10)
			exited := value(t, droppedEvents.WithLabelValues("process_exited"))
			f.c.Add(mustParse(t, seccompLine(10, 231, tc.lateExe))) // exit_group
			got, _ := f.c.Syscalls(web.SeccompKey)
			if !slices.Equal(got.Syscalls, tc.wantRecorded) {
				t.Errorf("recorded %v, want %v", got.Syscalls, tc.wantRecorded)
			}
			in, cached := f.c.pids.m[10]
			if cached && in.id == "" && !in.gone {
				t.Errorf("cached as a host process: %+v", in)
			}
			if gotCached := cached && in.id == idA; gotCached != tc.wantCached {
				t.Errorf("cache entry %+v (present %v), want one naming the container: %v", in, cached, tc.wantCached)
			}
			attributed := slices.Contains(tc.wantRecorded, "exit_group")
			if d := value(t, droppedEvents.WithLabelValues("process_exited")) - exited; (d == 0) != attributed {
				t.Errorf("process_exited rose by %v; want a drop counted unless attributed", d)
			}
		})
	}
}

// A live process outside any container is still cached as a host
// process: the state check only applies to processes on their way out.
func TestALiveHostProcessIsCachedAsHost(t *testing.T) {
	f := newFixture(t, nil)
	f.proc.run(10, "", "")
	f.c.Add(mustParse(t, seccompLine(10, 1, "/usr/sbin/sshd")))
	if in, ok := f.c.pids.m[10]; !ok || in.id != "" || in.gone {
		t.Errorf("cache entry %+v (present %v), want a host entry", in, ok)
	}
}

func TestParseStat(t *testing.T) {
	for line, want := range map[string]struct {
		state byte
		flags uint64
		ok    bool
	}{
		"42 (sleep) S 1 42 42 0 -1 4194560 97 0 0 0":       {'S', 0x400100, true},
		"42 (a) b) c) Z 1 42 42 0 -1 4227148 97 0 0 0 0 0": {'Z', 0x40804c, true},
		"42 (x (y)) R 1 42 42 0 -1":                        {}, // too short
		"42 sleep S 1 42 42 0 -1 4194560":                  {}, // no comm
		"42 (sleep) S 1 42 42 0 -1 flags":                  {},
	} {
		state, flags, ok := parseStat(line)
		if state != want.state || flags != want.flags || ok != want.ok {
			t.Errorf("parseStat(%q) = %q, %#x, %v; want %q, %#x, %v", line, state, flags, ok, want.state, want.flags, want.ok)
		}
	}
}
