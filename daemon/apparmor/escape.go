package apparmor

import (
	"fmt"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// globChars are the bytes apparmor.d(5) gives a meaning in a path
// ("Globbing"; '{' also starts @{variables}) plus ',' (the end of a rule).
const globChars = `\*?[]{}^,`

// EscapePath turns a literal file name, such as a recorder observed, into
// an AppArmorPath matching exactly that file: every glob character gets a
// backslash. Names no policy can express (relative, or with control
// characters or '"') are refused, so the caller can leave them out
// rather than have the whole profile refused at admission.
func EscapePath(literal string) (v1.AppArmorPath, error) {
	if !strings.ContainsAny(literal, globChars) {
		return v1.AppArmorPath(literal), checkPath(literal)
	}
	var b strings.Builder
	b.Grow(len(literal) + 8)
	for i := 0; i < len(literal); i++ {
		if strings.IndexByte(globChars, literal[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(literal[i])
	}
	p := b.String()
	if err := checkPath(p); err != nil {
		return "", fmt.Errorf("file name %q cannot be expressed in an AppArmor profile: %w", literal, err)
	}
	return v1.AppArmorPath(p), nil
}
