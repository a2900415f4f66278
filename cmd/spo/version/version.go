// Package version says which spo build is running and with which libraries,
// so a bug report can name them.
package version

import (
	"fmt"
	"runtime"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// Version is stamped by the build (make build sets it from git describe).
var Version = "dev"

// Info is what every component logs when it starts.
type Info struct {
	Version    string
	Go         string
	Platform   string
	Libseccomp string
}

// Get reads the build and library versions.
func Get() Info {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return Info{
		Version:    Version,
		Go:         runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		Libseccomp: fmt.Sprintf("%d.%d.%d", major, minor, micro),
	}
}

// KeysAndValues returns the info for a structured log line.
func (i Info) KeysAndValues() []any {
	return []any{"version", i.Version, "go", i.Go, "platform", i.Platform, "libseccomp", i.Libseccomp}
}

func (i Info) String() string {
	return fmt.Sprintf("spo %s (%s, %s, libseccomp %s)", i.Version, i.Go, i.Platform, i.Libseccomp)
}
