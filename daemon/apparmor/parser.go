package apparmor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Parser loads and unloads profiles in the kernel. ExecParser is the real
// one; tests use fakes.
type Parser interface {
	// Replace loads policy, replacing a loaded profile of the same name.
	// An error wrapping ErrInvalidPolicy means the text is at fault.
	Replace(ctx context.Context, name string, policy []byte) error
	// Remove unloads the profile. An error wrapping ErrNotLoaded means
	// there was none.
	Remove(ctx context.Context, name string) error
}

var (
	// ErrInvalidPolicy marks parser failures caused by the policy text, which
	// retrying cannot fix.
	ErrInvalidPolicy = errors.New("apparmor_parser refused the policy")
	// ErrNotLoaded marks a removal of a profile the kernel does not have.
	ErrNotLoaded = errors.New("profile is not loaded")
)

// DefaultParserPath is where Debian, Ubuntu and SUSE install the parser.
const DefaultParserPath = "/usr/sbin/apparmor_parser"

// ExecParser runs apparmor_parser(8), with the policy on stdin so nothing
// named after a profile is ever written to disk by the parser's caller.
type ExecParser struct {
	// Path of apparmor_parser; DefaultParserPath when empty.
	Path string
	// IncludeDirs are passed as -I, for where tunables/ and abstractions/
	// live when not in /etc/apparmor.d (e.g. in the daemon's image).
	IncludeDirs []string
}

var _ Parser = ExecParser{}

// Replace runs "apparmor_parser -r -K": replace (or add) the profile, and
// skip the binary cache, whose staleness checks trust file times this
// package never sets.
func (p ExecParser) Replace(ctx context.Context, name string, policy []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	return p.run(ctx, policy, "-r", "-K")
}

// Remove runs "apparmor_parser -R" on a stub naming the profile: -R only
// needs the profile names from its input (apparmor_parser(8)).
func (p ExecParser) Remove(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := p.run(ctx, []byte("profile "+name+" {}\n"), "-R")
	if err != nil && strings.Contains(err.Error(), "doesn't exist") {
		return fmt.Errorf("%w: %w", ErrNotLoaded, err)
	}
	return err
}

// Compile runs "apparmor_parser -QK": the whole compilation, without the
// kernel (-Q) or the cache (-K). It needs no AppArmor on the machine, which
// is how tests and spoc check generated text.
func (p ExecParser) Compile(ctx context.Context, policy []byte) error {
	return p.run(ctx, policy, "-Q", "-K")
}

// invalidMarkers are stderr fragments of apparmor_parser 3.x that blame
// the policy text rather than the kernel or the machine.
var invalidMarkers = []string{
	"parser error", "syntax error", "Regex", "Unable to parse", "ERROR processing",
	"never declared", "Invalid capability", "Could not open",
}

func (p ExecParser) run(ctx context.Context, policy []byte, args ...string) error {
	path := p.Path
	if path == "" {
		path = DefaultParserPath
	}
	for _, d := range p.IncludeDirs {
		args = append(args, "-I", d)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = bytes.NewReader(policy)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := parserMessage(stderr.String())
		for _, m := range invalidMarkers {
			if strings.Contains(msg, m) {
				return fmt.Errorf("%w: %s", ErrInvalidPolicy, msg)
			}
		}
		return fmt.Errorf("apparmor_parser %s: %w: %s", strings.Join(args, " "), err, msg)
	}
	return nil
}

// parserMessage drops the cache warning apparmor_parser prints on every run
// on a machine without AppArmor's kernel interface, which says nothing
// about the failure at hand.
func parserMessage(stderr string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" && !strings.HasPrefix(l, "Cache read/write disabled") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "; ")
}
