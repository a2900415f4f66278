// Package selinux is the node side of SelinuxProfiles and
// RawSelinuxProfiles: it turns them into CIL modules and has selinuxd
// install them.
//
// Translation is pure and deterministic:
//
//   - Translate checks a SelinuxProfile (Validate: names and allow
//     entries; CheckPolicy: the built-in denylist of permissions that
//     would undo SELinux, the SPOD's allowedSystemProfiles and its
//     denied/allowed types, classes and permissions (Options); Resolve:
//     inherited SelinuxProfiles, with cycles, missing profiles and chains
//     longer than MaxChainLength refused) and renders
//     "(block <name> (blockinherit container) ... (allow process T (C (P))))",
//     the layout SPO 1.0 and udica produce, so modules are interchangeable;
//   - TranslateRaw checks a RawSelinuxProfile's CIL (ValidateRaw: well
//     nested, no global statement anywhere, every top-level statement on
//     the allowlist in rawallow.go: rules only for the profile's own types,
//     since CIL resolves other names globally, and templates only those
//     Options allow) and wraps it in the block;
//   - Usage(name), "<name>.process", is the type pods run as: status.usage.
//
// ProfileInstaller and RawInstaller implement nodeinstall.Installer (and
// Locator): they refuse with SelinuxNotSupportedOnNode when the kernel has
// no SELinux (SELinuxSupported) and with SelinuxDisabledInOperator when
// the SPOD's selinux.enable is off, write <PolicyDir>/<name>.cil
// atomically, and poll selinuxd's status socket (Client) until it reports
// Installed or Failed. selinuxd acts only on files whose checksum changed
// and reports no checksum, so two workarounds keep its verdicts honest: a
// module it refused is rewritten with a comment appended on the next
// install (its parent may be installed by now), and after a rewrite a
// status equal to the previous one is trusted only after Config.Settle.
// Remove deletes the file and waits until selinuxd forgets the module.
//
// Seed installs spo's own modules first (package policies: udica-named
// container templates and the permissive selinuxrecording domain,
// embedded): base_container, then the rest, each file written atomically
// only when its content differs, then waited on until selinuxd says
// Installed. Both installers call Seed.Ensure before every install (cheap
// when all is in place), so a profile on a node without the templates
// fails with SelinuxTemplatesNotInstalled (Retry) naming the module; a
// failure is served from memory for a minute so profiles do not make
// selinuxd rerun semodule. The daemon also runs it at start and every 10
// minutes (daemon/seed.go). Profile names equal to a seed module or block
// are refused (InvalidName).
//
// A SelinuxProfile and a RawSelinuxProfile of one name are one module
// (the block, and usage, are <name> in SPO too): the object created first
// owns it (ownsModule, the SelinuxProfile at equal times), on every node
// alike. The other one's Install fails with ModuleNameConflict (Retry, so
// it installs once the owner is gone) and its Remove leaves the module
// alone; Config.GetRawProfile and GetProfile find the other object. A
// SelinuxProfile inheriting one that lost its name is refused the same
// way, since the block it would inherit on the node is the raw one's.
//
// Every problem with a profile is a *nodeinstall.Error whose Reason goes
// into the node status, the Event and ProfileErrors unchanged; failures of
// the node (selinuxd unreachable or slow, a write that failed) are too,
// with Retry set. Tests compile every module with secilc against
// test/fixtures/selinux/base.cil and install through test/selinuxd, a
// stand-in speaking selinuxd's protocol.
package selinux
