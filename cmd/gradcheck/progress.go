package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gradcheck/gradcheck"
)

// barDelay is how long a check runs before its progress bar appears: a
// check that ends sooner leaves no trace on the terminal.
const barDelay = time.Second

// barWidth is the number of cells of the bar itself.
const barWidth = 30

// A progressBar draws gradcheck.Progress reports as one line on a
// terminal, redrawn in place with a carriage return, and erases it at the
// end. It draws nothing when its writer is not a terminal, and nothing
// before barDelay has passed.
type progressBar struct {
	w       io.Writer // nil: draw nothing
	delay   time.Duration
	drawn   bool // a line is on the terminal
	lastLen int
}

// newProgressBar returns a bar on w if w is a terminal, else a bar that
// draws nothing.
func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{delay: barDelay}
	if isTerminal(w) {
		b.w = w
	}
	return b
}

// isTerminal reports whether w is a character device, as a terminal is:
// not a file, a pipe or a buffer.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update draws p; it is the Options.Progress callback.
func (b *progressBar) update(p gradcheck.Progress) {
	if b == nil || b.w == nil || p.Elapsed < b.delay {
		return
	}
	line := barLine(p)
	pad := ""
	if n := len([]rune(line)); n < b.lastLen {
		pad = strings.Repeat(" ", b.lastLen-n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	// The terminal line is as long as the longest line drawn on it.
	b.drawn, b.lastLen = true, max(b.lastLen, len([]rune(line)))
}

// finish erases the bar, if one was drawn.
func (b *progressBar) finish() {
	if b == nil || b.w == nil || !b.drawn {
		return
	}
	fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.lastLen))
	b.drawn = false
}

// barLine renders one progress line: the stage, a bar when the total is
// known, the counts, the elapsed and the estimated remaining time.
func barLine(p gradcheck.Progress) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "gradcheck: %s ", p.Stage)
	if p.Total > 0 {
		done := min(max(p.Done, 0), p.Total)
		full := barWidth * done / p.Total
		sb.WriteString("[" + strings.Repeat("#", full) + strings.Repeat(".", barWidth-full) + "] ")
		fmt.Fprintf(&sb, "%d/%d", done, p.Total)
	} else {
		fmt.Fprintf(&sb, "%d", p.Done)
	}
	fmt.Fprintf(&sb, ", %d evals, %s", p.Evals, p.Elapsed.Round(time.Second))
	if p.Remaining > 0 {
		fmt.Fprintf(&sb, ", ~%s left", p.Remaining.Round(time.Second))
	}
	return sb.String()
}
