package gradcheck_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gradcheck/gradcheck"
)

// TestTextReportOfHostileNames: a block name holding a newline forged a
// line of the text report ("a\nblock b …" printed a line starting "block
// b"), a tab split a table cell in two and misaligned every row after it,
// an escape sequence coloured the terminal and a right-to-left override
// (U+202E) printed the rest of its line backwards. The text now writes
// such characters as Go escapes, in the block lines, the table, the
// diagnoses and the hazards that quote an entry's name; the JSON keeps the
// names exactly.
func TestTextReportOfHostileNames(t *testing.T) {
	names := []string{"a\nblock forged [2]: 0 of 2 checked entries fail", "tab\tesc\x1b[31m rlo\u202e]1[W"}
	vals := [][]float64{{0.5, -1}, {2, 0.25}}
	grads := [][]float64{make([]float64, 2), make([]float64, 2)}
	m := &gradcheck.Model[float64]{
		Loss: func() float64 {
			s := 0.0
			for _, v := range vals {
				for _, x := range v {
					s += x * x * x
				}
			}
			return s
		},
		Gradient: func() {
			for b, v := range vals {
				for j, x := range v {
					if b == 0 && j == 0 {
						grads[b][j] += 2 * x * x // adds into Grad: a hazard that names the entry
						continue
					}
					grads[b][j] = 2 * x * x // 3x² is right
				}
			}
		},
	}
	for b, n := range names {
		m.Blocks = append(m.Blocks, gradcheck.Block[float64]{Name: n, Value: vals[b], Grad: grads[b]})
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hazards) == 0 {
		t.Fatalf("no hazard: the test needs one that quotes an entry's name\n%v", rep)
	}
	text := rep.String()
	for i, r := range text {
		if r == utf8.RuneError || r != '\n' && unicode.IsControl(r) || r == '\u202e' {
			t.Errorf("byte %d of the text is %q", i, r)
		}
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	// The summary, a line per hazard, a line and a diagnosis per block,
	// the table's header and its four rows.
	if want := 1 + len(rep.Hazards) + 2*2 + 1 + 4; len(lines) != want {
		t.Errorf("%d lines, want %d:\n%s", len(lines), want, text)
	}
	col := -1
	for _, l := range lines {
		if strings.HasPrefix(l, "block forged") {
			t.Errorf("a block's name forged the line %q", l)
		}
		i := strings.Index(l, "mismatch")
		if i < 0 || strings.HasPrefix(l, "block ") {
			continue
		}
		if c := utf8.RuneCountInString(l[:i]); col < 0 {
			col = c
		} else if c != col {
			t.Errorf("the verdict of %q is in column %d, that of the first row in column %d", l, c, col)
		}
	}
	for _, want := range []string{`a\nblock forged`, `tab\tesc\x1b[31m rlo\u202e]1[W[1]`} {
		if !strings.Contains(text, want) {
			t.Errorf("the text does not name %q", want)
		}
	}
	var js strings.Builder
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	back, err := gradcheck.ReadJSON(strings.NewReader(js.String()))
	if err != nil {
		t.Fatal(err)
	}
	for b, n := range names {
		if back.Blocks[b].Name != n {
			t.Errorf("JSON gives block %d the name %q, want %q", b, back.Blocks[b].Name, n)
		}
	}
}

// TestSummaryOfHostileNames: the summary line names the first entry where
// the loss jumps and the coarsest passing entry, and a directional
// report's regions name their ends: a newline in a block's name split
// those lines too.
func TestSummaryOfHostileNames(t *testing.T) {
	nan := func() float64 { z := 0.0; return z / z }()
	rep := &gradcheck.Report{Precision: "float64", Blocks: []gradcheck.BlockReport{
		{Name: "j\nforged", Shape: []int{2}, Entries: []gradcheck.Entry{
			{Index: 0, Verdict: gradcheck.Inconclusive, Analytic: 1, Numeric: nan, Left: nan, Right: nan, Jumped: true}}},
		{Name: "c\nforged", Shape: []int{2}, Entries: []gradcheck.Entry{
			{Index: 1, Verdict: gradcheck.OK, Analytic: 1, Numeric: 1, ErrEst: 0.5, Left: nan, Right: nan}}},
	}, Regions: []gradcheck.Region{{Block: "c\nforged", Lo: 0, Hi: 2, Parts: 2}}}
	if s := rep.Summary(); strings.Contains(s, "\n") || !strings.Contains(s, `j\nforged[0]`) || !strings.Contains(s, `c\nforged[1]`) {
		t.Errorf("summary %q: want one line naming j\\nforged[0] and c\\nforged[1]", s)
	}
	for _, l := range strings.Split(rep.String(), "\n") {
		if strings.HasPrefix(l, "forged") {
			t.Errorf("a block's name forged the line %q in\n%s", l, rep)
		}
	}
}

// TestTextReportOfALongName: the column of entry names is as wide as its
// widest name, and a block named with 10 000 characters widened every row
// of the table, of every block, to 10 000 characters: the text of 1000
// failing blocks was 201 MB. A name longer than 80 runes keeps its start
// and its end with its coordinates; the block's own line names it in full.
func TestTextReportOfALongName(t *testing.T) {
	long := strings.Repeat("L", 10000) + "é"
	nan := func() float64 { z := 0.0; return z / z }()
	rep := &gradcheck.Report{Precision: "float64"}
	for _, name := range []string{long, "W"} {
		b := gradcheck.BlockReport{Name: name, Shape: []int{3}, RelErr: 0.3}
		for i := range 3 {
			b.Entries = append(b.Entries, gradcheck.Entry{Index: i, Verdict: gradcheck.Mismatch, Analytic: 1, Numeric: 2, Left: nan, Right: nan})
		}
		rep.Blocks = append(rep.Blocks, b)
	}
	text := rep.String()
	if !strings.Contains(text, "block "+long+" [3]") {
		t.Errorf("the block's line does not name it in full")
	}
	rows := 0
	for _, l := range strings.Split(text, "\n") {
		if !strings.Contains(l, "mismatch") {
			continue
		}
		rows++
		if n := utf8.RuneCountInString(l); n > 150 {
			t.Errorf("a row of the table is %d runes wide, want at most 150: %.60q…", n, l)
		}
	}
	if rows != 6 {
		t.Errorf("%d rows in the table, want 6:\n%.2000s", rows, text)
	}
	if want := "LLL…" + strings.Repeat("L", 22) + "é[2]"; !strings.Contains(text, want) {
		t.Errorf("the long name is not cut to its start and its end %q", want)
	}
}
