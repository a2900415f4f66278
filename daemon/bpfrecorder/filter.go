package bpfrecorder

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// filterBits mirrors FILTER_BITS in bpf/recorder.bpf.c.
const filterBits = 65536

// trackedFilter is user space's copy of the BPF tracked_filter: bit
// (mntns % filterBits) is set while any tracked number maps to it.
type trackedFilter struct {
	v     *ebpf.Variable
	words [filterBits / 64]uint64
	refs  map[uint32]int // bit -> tracked numbers using it
}

func newTrackedFilter(v *ebpf.Variable) (*trackedFilter, error) {
	if v == nil || v.ReadOnly() {
		return nil, fmt.Errorf("tracked_filter is not writable (needs BPF_F_MMAPABLE, Linux 5.5)")
	}
	return &trackedFilter{v: v, refs: map[uint32]int{}}, nil
}

func (f *trackedFilter) add(mntns uint32) error {
	bit := mntns % filterBits
	f.refs[bit]++
	return f.set(bit, true)
}

func (f *trackedFilter) remove(mntns uint32) error {
	bit := mntns % filterBits
	if f.refs[bit] == 0 {
		return nil
	}
	if f.refs[bit]--; f.refs[bit] > 0 {
		return nil
	}
	delete(f.refs, bit)
	return f.set(bit, false)
}

// set publishes the filter; the BPF side only reads it, and words other than
// the changed one are rewritten with the values they already have.
func (f *trackedFilter) set(bit uint32, on bool) error {
	if on {
		f.words[bit/64] |= 1 << (bit % 64)
	} else {
		f.words[bit/64] &^= 1 << (bit % 64)
	}
	if err := f.v.Set(f.words); err != nil {
		return fmt.Errorf("updating tracked_filter: %w", err)
	}
	return nil
}
