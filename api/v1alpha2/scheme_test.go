package v1alpha2

import (
	"testing"

	"github.com/secprofiles/spo/api/internal/roundtrip"
)

func TestWebhookCanConvertEveryKind(t *testing.T) {
	roundtrip.Servable(t, AddToScheme, &SelinuxProfile{}, &RawSelinuxProfile{})
}
