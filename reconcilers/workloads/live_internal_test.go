package workloads

import "testing"

func TestMustConfirm(t *testing.T) {
	tests := map[string]struct {
		deleting, holds bool
		cachedUsers     int
		want            bool
	}{
		"a profile being deleted that the cache shows no pod using is confirmed before its finalizer goes": {
			deleting: true, holds: true, cachedUsers: 0, want: true},
		"a profile being deleted that the cache shows in use keeps its finalizer without a live read": {
			deleting: true, holds: true, cachedUsers: 1, want: false},
		"a profile being deleted without the finalizer has nothing to release": {
			deleting: true, holds: false, cachedUsers: 0, want: false},
		"a profile not being deleted is released on the cache alone: it can gain the finalizer again": {
			deleting: false, holds: true, cachedUsers: 0, want: false},
		"a profile not being deleted and in use needs no live read": {
			deleting: false, holds: true, cachedUsers: 2, want: false},
		"a profile nobody uses and nobody deletes needs no live read": {
			deleting: false, holds: false, cachedUsers: 0, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mustConfirm(tc.deleting, tc.holds, tc.cachedUsers); got != tc.want {
				t.Errorf("mustConfirm(deleting=%v, holds=%v, cachedUsers=%d) = %v, want %v",
					tc.deleting, tc.holds, tc.cachedUsers, got, tc.want)
			}
		})
	}
}
