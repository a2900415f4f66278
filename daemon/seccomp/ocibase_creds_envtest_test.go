package seccomp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
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

// TestOCIBaseProfilesPrivateRegistry runs the daemon's SeccompProfile
// reconciler against a real API server and a real registry that requires
// basic authentication, with the SPOD's ociArtifactPullSecrets projected as
// the DaemonSet's volume holds them (reconcilers/spod).
func TestOCIBaseProfilesPrivateRegistry(t *testing.T) {
	const (
		ns, node   = "spo", "node-a"
		user, pass = "robot", "s3cret-pa55"
	)
	ctx := context.Background()
	kubeletDir, pullDir := t.TempDir(), t.TempDir()
	suite, err := controlplane.StartSuite(ctrl.Options{}, func(mgr ctrl.Manager) error {
		oci := &seccomp.OCIBases{PullSecretsDir: pullDir, Namespace: ns, Remote: ociartifact.Remote{PlainHTTP: true}}
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

	host := ocitest.StartRegistry(t, ocitest.BasicAuth(user, pass))
	base := "oci://" + host + "/profiles/base:v1"
	ref, err := ociartifact.ParseRef(base)
	if err != nil {
		t.Fatal(err)
	}
	profile := "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: runtime\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read, write, exit_group]\n    action: SCMP_ACT_ALLOW\n"
	pusher := ociartifact.Remote{PlainHTTP: true, Credential: ociartifact.StaticCredentials(host, user, pass)}
	if _, err := ociartifact.Push(ctx, pusher, ref, []ociartifact.Profile{{Data: []byte(profile)}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	spod := &v1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1.SPODName},
		Spec: v1.SPODSpec{Security: v1.SecurityConfig{
			DisableOCIArtifactSignatureVerification: ptr.To(true), // signatures are TestOCIBaseProfiles' subject
			OCIArtifactPullSecrets:                  []v1.PullSecretReference{{Name: "regcred"}},
		}}}
	if err := k8s.Create(ctx, spod); err != nil {
		t.Fatal(err)
	}
	create := func(t *testing.T, name string) string {
		t.Helper()
		p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: base}}
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		return v1.NodeStatusName("SeccompProfile", name, node)
	}

	t.Run("the Secret not projected yet: the pull is refused, saying no credentials were sent and why; projecting it installs the profile", func(t *testing.T) {
		st := waitStatus(t, k8s, create(t, "before-secret"))
		wantRefusal(t, st, "no credentials for "+host+" were sent", "Secret spo/regcred is not mounted")
		waitEvent(t, k8s, "before-secret", seccomp.ReasonBaseProfilePullFailed)

		ocitest.ProjectPullSecret(t, pullDir, "regcred", ocitest.DockerConfigJSON(user, pass, host))
		waitInstalled(t, k8s, v1.NodeStatusName("SeccompProfile", "before-secret", node))
	})
	t.Run("a rotated password that the registry refuses: the error says the Secret's credentials were sent, and shows no password", func(t *testing.T) {
		ocitest.ProjectPullSecret(t, pullDir, "regcred", ocitest.DockerConfigJSON(user, "rotated-too-early", host))
		st := waitStatus(t, k8s, create(t, "wrong-password"))
		wantRefusal(t, st, "credentials for "+host+" were sent, from Secret spo/regcred")
		if strings.Contains(st.Status.Message, "rotated-too-early") || strings.Contains(st.Status.Message, pass) {
			t.Fatalf("the message shows a password: %s", st.Status.Message)
		}
	})
}

func wantRefusal(t *testing.T, st *v1.SecurityProfileNodeStatus, says ...string) {
	t.Helper()
	if st.Status.Status != v1.ProfileStateError || st.Status.Reason != seccomp.ReasonBaseProfilePullFailed {
		t.Fatalf("node status %s %s %q, want Error %s", st.Status.Status, st.Status.Reason, st.Status.Message, seccomp.ReasonBaseProfilePullFailed)
	}
	for _, s := range append([]string{"refused access (HTTP 401)"}, says...) {
		if !strings.Contains(st.Status.Message, s) {
			t.Errorf("the message does not say %q: %s", s, st.Status.Message)
		}
	}
}

// waitInstalled polls until the node status is Installed: a failed pull
// is retried with backoff. The deadline only bounds a hung test.
func waitInstalled(t *testing.T, k8s client.Client, name string) {
	t.Helper()
	st := &v1.SecurityProfileNodeStatus{}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, st)
		if err == nil && st.Status.Status == v1.ProfileStateInstalled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node status %s never became Installed (%v, last %+v)", name, err, st.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
