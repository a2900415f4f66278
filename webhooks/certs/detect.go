package certs

import (
	"fmt"
	"slices"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// Detect returns ModeCertManager when the API server serves cert-manager's
// Issuers and Certificates, ModeBuiltIn otherwise. The mode is decided once:
// installing or removing cert-manager takes effect at the next restart.
func Detect(cfg *rest.Config) (Mode, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", fmt.Errorf("creating a discovery client: %w", err)
	}
	resources, err := dc.ServerResourcesForGroupVersion(cmapi.SchemeGroupVersion.String())
	if apierrors.IsNotFound(err) {
		return ModeBuiltIn, nil
	}
	if err != nil {
		return "", fmt.Errorf("discovering %s: %w", cmapi.SchemeGroupVersion, err)
	}
	return modeFor(resources), nil
}

// modeFor decides from the resources served in cert-manager.io/v1.
func modeFor(resources *metav1.APIResourceList) Mode {
	served := func(name string) bool {
		return slices.ContainsFunc(resources.APIResources, func(r metav1.APIResource) bool { return r.Name == name })
	}
	if served("certificates") && served("issuers") {
		return ModeCertManager
	}
	return ModeBuiltIn
}
