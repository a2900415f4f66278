// Command pause is a pod sandbox's process: it keeps the pod's namespaces
// alive by doing nothing until the runtime stops it with SIGINT or SIGTERM
// (then it exits 0, which the runtime takes as a clean stop). As PID 1 of
// a pod that shares its PID namespace it also inherits every orphaned
// process of the pod's containers, and reaps them so that exited ones do
// not stay zombies and fill the PID space.
//
// The image builder (hack/images) embeds this file and compiles it in a
// module of its own, so it must import nothing but the standard library.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Buffered: signal.Notify drops what does not fit, and a burst of
	// SIGCHLD must not crowd out SIGTERM.
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	// After Notify, so whoever reads it knows SIGTERM is now handled
	// rather than fatal.
	fmt.Fprintln(os.Stderr, "pause: waiting for SIGINT or SIGTERM")
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		reap()
	}
}

// reap collects every exited child and returns how many. One SIGCHLD may
// stand for many exits (pending signals coalesce), hence the loop until
// none is left.
func reap() int {
	n := 0
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return n
		}
		n++
	}
}
