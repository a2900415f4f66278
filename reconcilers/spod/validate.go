package spod

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

// Reasons of the SPOD's conditions besides the rollout states.
const (
	// ReasonInvalidLogEnricherFilters: enricher.logEnricherFilters cannot
	// be parsed; the DaemonSet is left as it was.
	ReasonInvalidLogEnricherFilters = "InvalidLogEnricherFilters"
	// ReasonInvalidJsonEnricherFilters: enricher.jsonEnricherFilters
	// cannot be parsed; the DaemonSet is left as it was.
	ReasonInvalidJsonEnricherFilters = "InvalidJsonEnricherFilters"
	// ReasonInvalidJsonEnricherOptions: enricher.jsonEnricherOptions
	// cannot be rendered (auditLogPath); the DaemonSet is left as it was.
	ReasonInvalidJsonEnricherOptions = "InvalidJsonEnricherOptions"
	// ReasonCustomTemplatesUnsupported: selinux.customTemplatesConfigMap
	// is set, which spo cannot honour yet.
	ReasonCustomTemplatesUnsupported = "CustomTemplatesUnsupported"
)

// ConditionCustomTemplates is False while the SPOD asks for custom
// selinuxd templates, absent otherwise.
const ConditionCustomTemplates = "CustomTemplates"

// Invalid checks what the CRD schema cannot: settings a node component
// would refuse at start, which would crashloop it on every node. ok is
// false with an Error status naming the field when the SPOD must not be
// rendered.
func Invalid(spec v1.SPODSpec) (Status, bool) {
	if _, err := logfilter.Parse(spec.Enricher.LogEnricherFilters); err != nil {
		return Status{State: v1.SPODError, Reason: ReasonInvalidLogEnricherFilters,
			Message: fmt.Sprintf("spec.enricher.logEnricherFilters: %v; the daemon was left as it was", err)}, false
	}
	if reason, msg := invalidJSONEnricher(spec.Enricher); reason != "" {
		return Status{State: v1.SPODError, Reason: reason, Message: msg}, false
	}
	if _, err := ParseSelinuxdImages(spec.Selinux.SelinuxdImages, ""); err != nil {
		return Status{State: v1.SPODError, Reason: ReasonInvalidSelinuxdImages,
			Message: fmt.Sprintf("%v; the daemon was left as it was", err)}, false
	}
	return Status{}, true
}

// parseFilters is logfilter.Parse; the JSON enricher's filters are in the
// log enricher's formats.
var parseFilters = logfilter.Parse

// CustomTemplatesCondition is the condition for selinux.customTemplatesConfigMap:
// nil when it is unset. spo installs SelinuxProfiles with its own bundled
// templates only, and says so rather than ignoring the setting.
func CustomTemplatesCondition(spod *v1.SecurityProfilesOperatorDaemon) *metav1.Condition {
	name := spod.Spec.Selinux.CustomTemplatesConfigMap
	if name == "" {
		return nil
	}
	return &metav1.Condition{Type: ConditionCustomTemplates, Status: metav1.ConditionFalse,
		Reason: ReasonCustomTemplatesUnsupported, ObservedGeneration: spod.Generation,
		Message: fmt.Sprintf("spec.selinux.customTemplatesConfigMap %q is not supported by spo: SelinuxProfiles are built on the templates spo installs on every node", name)}
}
