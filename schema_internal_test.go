package gradcheck

import (
	"os"
	"strings"
	"testing"
)

// TestSchemaNamesEveryKind: docs/report-schema.md lists every hazard kind
// and diagnosis pattern that a report's JSON may hold, so that a reader
// written from it knows them all.
func TestSchemaNamesEveryKind(t *testing.T) {
	doc, err := os.ReadFile("docs/report-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	row := func(field string) string {
		for _, line := range strings.Split(string(doc), "\n") {
			if strings.HasPrefix(line, "| `"+field+"` |") {
				return line
			}
		}
		t.Fatalf("docs/report-schema.md has no row for %q", field)
		return ""
	}
	kinds := row("kind")
	for _, name := range hazardNames[1:] {
		if !strings.Contains(kinds, "`"+name+"`") {
			t.Errorf("the schema's hazard kinds leave out %q", name)
		}
	}
	patterns := row("pattern")
	for _, p := range []Pattern{PatternZero, PatternSign, PatternScale, PatternTranspose, PatternShift, PatternWeightDecay, PatternEdge, PatternFew, PatternNoise, PatternLossUnmoved, PatternNone, PatternTerm, PatternTiedInputs} {
		if !strings.Contains(patterns, "`"+string(p)+"`") {
			t.Errorf("the schema's diagnosis patterns leave out %q", p)
		}
	}
}
