package enricher

// The getters return copies, so callers never hold the collector's lock.
// A key nothing was collected for (or that was reset) is not found; Reset
// of such a key is not an error, so the daemon may retry a reset.

// Syscalls returns what the seccomp recording key collected so far.
func (c *Collector) Syscalls(key string) (SyscallSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.seccomp[key]
	if !ok {
		return SyscallSet{}, false
	}
	return a.snapshot(), true
}

// ResetSyscalls forgets them.
func (c *Collector) ResetSyscalls(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seccomp, key)
}

// AVCs returns what the SELinux recording key collected so far.
func (c *Collector) AVCs(key string) ([]AVCRule, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.avcs[key]
	if !ok {
		return nil, false
	}
	return a.snapshot(), true
}

// ResetAVCs forgets them.
func (c *Collector) ResetAVCs(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.avcs, key)
}

// AppArmor returns what the AppArmor recording key collected so far.
func (c *Collector) AppArmor(key string) ([]AppArmorAccess, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.apparmor[key]
	if !ok {
		return nil, false
	}
	return a.snapshot(), true
}

// ResetAppArmor forgets them.
func (c *Collector) ResetAppArmor(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.apparmor, key)
}
