package v1beta1

import (
	"testing"

	"github.com/secprofiles/spo/api/internal/roundtrip"
)

func TestWebhookCanConvertEveryKind(t *testing.T) {
	roundtrip.Servable(t, AddToScheme, &SeccompProfile{})
}
