package jsonenricher

import (
	"encoding/binary"
	"testing"
	"time"
)

func TestExecsFind(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	img := func(pid int, exe string) Process { return Process{PID: pid, Exe: exe, ContainerID: "c1"} }
	type snap struct {
		at time.Time
		p  Process
	}
	cases := []struct {
		sentence string
		snaps    []snap
		pid      int
		caller   string
		exec     bool
		stamp    time.Time
		want     string // Exe found; "" for none
	}{{
		sentence: "gives runc's exec of the entrypoint the first image after the record",
		snaps:    []snap{{ms(1), img(7, "/usr/bin/env")}, {ms(2), img(7, "/usr/bin/cat")}},
		pid:      7, caller: "/runc", exec: true, stamp: ms(0), want: "/usr/bin/env",
	}, {
		sentence: "gives env's exec the image that followed env",
		snaps:    []snap{{ms(1), img(7, "/usr/bin/env")}, {ms(2), img(7, "/usr/bin/cat")}},
		pid:      7, caller: "/usr/bin/env", exec: true, stamp: ms(1), want: "/usr/bin/cat",
	}, {
		sentence: "never gives an exec an image older than its record: the pid may be reused",
		snaps:    []snap{{ms(1), img(7, "/usr/bin/env")}},
		pid:      7, caller: "/runc", exec: true, stamp: ms(5),
	}, {
		sentence: "passes over an older image of the caller to the one after the record",
		snaps:    []snap{{ms(1), img(7, "/bin/sh")}, {ms(9), img(7, "/bin/ls")}},
		pid:      7, caller: "/bin/sh", exec: true, stamp: ms(8), want: "/bin/ls",
	}, {
		sentence: "gives any other record the latest image before it",
		snaps:    []snap{{ms(1), img(7, "/usr/bin/env")}, {ms(2), img(7, "/usr/bin/cat")}, {ms(900), img(7, "/bin/true")}},
		pid:      7, stamp: ms(50), want: "/usr/bin/cat",
	}, {
		sentence: "allows a record a coarse clock's tick before the image it belongs to",
		snaps:    []snap{{ms(10), img(7, "/usr/bin/cat")}},
		pid:      7, stamp: ms(0), want: "/usr/bin/cat",
	}, {
		sentence: "knows nothing of another pid",
		snaps:    []snap{{ms(1), img(7, "/usr/bin/env")}},
		pid:      8, caller: "/runc", exec: true, stamp: ms(0),
	}}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			x := newExecs(time.Minute, 100, 1<<20)
			for _, s := range c.snaps {
				x.add(s.at, s.p)
			}
			p, ok := x.find(c.pid, c.caller, c.exec, c.stamp)
			if ok != (c.want != "") || p.Exe != c.want {
				t.Errorf("found %q (%v), want %q", p.Exe, ok, c.want)
			}
		})
	}
}

func TestExecsBounds(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	t.Run("forgets images older than the ttl", func(t *testing.T) {
		x := newExecs(10*time.Second, 100, 1<<20)
		x.add(t0, Process{PID: 1, Exe: "/a"})
		x.add(t0.Add(11*time.Second), Process{PID: 2, Exe: "/b"})
		if _, ok := x.find(1, "", false, t0.Add(time.Second)); ok {
			t.Error("pid 1 still there after the ttl")
		}
		if len(x.order) != 1 {
			t.Errorf("%d entries, want 1", len(x.order))
		}
	})
	t.Run("never gives a record an image older than the ttl, even with no exec since", func(t *testing.T) {
		x := newExecs(10*time.Second, 100, 1<<20)
		x.add(t0, Process{PID: 1, Exe: "/a"})
		if _, ok := x.find(1, "", false, t0.Add(11*time.Second)); ok {
			t.Error("an image older than the ttl was found")
		}
	})
	t.Run("drops the oldest image beyond max", func(t *testing.T) {
		x := newExecs(time.Minute, 2, 1<<20)
		x.add(t0, Process{PID: 1, Exe: "/a"})
		x.add(t0.Add(time.Millisecond), Process{PID: 2, Exe: "/b"})
		x.add(t0.Add(2*time.Millisecond), Process{PID: 3, Exe: "/c"})
		if _, ok := x.find(1, "", false, t0.Add(time.Second)); ok {
			t.Error("the oldest is still there")
		}
		for _, pid := range []int{2, 3} {
			if _, ok := x.find(pid, "", false, t0.Add(time.Second)); !ok {
				t.Errorf("pid %d dropped", pid)
			}
		}
	})
	t.Run("drops the oldest images beyond maxBytes: long command lines cannot grow it", func(t *testing.T) {
		x := newExecs(time.Minute, 1000, 64<<10)
		long := string(make([]byte, 10<<10))
		for i := range 100 {
			x.add(t0.Add(time.Duration(i)*time.Millisecond), Process{PID: 1 + i%3, Exe: "/bin/sh", Args: []string{"sh", "-c", long}})
		}
		if x.bytes > 64<<10 || len(x.order) != 6 {
			t.Errorf("%d bytes in %d entries, want at most %d bytes in 6", x.bytes, len(x.order), 64<<10)
		}
		held := 0
		for _, snaps := range x.byPID {
			held += len(snaps)
		}
		if held != len(x.order) {
			t.Errorf("%d snapshots held, %d in order", held, len(x.order))
		}
		if _, ok := x.find(1+99%3, "", false, t0.Add(time.Second)); !ok {
			t.Error("the newest was dropped")
		}
	})
}

func TestExecsRequestUID(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	env := Process{PID: 7, Exe: "/usr/bin/env", Args: []string{"env", "SPO_EXEC_REQUEST_UID=u1", "cat"}, RequestUID: "u1"}
	cases := []struct {
		sentence string
		next     Process
		after    time.Duration
		want     string
	}{{
		sentence: "passes env's request UID to the command read after it exited",
		next:     Process{PID: 7, Exe: "/usr/bin/cat"}, after: time.Millisecond, want: "u1",
	}, {
		sentence: "keeps the command's own environment when it could be read",
		next:     Process{PID: 7, Exe: "/usr/bin/cat", Args: []string{"cat"}}, after: time.Millisecond,
	}, {
		sentence: "passes nothing to a process read long after: the pid may be reused",
		next:     Process{PID: 7, Exe: "/usr/bin/cat"}, after: 2 * time.Second,
	}}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			x := newExecs(time.Minute, 100, 1<<20)
			x.add(t0, env)
			x.add(t0.Add(c.after), c.next)
			got, _ := x.find(7, "/usr/bin/env", true, t0.Add(c.after))
			if got.Exe != "/usr/bin/cat" || got.RequestUID != c.want {
				t.Errorf("found %q with request UID %q, want %q", got.Exe, got.RequestUID, c.want)
			}
		})
	}
}

func TestExecPID(t *testing.T) {
	msg := listenMessage(false)[:sizeofCnMsg] // a cn_msg header
	ev := make([]byte, procEventDataStart+8)
	binary.NativeEndian.PutUint32(ev, procEventExec)
	binary.NativeEndian.PutUint32(ev[procEventDataStart+4:], 42) // process_tgid
	if pid, ok := execPID(append(msg, ev...)); !ok || pid != 42 {
		t.Errorf("exec event: pid %d, %v", pid, ok)
	}
	binary.NativeEndian.PutUint32(ev, 0x1) // PROC_EVENT_FORK
	if _, ok := execPID(append(msg, ev...)); ok {
		t.Error("a fork event read as an exec")
	}
	if _, ok := execPID(msg[:7]); ok {
		t.Error("a short message read as an exec")
	}
}

// FuzzExecPID: whatever the socket delivers, reading it never panics.
func FuzzExecPID(f *testing.F) {
	f.Add(append(listenMessage(true)[:sizeofCnMsg], make([]byte, procEventDataStart+8)...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		execPID(data)
	})
}
