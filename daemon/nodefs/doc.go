// Package nodefs writes profile files on a node's filesystem so that a
// container runtime reading them at any moment sees either the old or the new
// file, never a torn one.
//
// The contract:
//
//   - SafeJoin is the only way a profile name taken from the API becomes a
//     path. It refuses anything that could leave the target directory or
//     collide with the temporary files this package creates (those start with
//     a dot), so a hostile or careless object name cannot overwrite an
//     arbitrary file on the host.
//   - WriteFileAtomic replaces a file by writing a temporary file in the same
//     directory and renaming it over the target: rename(2) is atomic within a
//     filesystem, and fsyncing the file and then the directory makes the new
//     content survive a crash. Rewriting identical content is a no-op so the
//     daemon can reconcile as often as it likes without touching the disk or
//     the file's mtime.
//   - RemoveFile is idempotent: a file that is already gone counts as removed
//     by someone else, which is what a reconciler retrying after a crash needs.
//
// A crash between creating and renaming the temporary file can leave a
// dot-prefixed ".spo-*.tmp" file behind; it is never mistaken for a profile
// because SafeJoin refuses names that start with a dot.
package nodefs
