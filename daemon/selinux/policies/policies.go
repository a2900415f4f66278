// Package policies holds the SELinux modules spo installs on every
// SELinux node before any profile: udica's container templates, which
// SelinuxProfiles and RawSelinuxProfiles inherit ("blockinherit
// container", "net_container", ...), and the permissive selinuxrecording
// domain that SelinuxProfile recordings run containers as. They are
// spo's own CIL, embedded in the binary so the daemon needs nothing from
// selinuxd's image; daemon/selinux.Seed installs them through selinuxd.
//
// A module's name is its file name without ".cil" (selinuxd's rule), and
// the block it defines is in Blocks: base_container defines "container",
// the others their own name. No SelinuxProfile may take one of these
// names (selinux.ValidateName refuses them), since a profile's module and
// block are both named after it.
package policies

import (
	"embed"
	"slices"
	"strings"
)

//go:embed *.cil
var files embed.FS

// Module is one embedded CIL module.
type Module struct {
	// Name is the module's name on the node (selinuxd's, from the file).
	Name string
	// Block is the CIL block it defines.
	Block string
	// CIL is the module's text.
	CIL []byte
}

// Recording is the module, and block, of the permissive recording domain:
// recorded containers run as Recording + ".process".
const Recording = "selinuxrecording"

// Blocks maps each module to the block it defines. The container
// templates come first; base_container first of all, since every other
// module builds on its block.
var Blocks = []struct{ Module, Block string }{
	{"base_container", "container"},
	{"config_container", "config_container"},
	{"home_container", "home_container"},
	{"log_container", "log_container"},
	{"net_container", "net_container"},
	{"tmp_container", "tmp_container"},
	{"tty_container", "tty_container"},
	{"virt_container", "virt_container"},
	{"x_container", "x_container"},
	{Recording, Recording},
}

// Base is the module the others inherit from: it must be installed
// before them.
const Base = "base_container"

// Modules returns the modules in Blocks' order.
func Modules() []Module {
	out := make([]Module, 0, len(Blocks))
	for _, b := range Blocks {
		cil, err := files.ReadFile(b.Module + ".cil")
		if err != nil {
			panic("policies: " + b.Module + ".cil is not embedded: " + err.Error())
		}
		out = append(out, Module{Name: b.Module, Block: b.Block, CIL: cil})
	}
	return out
}

// Templates are the blocks profiles may inherit with kind System.
func Templates() []string {
	var out []string
	for _, b := range Blocks {
		if b.Module != Recording {
			out = append(out, b.Block)
		}
	}
	return out
}

// Reserved says whether name is taken by a seed module or its block, so
// that no profile may be installed under it.
func Reserved(name string) bool {
	return slices.ContainsFunc(Blocks, func(b struct{ Module, Block string }) bool {
		return strings.EqualFold(b.Module, name) || strings.EqualFold(b.Block, name)
	})
}
