package v1alpha1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// logEnricherSourceAuditd is the only source the flat v1alpha1 enricher
// knew, so it is what a v1alpha1 SPOD implies.
const logEnricherSourceAuditd v1.LogEnricherSource = "Auditd"

// spodKept is what a v1 SPOD can hold and v1alpha1 cannot. Each field is
// kept only when it differs from what the v1alpha1 fields imply: in those
// releases raw SELinux profiles came with SELinux, and the log enricher
// read auditd.
type spodKept struct {
	EnableRawSelinuxProfiles *bool `json:"enableRawSelinuxProfiles,omitempty"`
	// EnableRawSelinuxProfilesUnset keeps a v1 SPOD's unset (true)
	// enableRawSelinuxProfiles when SELinux is off.
	EnableRawSelinuxProfilesUnset bool                  `json:"enableRawSelinuxProfilesUnset,omitempty"`
	LogEnricherSource             *v1.LogEnricherSource `json:"logEnricherSource,omitempty"`
	// EnableInsecureMetricsAccess has no v1alpha1 field; a v1alpha1 SPOD
	// implies the secure default (false), so only true is kept.
	EnableInsecureMetricsAccess *bool `json:"enableInsecureMetricsAccess,omitempty"`
	// CustomTemplatesConfigMap and ImagePullSecrets are v1 only.
	CustomTemplatesConfigMap *string                       `json:"customTemplatesConfigMap,omitempty"`
	ImagePullSecrets         []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// The selinuxd image mapping is v1 only.
	SelinuxdImages []v1.SelinuxdImage `json:"selinuxdImages,omitempty"`
	// The JSON enricher is v1 only.
	EnableJsonEnricher  *bool                   `json:"enableJsonEnricher,omitempty"`
	JsonEnricherFilters *string                 `json:"jsonEnricherFilters,omitempty"`
	JsonEnricherOptions *v1.JsonEnricherOptions `json:"jsonEnricherOptions,omitempty"`
	EnableExecMetadata  *bool                   `json:"enableExecMetadata,omitempty"`
	// DisableOCIArtifactSignatureVerificationFalse keeps a v1 SPOD's
	// explicit false (v1alpha1 has only true and unset).
	DisableOCIArtifactSignatureVerificationFalse bool `json:"disableOciArtifactSignatureVerificationFalse,omitempty"`
	// The signature settings beyond the on/off switch are v1 only.
	AllowedIdentityRegexp   *string                   `json:"allowedIdentityRegexp,omitempty"`
	AllowedOidcIssuerRegexp *string                   `json:"allowedOidcIssuerRegexp,omitempty"`
	SignatureVerification   *v1.SignatureVerification `json:"signatureVerification,omitempty"`
	// Registry credentials for OCI base profiles are v1 only.
	OCIArtifactPullSecrets []v1.PullSecretReference `json:"ociArtifactPullSecrets,omitempty"`
}

// ConvertTo converts this SPOD to the v1 hub.
func (p *SecurityProfilesOperatorDaemon) ConvertTo(hub conversion.Hub) error {
	dst, ok := hub.(*v1.SecurityProfilesOperatorDaemon)
	if !ok {
		return fmt.Errorf("converting SecurityProfilesOperatorDaemon to %T: want *v1.SecurityProfilesOperatorDaemon", hub)
	}
	in := p.DeepCopy()
	s := in.Spec
	dst.ObjectMeta = in.ObjectMeta
	kept := lossless.Restore[spodKept](&dst.ObjectMeta)
	dst.Spec = v1.SPODSpec{
		Verbosity:                   s.Verbosity,
		EnableProfiling:             s.EnableProfiling,
		EnableMemoryOptimization:    s.EnableMemoryOptimization,
		EnableInsecureMetricsAccess: lossless.Or(kept.EnableInsecureMetricsAccess, false),
		EnableAppArmor:              s.EnableAppArmor,
		HostProcVolumePath:          s.HostProcVolumePath,
		DaemonResourceRequirements:  s.DaemonResourceRequirements,
		ImagePullSecrets:            kept.ImagePullSecrets,
		Selinux: v1.SelinuxConfig{
			Enable:                   s.EnableSelinux,
			EnableRawSelinuxProfiles: kept.rawSelinux(s.EnableSelinux),
			TypeTag:                  s.SelinuxTypeTag,
			Options:                  s.SelinuxOptions,
			CustomTemplatesConfigMap: lossless.Or(kept.CustomTemplatesConfigMap, ""),
			SelinuxdImages:           kept.SelinuxdImages,
		},
		Enricher: v1.EnricherConfig{
			EnableLogEnricher:   s.EnableLogEnricher,
			LogEnricherSource:   lossless.Or(kept.LogEnricherSource, logEnricherSourceAuditd),
			LogEnricherFilters:  s.LogEnricherFilters,
			EnableBpfRecorder:   s.EnableBpfRecorder,
			EnableJsonEnricher:  lossless.Or(kept.EnableJsonEnricher, false),
			JsonEnricherFilters: lossless.Or(kept.JsonEnricherFilters, ""),
			JsonEnricherOptions: kept.JsonEnricherOptions,
			EnableExecMetadata:  kept.EnableExecMetadata,
		},
		Webhook: v1.WebhookConfig{StaticConfig: s.StaticWebhookConfig, Options: s.WebhookOptions},
		Scheduling: v1.SchedulingConfig{
			Tolerations:       s.Tolerations,
			Affinity:          s.Affinity,
			PriorityClassName: s.PriorityClassName,
		},
		Security: v1.SecurityConfig{
			AllowedSyscalls:                         s.AllowedSyscalls,
			AllowedSeccompActions:                   s.AllowedSeccompActions,
			DisableOCIArtifactSignatureVerification: kept.disableOCI(s.DisableOCIArtifactSignatureVerification),
			AllowedIdentityRegexp:                   lossless.Or(kept.AllowedIdentityRegexp, ""),
			AllowedOidcIssuerRegexp:                 lossless.Or(kept.AllowedOidcIssuerRegexp, ""),
			SignatureVerification:                   kept.SignatureVerification,
			OCIArtifactPullSecrets:                  kept.OCIArtifactPullSecrets,
		},
	}
	dst.Status = in.Status
	return nil
}

// ConvertFrom converts the v1 hub to this SPOD.
func (p *SecurityProfilesOperatorDaemon) ConvertFrom(hub conversion.Hub) error {
	src, ok := hub.(*v1.SecurityProfilesOperatorDaemon)
	if !ok {
		return fmt.Errorf("converting %T to SecurityProfilesOperatorDaemon: want *v1.SecurityProfilesOperatorDaemon", hub)
	}
	in := src.DeepCopy()
	s := in.Spec
	p.ObjectMeta = in.ObjectMeta
	p.Spec = SPODSpec{
		Verbosity:                  s.Verbosity,
		EnableProfiling:            s.EnableProfiling,
		EnableMemoryOptimization:   s.EnableMemoryOptimization,
		EnableSelinux:              s.Selinux.Enable,
		SelinuxTypeTag:             s.Selinux.TypeTag,
		SelinuxOptions:             s.Selinux.Options,
		EnableLogEnricher:          s.Enricher.EnableLogEnricher,
		LogEnricherFilters:         s.Enricher.LogEnricherFilters,
		EnableBpfRecorder:          s.Enricher.EnableBpfRecorder,
		EnableAppArmor:             s.EnableAppArmor,
		HostProcVolumePath:         s.HostProcVolumePath,
		DaemonResourceRequirements: s.DaemonResourceRequirements,
		StaticWebhookConfig:        s.Webhook.StaticConfig,
		WebhookOptions:             s.Webhook.Options,
		Tolerations:                s.Scheduling.Tolerations,
		Affinity:                   s.Scheduling.Affinity,
		PriorityClassName:          s.Scheduling.PriorityClassName,
		AllowedSyscalls:            s.Security.AllowedSyscalls,
		AllowedSeccompActions:      s.Security.AllowedSeccompActions,

		DisableOCIArtifactSignatureVerification: ptr.Deref(s.Security.DisableOCIArtifactSignatureVerification, false),
	}
	p.Status = in.Status
	kept := spodKept{
		CustomTemplatesConfigMap:    lossless.Differing(s.Selinux.CustomTemplatesConfigMap, ""),
		ImagePullSecrets:            s.ImagePullSecrets,
		SelinuxdImages:              s.Selinux.SelinuxdImages,
		LogEnricherSource:           lossless.Differing(s.Enricher.LogEnricherSource, logEnricherSourceAuditd),
		EnableInsecureMetricsAccess: lossless.Differing(s.EnableInsecureMetricsAccess, false),
		EnableJsonEnricher:          lossless.Differing(s.Enricher.EnableJsonEnricher, false),
		JsonEnricherFilters:         lossless.Differing(s.Enricher.JsonEnricherFilters, ""),
		JsonEnricherOptions:         s.Enricher.JsonEnricherOptions,
		EnableExecMetadata:          s.Enricher.EnableExecMetadata,
		AllowedIdentityRegexp:       lossless.Differing(s.Security.AllowedIdentityRegexp, ""),
		AllowedOidcIssuerRegexp:     lossless.Differing(s.Security.AllowedOidcIssuerRegexp, ""),
		SignatureVerification:       s.Security.SignatureVerification,
		OCIArtifactPullSecrets:      s.Security.OCIArtifactPullSecrets,

		DisableOCIArtifactSignatureVerificationFalse: s.Security.DisableOCIArtifactSignatureVerification != nil &&
			!*s.Security.DisableOCIArtifactSignatureVerification,
	}
	kept.keepRawSelinux(s.Selinux)
	return lossless.Keep(&p.ObjectMeta, kept)
}

// impliedRawSelinux is v1's enableRawSelinuxProfiles for a v1alpha1
// SPOD: raw profiles came with SELinux (unset is true in v1).
func impliedRawSelinux(selinux bool) *bool {
	if selinux {
		return nil
	}
	return ptr.To(false)
}

func (k spodKept) rawSelinux(selinux bool) *bool {
	switch {
	case k.EnableRawSelinuxProfilesUnset:
		return nil
	case k.EnableRawSelinuxProfiles != nil:
		return ptr.To(*k.EnableRawSelinuxProfiles)
	}
	return impliedRawSelinux(selinux)
}

// keepRawSelinux keeps enableRawSelinuxProfiles when it is not what
// v1alpha1's enableSelinux implies, unset included.
func (k *spodKept) keepRawSelinux(c v1.SelinuxConfig) {
	raw, implied := c.EnableRawSelinuxProfiles, impliedRawSelinux(c.Enable)
	switch {
	case ptr.Equal(raw, implied):
	case raw == nil:
		k.EnableRawSelinuxProfilesUnset = true
	default:
		k.EnableRawSelinuxProfiles = ptr.To(*raw)
	}
}

// disableOCI is v1's tri-state switch for v1alpha1's bool.
func (k spodKept) disableOCI(disable bool) *bool {
	switch {
	case disable:
		return ptr.To(true)
	case k.DisableOCIArtifactSignatureVerificationFalse:
		return ptr.To(false)
	}
	return nil
}
