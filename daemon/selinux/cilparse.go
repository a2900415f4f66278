package selinux

import (
	"fmt"
	"strings"
)

// node is a CIL S-expression: an atom or a list. Just enough of a parser
// to check RawSelinuxProfiles; secilc remains the judge of everything else.
// Syntax (secilc/docs/cil_reference_guide.md): ';' starts a comment to
// the end of the line, strings are in double quotes, with no escapes.
type node struct {
	atom string
	list []*node
	line int
	// leaf is true for atoms (an empty list has neither atom nor list).
	leaf bool
}

func (n *node) isAtom() bool { return n.leaf }

// head is the statement keyword: the first atom of a list.
func (n *node) head() string {
	if n.leaf || len(n.list) == 0 || !n.list[0].leaf {
		return ""
	}
	return n.list[0].atom
}

// walk calls f on n's lists, depth first.
func (n *node) walk(f func(*node)) {
	if n.leaf {
		return
	}
	f(n)
	for _, c := range n.list {
		c.walk(f)
	}
}

// parseCIL returns a list holding the top-level expressions of src.
func parseCIL(src string) (*node, error) {
	root := &node{line: 1}
	stack := []*node{root}
	line := 1
	for i := 0; i < len(src); i++ {
		top := stack[len(stack)-1]
		switch c := src[i]; c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		case ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i-- // let the newline be counted
		case '(':
			n := &node{line: line}
			top.list = append(top.list, n)
			stack = append(stack, n)
		case ')':
			if len(stack) == 1 {
				return nil, fmt.Errorf("line %d: ')' closes nothing: the policy would close its module's block early", line)
			}
			stack = stack[:len(stack)-1]
		case '"':
			end := strings.IndexByte(src[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated string", line)
			}
			s := src[i : i+end+2]
			top.list = append(top.list, &node{atom: s, line: line, leaf: true})
			line += strings.Count(s, "\n")
			i += end + 1
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n();\"", rune(src[j])) {
				j++
			}
			top.list = append(top.list, &node{atom: src[i:j], line: line, leaf: true})
			i = j - 1
		}
	}
	if len(stack) > 1 {
		return nil, fmt.Errorf("line %d: '(' is never closed", stack[len(stack)-1].line)
	}
	return root, nil
}
