package bpfrecorder

import "testing"

func TestTrackedFilterKeepsSharedBits(t *testing.T) {
	rec := load(t, KindBTF, Options{HostMountNamespace: 1, NoExecutables: true})
	f := rec.filter
	a, b := uint32(4026532000), uint32(4026532000+filterBits) // same bit
	bit := a % filterBits
	isSet := func() bool { return f.words[bit/64]&(1<<(bit%64)) != 0 }
	if err := rec.Track(a); err != nil {
		t.Fatal(err)
	}
	if err := rec.Track(b); err != nil {
		t.Fatal(err)
	}
	if err := rec.Untrack(a); err != nil || !isSet() {
		t.Fatalf("untracking one of two numbers sharing a bit cleared it (%v)", err)
	}
	if err := rec.Untrack(b); err != nil || isSet() {
		t.Fatalf("untracking the last number left its bit set (%v)", err)
	}
	var words [filterBits / 64]uint64
	if err := f.v.Get(&words); err != nil || words != f.words {
		t.Fatalf("the kernel's filter differs from ours (%v)", err)
	}
}

func TestSlotsAreReusedOnlyAfterForget(t *testing.T) {
	rec := load(t, KindBTF, Options{HostMountNamespace: 1, NoExecutables: true})
	max := rec.syscalls.MaxEntries()
	for i := range max {
		if err := rec.Track(1<<31 + i); err != nil {
			t.Fatalf("Track #%d: %v", i, err)
		}
	}
	if err := rec.Track(1 << 30); err == nil {
		t.Fatalf("Track beyond %d slots succeeded", max)
	}
	if err := rec.Untrack(1 << 31); err != nil {
		t.Fatal(err)
	}
	if err := rec.Track(1 << 30); err == nil {
		t.Fatal("Untrack freed a slot whose data was not collected")
	}
	if err := rec.Forget(1 << 31); err != nil {
		t.Fatal(err)
	}
	if err := rec.Track(1 << 30); err != nil {
		t.Fatalf("Track after Forget: %v", err)
	}
	st, err := rec.Status(1 << 30)
	if err != nil || st.Session != uint64(max)+1 || !st.Tracked {
		t.Fatalf("Status of the reused slot = %+v, %v", st, err)
	}
}
