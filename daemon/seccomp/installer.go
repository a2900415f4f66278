package seccomp

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
	"github.com/secprofiles/spo/daemon/nodeinstall"
	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// ReasonWriteFailed means the node could not write the profile file; it is
// retried with backoff.
const ReasonWriteFailed = "WriteFailed"

// SPO's seccomp_profile_total, and refusals by spo's reason; nodeinstall
// counts SPO's seccomp_profile_error_total in SPO's words.
var (
	profileOps    = spodmetrics.SeccompProfile
	profileErrors = spodmetrics.ErrorReasonsOf("SeccompProfile")
)

// NewReconciler returns the node reconciler for SeccompProfiles: files
// under <kubeletDir>/seccomp/operator, rebuilt when a base profile changes.
// A non-nil unusable is reported for every profile instead of writing.
// oci fetches `baseProfileName: oci://…` bases; nil refuses them.
func NewReconciler(c client.Client, node, kubeletDir string, unusable *Error, namespace string, ev events.EventRecorder, oci *OCIBases) *nodeinstall.Reconciler[*v1.SeccompProfile] {
	return &nodeinstall.Reconciler[*v1.SeccompProfile]{
		Client: c, Node: node, Kind: "SeccompProfile", Namespace: namespace, Events: ev,
		New:       func() *v1.SeccompProfile { return &v1.SeccompProfile{} },
		NewList:   func() client.ObjectList { return &v1.SeccompProfileList{} },
		Installer: &Installer{Client: c, KubeletDir: kubeletDir, Namespace: namespace, Unusable: unusable, OCI: oci},
		BuildsOn: func(p *v1.SeccompProfile) []string {
			// An OCI base is no object to watch: it is looked up again
			// whenever the profile is installed (see OCIBases).
			if p.Spec.BaseProfileName == "" || ociartifact.IsRef(p.Spec.BaseProfileName) {
				return nil
			}
			return []string{p.Spec.BaseProfileName}
		},
		Ops: profileOps, Errors: profileErrors,
	}
}

// Installer writes SeccompProfiles, base chain folded in, as the OCI JSON
// container runtimes load.
type Installer struct {
	// Client reads base profiles and the SecurityProfilesOperatorDaemon.
	Client     client.Reader
	KubeletDir string
	// Namespace holds the SecurityProfilesOperatorDaemon whose security
	// settings limit what profiles may allow.
	Namespace string
	// Unusable, when set, says why KubeletDir cannot take profiles (see
	// ReasonKubeletDirNotMounted): every Install reports it rather than
	// write where the kubelet never looks.
	Unusable *Error
	// OCI fetches bases published as OCI artifacts; nil refuses them.
	OCI *OCIBases
}

// Install implements nodeinstall.Installer.
func (i *Installer) Install(ctx context.Context, profile *v1.SeccompProfile) (nodeinstall.Installed, error) {
	if i.Unusable != nil {
		return nodeinstall.Installed{}, i.Unusable
	}
	spec, movable, err := i.render(ctx, profile)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	// The file keeps the names this libseccomp does not know: the runtime
	// skips them itself, and its libseccomp may be newer and know them.
	// Dropping them here could only make the profile weaker, for example
	// let through a syscall an SCMP_ACT_ERRNO rule blocks.
	data, err := MarshalOCI(spec)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	path, err := ProfilePath(i.KubeletDir, profile.Name)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	changed, err := nodefs.WriteFileAtomic(path, data, 0o644)
	if err != nil {
		return nodeinstall.Installed{}, &Error{Reason: ReasonWriteFailed, Message: err.Error(), Retry: true}
	}
	done := nodeinstall.Installed{Location: path, Changed: changed}
	if movable {
		done.RecheckAfter = i.OCI.recheck()
	}
	if msg := UnknownSyscallsMessage(UnknownSyscalls(spec)); msg != "" {
		done.Warning = &nodeinstall.Warning{Reason: ReasonUnknownSyscalls, Message: msg}
	}
	return done, nil
}

// Remove implements nodeinstall.Installer.
func (i *Installer) Remove(_ context.Context, profile *v1.SeccompProfile) (bool, error) {
	if i.Unusable != nil {
		return false, nil // nothing was written
	}
	path, err := ProfilePath(i.KubeletDir, profile.Name)
	if err != nil {
		return false, nil // a name no file can have was never written
	}
	removed, err := nodefs.RemoveFile(path)
	if err != nil {
		return false, fmt.Errorf("removing %s: %w", path, err)
	}
	return removed, nil
}

// Location implements nodeinstall.Locator.
func (i *Installer) Location(profile *v1.SeccompProfile) string {
	p, _ := ProfilePath(i.KubeletDir, profile.Name)
	return p
}

// render resolves the profile's base chain into the spec the node
// writes, refusing anything the node or the cluster's policy does not
// accept. The profile's own spec is checked first so that field paths point
// into the object the user wrote; the merged result is checked again
// because policy applies to inherited rules too.
//
// movable is true when the chain names an OCI base by tag alone: the tag
// can move in the registry, where no watch reaches, so the profile is
// installed again from time to time (OCIBases.RecheckTags).
func (i *Installer) render(ctx context.Context, profile *v1.SeccompProfile) (spec *v1.SeccompProfileSpec, movable bool, err error) {
	sec, err := i.securityConfig(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := check(&profile.Spec, sec); err != nil {
		return nil, false, err
	}
	get := i.getter(ctx, sec)
	// Resolve also normalises a profile without a base (sorted
	// architectures and flags), so every node writes identical bytes.
	spec, err = Resolve(profile, func(name string) (*v1.SeccompProfile, error) {
		if ref, err := ociartifact.ParseRef(name); err == nil && ref.Digest == "" {
			movable = true
		}
		return get(name)
	})
	if err != nil {
		return nil, false, err
	}
	if profile.Spec.BaseProfileName == "" {
		return spec, false, nil
	}
	if err := check(spec, sec); err != nil {
		var perr *Error
		if errors.As(err, &perr) {
			return nil, false, &Error{Reason: perr.Reason, Field: "spec.baseProfileName",
				Message: "merged with its base profiles: " + perr.Error()}
		}
		return nil, false, err
	}
	return spec, movable, nil
}

func check(spec *v1.SeccompProfileSpec, sec v1.SecurityConfig) error {
	if err := Validate(spec); err != nil {
		return err
	}
	return CheckPolicy(spec, sec)
}

func (i *Installer) getter(ctx context.Context, sec v1.SecurityConfig) Getter {
	return func(name string) (*v1.SeccompProfile, error) {
		if ociartifact.IsRef(name) {
			if i.OCI == nil {
				return nil, &Error{Reason: ReasonBaseProfilePullFailed, Field: "spec.baseProfileName",
					Message: "this daemon was started without OCI base profile support"}
			}
			return i.OCI.Get(ctx, name, sec)
		}
		p := &v1.SeccompProfile{}
		if err := i.Client.Get(ctx, client.ObjectKey{Name: name}, p); err != nil {
			return nil, err
		}
		return p, nil
	}
}

// securityConfig reads the cluster-wide limits; without a
// SecurityProfilesOperatorDaemon there are none.
func (i *Installer) securityConfig(ctx context.Context) (v1.SecurityConfig, error) {
	spod := &v1.SecurityProfilesOperatorDaemon{}
	err := i.Client.Get(ctx, client.ObjectKey{Namespace: i.Namespace, Name: v1.SPODName}, spod)
	if apierrors.IsNotFound(err) {
		return v1.SecurityConfig{}, nil
	}
	if err != nil {
		return v1.SecurityConfig{}, fmt.Errorf("reading %s/%s: %w", i.Namespace, v1.SPODName, err)
	}
	return spod.Spec.Security, nil
}
