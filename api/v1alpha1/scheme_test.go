package v1alpha1

import (
	"testing"

	"github.com/secprofiles/spo/api/internal/roundtrip"
)

func TestWebhookCanConvertEveryKind(t *testing.T) {
	roundtrip.Servable(t, AddToScheme,
		&AppArmorProfile{}, &ProfileBinding{}, &ProfileRecording{}, &SecurityProfilesOperatorDaemon{}, &SecurityProfileNodeStatus{})
}
