package nodeinstall

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestDecide(t *testing.T) {
	now := metav1.NewTime(time.Now())
	for name, tt := range map[string]struct {
		profile v1.Profile
		want    Action
	}{
		"installs an enabled profile": {
			&v1.SeccompProfile{}, ActionInstall},
		"removes a disabled profile": {
			&v1.AppArmorProfile{Spec: v1.AppArmorProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}}}, ActionRemove},
		"removes a partial profile, which is never installed": {
			&v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1.LabelPartial: "true"}}}, ActionRemove},
		"removes a profile being deleted that no pod uses": {
			&v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{"x"}}}, ActionRemove},
		"keeps a profile being deleted while a pod uses it": {
			&v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now,
				Finalizers: []string{v1.FinalizerInUse}}}, ActionKeep},
		"keeps a disabled seccomp profile while a pod uses it": {
			&v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Finalizers: []string{v1.FinalizerInUse}},
				Spec: v1.SeccompProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}}}, ActionKeep},
		"keeps a disabled SELinux profile while a pod uses it": {
			&v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Finalizers: []string{v1.FinalizerInUse}},
				Spec: v1.SelinuxProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}}}, ActionKeep},
		"keeps a disabled AppArmor profile while a pod uses it": {
			&v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Finalizers: []string{v1.FinalizerInUse}},
				Spec: v1.AppArmorProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}}}, ActionKeep},
		"keeps a RawSelinuxProfile being deleted while a pod uses it": {
			&v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now,
				Finalizers: []string{v1.FinalizerInUse}}}, ActionKeep},
		"keeps a profile being deleted while SPO's in-use finalizer stands in for spo's": {
			&v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now,
				Finalizers: []string{"in-use-by-active-pods"}}}, ActionKeep},
		"removes a partial profile even when a pod names it": {
			&v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1.LabelPartial: "true"},
				Finalizers: []string{v1.FinalizerInUse}}}, ActionRemove},
	} {
		t.Run(name, func(t *testing.T) {
			if got := Decide(tt.profile); got != tt.want {
				t.Errorf("Decide() = %v, want %v", got, tt.want)
			}
		})
	}
}
