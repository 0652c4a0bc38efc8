package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
	"github.com/gradcheck/gradcheck/report"
	"github.com/gradcheck/gradcheck/zoo"
)

// A namedModel is an example model the command can check by name.
type namedModel struct {
	about string
	model func() *gradcheck.Model[float64]
}

// models are the models `gradcheck check` and `gradcheck sweep` know.
var models = map[string]namedModel{
	"demo": {"the demo's 4-6-3 perceptron, as written", func() *gradcheck.Model[float64] {
		return demo.New(false).Model()
	}},
	"demo-bug": {"the demo's perceptron with its planted bug: the L2 penalty's gradient for W1 is missing", func() *gradcheck.Model[float64] {
		return demo.New(true).Model()
	}},
}

// The zoo's corpus, in float64: every reference layer by its name (mlp,
// conv2d-s1p1, …) and every bug variant as layer/bug (mlp/missing-l2, …).
func init() {
	for _, c := range zoo.Corpus() {
		if _, dup := models[c.Name]; dup || c.New64 == nil {
			continue
		}
		about := "zoo: " + c.Layer + " as it should be"
		if !c.Correct() {
			about = fmt.Sprintf("zoo: %s with a %s bug (%s)", c.Layer, c.Kind, c.Class)
		}
		models[c.Name] = namedModel{about, c.New64}
	}
}

func modelNames() []string {
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// outputFlags are the flags that choose how a report is written.
type outputFlags struct {
	json   bool
	html   string
	sweeps autoInt
	taylor int
}

// autoInt is an int flag whose default depends on other flags: unset, it
// prints no default in the usage text, which says what it means.
type autoInt struct {
	n   int
	set bool
}

func (a *autoInt) String() string {
	if a == nil || !a.set {
		return ""
	}
	return strconv.Itoa(a.n)
}

func (a *autoInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a count, 0 or more")
	}
	a.n, a.set = n, true
	return nil
}

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "write the report to stdout as JSON (docs/report-schema.md) instead of text")
	fs.StringVar(&o.html, "html", "", "also write an HTML report with plots to `FILE`")
	fs.Var(&o.sweeps, "sweeps", "add the error-versus-step sweeps of the `N` worst entries of each block to the report (default 3 with -html, else 0)")
	fs.IntVar(&o.taylor, "taylor", 2, "with -html, plot a Taylor-remainder test of each block along `N` random directions (0: none)")
}

// htmlOptions runs the Taylor tests of -taylor for the page and returns
// its options.
func (o *outputFlags) htmlOptions(m *gradcheck.Model[float64], title, command string) (*report.Options, error) {
	opts := &report.Options{Title: title, Command: command}
	if o.taylor > 0 {
		tr, err := taylorBlocks(m, o.taylor)
		if err != nil {
			return nil, err
		}
		opts.Taylor = tr
	}
	return opts, nil
}

// sweep adds the sweeps of -sweeps to rep: by default those of the 3
// worst entries of each block when an HTML report is asked for.
func (o *outputFlags) sweep(m *gradcheck.Model[float64], rep *gradcheck.Report) error {
	n := o.sweeps.n
	if !o.sweeps.set && o.html != "" {
		n = 3
	}
	if n == 0 {
		return nil
	}
	return gradcheck.SweepWorst(m, rep, n, nil)
}

// write sweeps the worst entries if asked, then writes the report as text
// or JSON to stdout and as HTML to the file of -html.
func (o *outputFlags) write(stdout io.Writer, m *gradcheck.Model[float64], rep *gradcheck.Report, title, command string) error {
	if err := o.sweep(m, rep); err != nil {
		return err
	}
	if o.html != "" {
		opts, err := o.htmlOptions(m, title, command)
		if err != nil {
			return err
		}
		if err := writeHTMLFile(o.html, rep, opts); err != nil {
			return err
		}
	}
	if o.json {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteText(stdout)
}

func writeHTMLFile(path string, rep *gradcheck.Report, opts *report.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := report.WriteHTML(f, rep, opts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkModel checks m with a progress bar on stderr.
func checkModel(stderr io.Writer, m *gradcheck.Model[float64], opts gradcheck.Options) (*gradcheck.Report, error) {
	return checkWithBar(newProgressBar(stderr), m, opts)
}

// checkWithBar checks m, drawing its progress on bar.
func checkWithBar(bar *progressBar, m *gradcheck.Model[float64], opts gradcheck.Options) (*gradcheck.Report, error) {
	opts.Progress = bar.update
	rep, err := gradcheck.Check(m, &opts)
	bar.finish()
	return rep, err
}

// runCheck checks named example models.
func runCheck(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var out outputFlags
	out.register(fs)
	list := fs.Bool("list", false, "list the models and exit")
	sample := fs.Int("sample", 0, "check a seeded sample of about `N` entries instead of all")
	seed := fs.Uint64("seed", 0, "seed `S` of the sample")
	workers := fs.Int("workers", 0, "evaluate with `N` goroutines where the model allows (0: one per CPU)")
	directions := fs.Int("directions", 0, "check along `N` seeded random directions instead of entry by entry, locating disagreements")
	setUsage(fs, "[flags] MODEL…", `
Check the gradients of named example models against finite differences and
print the report. Exit status 0 when every verdict passes, 1 when a
gradient is wrong, 2 on a usage or runtime error.`)
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *list && len(names) > 0:
		return usageErr(fs, "-list lists every model: name none")
	case out.taylor < 0:
		return usageErr(fs, "-taylor %d: want a count of directions, 0 or more", out.taylor)
	case *directions > 0 && *sample > 0:
		// The library checks every direction over all the parameters
		// and ignores Options.Sample there; say so rather than drop
		// the flag unnoticed.
		return usageErr(fs, "-sample does not apply to a check along -directions, which moves every parameter at once")
	}
	if *list {
		for _, n := range modelNames() {
			fmt.Fprintf(stdout, "%-32s %s\n", n, models[n].about)
		}
		return nil
	}
	if len(names) == 0 {
		return usageErr(fs, "name a model to check: %s", strings.Join(modelNames(), ", "))
	}
	if (out.json || out.html != "") && len(names) > 1 {
		return usageErr(fs, "-json and -html write one report: name one model")
	}
	for _, n := range names {
		if _, ok := models[n]; !ok {
			return usageErr(fs, "no model named %q; the models are %s", n, strings.Join(modelNames(), ", "))
		}
	}
	wrong := false
	for k, n := range names {
		m := models[n].model()
		rep, err := checkModel(stderr, m, gradcheck.Options{Sample: *sample, Seed: *seed, Workers: *workers, Directions: *directions})
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		if len(names) > 1 {
			if k > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s:\n", n)
		}
		cmdline := "gradcheck check " + strings.Join(args, " ")
		if err := out.write(stdout, m, rep, "gradcheck check "+n, cmdline); err != nil {
			return err
		}
		wrong = wrong || !rep.OK()
	}
	if wrong {
		return errWrong
	}
	return nil
}
