package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// runSweep prints the error-versus-step table of chosen entries of an
// example model, and with -svg draws it.
func runSweep(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "demo", "the example `model` whose entries to sweep (gradcheck check -list)")
	jsonOut := fs.Bool("json", false, "write the sweeps to stdout as a JSON report (its \"sweeps\" field) instead of a table")
	svg := fs.String("svg", "", "also draw the error against the step to the SVG `FILE`")
	var o gradcheck.SweepOptions
	fs.Float64Var(&o.MaxStep, "max-step", 0, "largest relative step c, h = c·max(|x|,1) (0: 0.1)")
	fs.Float64Var(&o.MinStep, "min-step", 0, "smallest relative step (0: 8ε of the precision)")
	fs.IntVar(&o.PerDecade, "per-decade", 0, "steps per factor of ten (0: 2)")
	setUsage(fs, "[flags] ENTRY…", `
Print, for each named entry (as W1[0,3], or W1[3] by flat index), the
central, forward and backward differences at steps from 0.1 down to
round-off, and the error |central − analytic|. On a right gradient the
error falls as h² while truncation dominates and grows as 1/h once
round-off does; the row marked "least" is where one ends and the other
begins. On a wrong gradient the error levels off at the size of the
mistake instead: no step makes it go away. Try
  gradcheck sweep W1[0,3] b1[0]
  gradcheck sweep -model demo-bug W1[0,3] b1[0]
Exit status 0, or 2 on a usage or runtime error.`)
	entries, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	nm, ok := models[*model]
	if !ok {
		return usageErr(fs, "no model named %q; the models are %s", *model, strings.Join(modelNames(), ", "))
	}
	if len(entries) == 0 {
		return usageErr(fs, "name at least one entry, as W1[0,3]")
	}
	m := nm.model()
	sweeps, err := gradcheck.Sweep(m, entries, &o)
	if err != nil {
		return err
	}
	if *svg != "" {
		title := fmt.Sprintf("%s: error against step", *model)
		b, err := report.SweepSVG(title, sweeps)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*svg, b, 0o644); err != nil {
			return err
		}
	}
	if *jsonOut {
		rep := &gradcheck.Report{Precision: "float64", Sweeps: sweeps}
		return rep.WriteJSON(stdout)
	}
	for k, sw := range sweeps {
		if k > 0 {
			fmt.Fprintln(stdout)
		}
		writeSweepTable(stdout, *model, sw)
	}
	return nil
}

// writeSweepTable prints one entry's sweep, marking the row of least error.
func writeSweepTable(w io.Writer, model string, sw gradcheck.EntrySweep) {
	fmt.Fprintf(w, "%s of %s: value %.8g, analytic %.12g, check's step %.2g\n", sw.Name, model, sw.Value, sw.Analytic, sw.CheckStep)
	least := -1
	for i, p := range sw.Points {
		if !math.IsNaN(p.Err) && (least < 0 || p.Err < sw.Points[least].Err) {
			least = i
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tcentral\tforward\tbackward\t|central − analytic|\tround-off est\t\t")
	for i, p := range sw.Points {
		mark := ""
		if i == least {
			mark = "← least"
		}
		fmt.Fprintf(tw, "%.3g\t%.12g\t%.8g\t%.8g\t%.3g\t%.2g\t%s\t\n", p.Step, p.Central, p.Forward, p.Backward, p.Err, p.RoundOff, mark)
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		io.WriteString(w, strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			io.WriteString(w, "\n")
		}
	}
}
