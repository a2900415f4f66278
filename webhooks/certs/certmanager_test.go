package certs

import (
	"net"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/google/go-cmp/cmp"
)

func TestCertManagerObjects(t *testing.T) {
	opts := Options{Namespace: "spo-system", ExtraDNSNames: []string{"localhost"}, ExtraIPs: []net.IP{net.ParseIP("127.0.0.1")}}
	issuer, cert := certManagerObjects(opts)
	tests := map[string]struct{ got, want any }{
		"the Issuer is self-signed":          {issuer.Spec.SelfSigned, &cmapi.SelfSignedIssuer{}},
		"the Issuer is the shared name":      {issuer.Namespace + "/" + issuer.Name, "spo-system/spo-selfsigned"},
		"the Certificate fills the Secret":   {cert.Spec.SecretName, "spo-webhook-cert"},
		"the Certificate is issued by it":    {cert.Spec.IssuerRef, cmmeta.IssuerReference{Group: "cert-manager.io", Kind: "Issuer", Name: "spo-selfsigned"}},
		"the Certificate names the Service":  {cert.Spec.DNSNames, []string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local", "localhost"}},
		"the Certificate names extra IPs":    {cert.Spec.IPAddresses, []string{"127.0.0.1"}},
		"the Certificate is the shared name": {cert.Namespace + "/" + cert.Name, "spo-system/spo-webhook-cert"},
		"the kinds are set for unstructured apply": {
			[]string{issuer.APIVersion, issuer.Kind, cert.APIVersion, cert.Kind},
			[]string{"cert-manager.io/v1", "Issuer", "cert-manager.io/v1", "Certificate"},
		},
		"the annotation names the Certificate": {
			injectFrom("spo-system"), map[string]string{"cert-manager.io/inject-ca-from": "spo-system/spo-webhook-cert"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
