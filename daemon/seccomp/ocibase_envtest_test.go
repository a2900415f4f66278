package seccomp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
	"github.com/secprofiles/spo/daemon/seccomp"
	"github.com/secprofiles/spo/test/controlplane"
)

// TestOCIBaseProfiles runs the daemon's SeccompProfile reconciler against
// a real API server (CRD validation, the SPOD, node statuses, Events), the
// trust material as the DaemonSet mounts it, and a real in-process registry holding artifacts that `spoc push` would
// make, signed with real keys and certificates.
func TestOCIBaseProfiles(t *testing.T) {
	const (
		ns       = "spo"
		node     = "node-a"
		identity = "mailto:profiles@example.com"
		issuer   = "https://accounts.example.com"
	)
	ctx := context.Background()
	kubeletDir, trustDir := t.TempDir(), t.TempDir()
	suite, err := controlplane.StartSuite(ctrl.Options{}, func(mgr ctrl.Manager) error {
		// Tags are re-resolved often here, so a moved tag shows quickly.
		oci := &seccomp.OCIBases{TrustDir: trustDir, Namespace: ns, Remote: ociartifact.Remote{PlainHTTP: true}, RecheckTags: 300 * time.Millisecond}
		return seccomp.NewReconciler(mgr.GetClient(), node, kubeletDir, nil, ns, mgr.GetEventRecorder("spo-daemon"), oci).SetupWithManager(mgr)
	})
	t.Cleanup(func() {
		if err := suite.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	k8s := suite.Client

	host, srv := ocitest.StartRegistryServer(t, nil)
	ca := ocitest.NewCA(t)
	priv, pub := ocitest.NewKey(t)
	keySigner, err := ociartifact.NewKeySigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	push := func(tag string, signer *ociartifact.Signer, extra ...string) ociartifact.Ref {
		t.Helper()
		ref, err := ociartifact.ParseRef("oci://" + host + "/profiles/base:" + tag)
		if err != nil {
			t.Fatal(err)
		}
		// The tag in a comment: the same bytes would be the same manifest,
		// and a signature of one push would cover them all.
		base := "# " + tag + "\napiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: runtime\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [" + strings.Join(append([]string{"read", "write", "exit_group"}, extra...), ", ") + "]\n    action: SCMP_ACT_ALLOW\n"
		desc, err := ociartifact.Push(ctx, ociartifact.Remote{PlainHTTP: true}, ref, []ociartifact.Profile{{Data: []byte(base)}}, signer)
		if err != nil {
			t.Fatal(err)
		}
		ref.Digest = desc.Digest.String()
		return ref
	}
	keyed := push("keyed", keySigner)
	keyless := push("keyless", ocitest.KeylessSigner(t, ca, identity, issuer))
	unsigned := push("unsigned", nil)

	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	// What the DaemonSet's projected volume holds when the SPOD's Secret
	// and ConfigMap exist (reconcilers/spod ociTrustVolume).
	keyFile := filepath.Join(trustDir, ociartifact.PublicKeyFile)
	for file, data := range map[string][]byte{keyFile: pub, filepath.Join(trustDir, ociartifact.TrustedRootFile): ca.TrustedRoot(t)} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	spod := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1.SPODName}}
	setSecurity := func(sec v1.SecurityConfig) {
		t.Helper()
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(spod), spod); apierrors.IsNotFound(err) {
			spod.Spec.Security = sec
			err = k8s.Create(ctx, spod)
			if err != nil {
				t.Fatal(err)
			}
			return
		} else if err != nil {
			t.Fatal(err)
		}
		spod.Spec.Security = sec
		if err := k8s.Update(ctx, spod); err != nil {
			t.Fatal(err)
		}
	}
	keylessSettings := v1.SecurityConfig{
		AllowedIdentityRegexp:   `^mailto:profiles@example\.com$`,
		AllowedOidcIssuerRegexp: `^https://accounts\.example\.com$`,
		SignatureVerification: &v1.SignatureVerification{TrustedRootConfigMapRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "sigstore"}, Key: "trusted_root.json"}},
	}
	keySettings := v1.SecurityConfig{SignatureVerification: &v1.SignatureVerification{PublicKeySecretRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "profile-signers"}, Key: "cosign.pub"}}}

	t.Run("the API accepts oci:// references and object names, and refuses the rest naming the field", func(t *testing.T) {
		for base, ok := range map[string]bool{
			keyed.String():                    true,
			"oci://" + host + "/profiles/b:v": true,
			"runtime-default":                 true,
			"oci://" + host:                   false,
			"oci://ghcr.io/Org/base:v1":       false,
			"https://ghcr.io/org/base:v1":     false,
			"Runtime":                         false,
		} {
			p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"},
				Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: base}}
			p.Spec.State = v1.ProfileDisabled // not installed: only validation is tested here
			err := k8s.Create(ctx, p)
			switch {
			case ok && err != nil:
				t.Errorf("%q refused: %v", base, err)
			case !ok && err == nil:
				t.Errorf("%q accepted", base)
			case !ok && !strings.Contains(err.Error(), "spec.baseProfileName") && !strings.Contains(err.Error(), "baseProfileName must be"):
				t.Errorf("%q refused without naming the field: %v", base, err)
			}
		}
	})

	// install creates a profile on base and waits for its node status.
	install := func(t *testing.T, name, base string) *v1.SecurityProfileNodeStatus {
		t.Helper()
		p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: base,
				Syscalls: []v1.SeccompSyscall{{Names: []string{"openat"}, Action: v1.ActAllow}}}}
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		return waitStatus(t, k8s, v1.NodeStatusName("SeccompProfile", name, node))
	}

	for _, tt := range []struct {
		name, base     string
		security       v1.SecurityConfig
		withoutKeyFile bool   // the Secret is missing: the volume lacks its file
		wantReason     string // "" for Installed
		wantInMsg      string
	}{
		{name: "keyless-allowed", base: keyless.String(), security: keylessSettings},
		{name: "keyless-by-tag", base: strings.Split(keyless.String(), "@")[0], security: keylessSettings},
		{name: "keyed-allowed", base: keyed.String(), security: keySettings},
		{name: "keyless-wrong-identity", base: keyless.String(),
			security:   withIdentity(keylessSettings, `^mailto:release@example\.com$`),
			wantReason: seccomp.ReasonBaseProfileSignatureInvalid, wantInMsg: "allowedIdentityRegexp"},
		{name: "unsigned-refused", base: unsigned.String(), security: keylessSettings,
			wantReason: seccomp.ReasonBaseProfileSignatureInvalid, wantInMsg: "not signed"},
		{name: "unsigned-verification-disabled", base: unsigned.String(),
			security: v1.SecurityConfig{DisableOCIArtifactSignatureVerification: ptr.To(true)}},
		{name: "missing-trust-material", base: keyed.String(), security: keySettings, withoutKeyFile: true,
			wantReason: seccomp.ReasonBaseProfileSignatureInvalid, wantInMsg: `publicKeySecretRef: Secret spo/profile-signers has no key "cosign.pub", or it is not mounted yet`},
		{name: "missing-tag", base: "oci://" + host + "/profiles/base:absent", security: keylessSettings,
			wantReason: seccomp.ReasonBaseProfilePullFailed, wantInMsg: "absent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setSecurity(tt.security)
			if tt.withoutKeyFile {
				if err := os.Rename(keyFile, keyFile+".away"); err != nil {
					t.Fatal(err)
				}
				defer func() {
					if err := os.Rename(keyFile+".away", keyFile); err != nil {
						t.Fatal(err)
					}
				}()
			}
			st := install(t, tt.name, tt.base)
			if tt.wantReason == "" {
				if st.Status.Status != v1.ProfileStateInstalled {
					t.Fatalf("node status %s %s: %s", st.Status.Status, st.Status.Reason, st.Status.Message)
				}
				data, err := os.ReadFile(filepath.Join(kubeletDir, "seccomp", "operator", tt.name+".json"))
				if err != nil {
					t.Fatal(err)
				}
				for _, syscall := range []string{`"read"`, `"openat"`} {
					if !strings.Contains(string(data), syscall) {
						t.Errorf("written profile lacks %s (base or own rule): %s", syscall, data)
					}
				}
				return
			}
			if st.Status.Status != v1.ProfileStateError || st.Status.Reason != tt.wantReason || !strings.Contains(st.Status.Message, tt.wantInMsg) {
				t.Fatalf("node status %s %s %q, want Error %s mentioning %q", st.Status.Status, st.Status.Reason, st.Status.Message, tt.wantReason, tt.wantInMsg)
			}
			waitEvent(t, k8s, tt.name, tt.wantReason)
		})
	}

	t.Run("a profile built on a tag follows the tag when it moves", func(t *testing.T) {
		setSecurity(keySettings)
		push("moving", keySigner)
		if st := install(t, "follows-tag", "oci://"+host+"/profiles/base:moving"); st.Status.Status != v1.ProfileStateInstalled {
			t.Fatalf("install: %s %s", st.Status.Reason, st.Status.Message)
		}
		file := filepath.Join(kubeletDir, "seccomp", "operator", "follows-tag.json")
		push("moving", keySigner, "getpid")
		deadline := time.Now().Add(time.Minute) // bounds a hang; asserts nothing about speed
		for {
			data, err := os.ReadFile(file)
			if err == nil && strings.Contains(string(data), `"getpid"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the profile never picked up the moved tag: %s (%v)", data, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("a digest-pinned base is served from the cache when the registry is gone", func(t *testing.T) {
		setSecurity(keySettings)
		digestOnly := "oci://" + host + "/profiles/base@" + keyed.Digest
		if st := install(t, "cached-before", digestOnly); st.Status.Status != v1.ProfileStateInstalled {
			t.Fatalf("first install: %s %s", st.Status.Reason, st.Status.Message)
		}
		srv.Close()
		if st := install(t, "cached-after", digestOnly); st.Status.Status != v1.ProfileStateInstalled {
			t.Fatalf("install with the registry down: %s %s", st.Status.Reason, st.Status.Message)
		}
		// The same digest under its tag as well: still the cached manifest.
		if st := install(t, "cached-tag-and-digest", keyed.String()); st.Status.Status != v1.ProfileStateInstalled {
			t.Fatalf("tag@digest with the registry down: %s %s", st.Status.Reason, st.Status.Message)
		}
		st := install(t, "uncached-after", "oci://"+host+"/profiles/base:keyed")
		if st.Status.Reason != seccomp.ReasonBaseProfilePullFailed {
			t.Fatalf("a tag with the registry down: %s %s, want %s", st.Status.Status, st.Status.Reason, seccomp.ReasonBaseProfilePullFailed)
		}
	})
}

func withIdentity(sec v1.SecurityConfig, re string) v1.SecurityConfig {
	sec.AllowedIdentityRegexp = re
	return sec
}

// waitStatus polls for the node status to reach a final state; the
// deadline only bounds a hung test, it asserts nothing about speed.
func waitStatus(t *testing.T, k8s client.Client, name string) *v1.SecurityProfileNodeStatus {
	t.Helper()
	st := &v1.SecurityProfileNodeStatus{}
	deadline := time.Now().Add(time.Minute)
	for {
		err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, st)
		if err == nil && (st.Status.Status == v1.ProfileStateInstalled || st.Status.Status == v1.ProfileStateError) {
			return st
		}
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("node status %s never became Installed or Error (%v, last %+v)", name, err, st.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitEvent waits for a Warning Event about profile with reason.
func waitEvent(t *testing.T, k8s client.Client, profile, reason string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		list := &eventsv1.EventList{}
		if err := k8s.List(context.Background(), list); err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Items {
			if e.Regarding.Name == profile && e.Reason == reason && e.Type == corev1.EventTypeWarning {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal(errors.New("no Warning Event " + reason + " about " + profile))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
