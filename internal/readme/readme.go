// Package readme reads the fenced blocks of the repository's README.md, for
// the tests that keep its quoted output true to what the code prints.
package readme

import (
	"fmt"
	"os"
	"strings"
)

// Block returns the lines of the first fenced block of the file at path
// whose first line starts with prefix.
func Block(path, prefix string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") || !strings.HasPrefix(lines[i+1], prefix) {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if strings.HasPrefix(lines[j], "```") {
				return lines[i+1 : j], nil
			}
		}
	}
	return nil, fmt.Errorf("%s has no fenced block starting with %q", path, prefix)
}
