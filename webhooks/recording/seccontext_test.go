package recording

import (
	"testing"

	"github.com/secprofiles/spo/daemon/seccomp"
)

// The constant is spelled out in the webhook to keep libseccomp out of it;
// this keeps it from drifting away from where the daemon writes profiles.
func TestLogEverythingProfileIsWhereTheDaemonWritesIt(t *testing.T) {
	if got := seccomp.LocalhostProfile(LogEverythingProfile); got != LogEverythingLocalhostProfile {
		t.Errorf("daemon writes %q, webhook sets %q", got, LogEverythingLocalhostProfile)
	}
}
