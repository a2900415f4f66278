package main

// The spo and tools images have no libc and no dynamic loader, so a
// dynamically linked binary would build a fine-looking image that fails at
// start with a bare "no such file or directory". Refuse it here instead.

import (
	"debug/elf"
	"fmt"
)

// checkStatic fails when the ELF binary at path asks for an interpreter
// (PT_INTERP), i.e. needs ld.so and shared libraries.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; the image has no libc", path)
		}
	}
	return nil
}
