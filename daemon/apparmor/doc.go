// Package apparmor is the node side of AppArmorProfiles: it turns a profile's
// abstract into AppArmor policy text, checks it, and loads it into the
// kernel with apparmor_parser.
//
// The contract with the generic node reconciler (daemon/nodeinstall) is
// Installer, a nodeinstall.Installer[*v1.AppArmorProfile]:
//
//   - Install refuses with a *nodeinstall.Error when the operator has AppArmor
//     off (ReasonDisabledInOperator, from the SPOD's enableAppArmor), when the
//     node cannot run AppArmor (ReasonNotSupportedOnNode), when the abstract
//     is invalid (Validate's reasons) or when apparmor_parser refuses the
//     text (ReasonInvalidPolicy). A load apparmor_parser could not do (the
//     kernel refused, the binary is missing) is ReasonCannotLoad and a
//     failed state write ReasonWriteFailed, both with Retry set. Reading
//     enableAppArmor failing is a plain error, retried.
//   - Install and Remove touch only profiles spo loaded: the state directory
//     records each name spo claimed (before loading it). Install refuses
//     the container runtimes' profiles (RuntimeProfiles, also refused at
//     admission by the CRD) with ReasonReservedName, and a name the kernel
//     has loaded (DefaultKernelProfiles) without spo's record with
//     ReasonNotOwned; Remove leaves alone any name without a record. The
//     state directory must therefore be on the node's disk: losing it makes
//     spo's own loaded profiles look foreign (refused, never replaced).
//   - Install always replaces the loaded profile, because the kernel forgets
//     policy on reboot while the node's state directory does not; Changed is
//     true only when the text differs from what this node last loaded, which
//     the state directory remembers across daemon restarts.
//   - Remove unloads the profile and forgets its text (and the claim).
//
// The pure steps are exported for spoc and tests: Validate, Render and
// Translate (both together); EscapePath turns a literal file name (from a
// recording) into a path that matches only that file. The profile is loaded under the object's name,
// which is what webhooks/binding.AppArmorLocalhostProfile puts into
// securityContext.appArmorProfile.localhostProfile, as SPO does.
//
// Syntax follows apparmor.d(5) (policy language) and apparmor_parser(8)
// (loading: -r replace, -R remove, -Q skip the kernel, -K skip the cache).
package apparmor
