package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/demo"
)

// runDemo checks the embedded network twice: as written, and with its
// backward pass missing the L2 penalty's gradient for W1. It exits 0: the
// planted bug is the point of the demo, not a failure of it.
//
// -json writes only the planted bug's report, as JSON, to stdout; -html
// FILE writes the planted bug's report, with plots, to FILE besides the
// text. -correct picks the correct network's report for both instead.
func runDemo(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var out outputFlags
	out.register(fs)
	correct := fs.Bool("correct", false, "with -json or -html, report the correct network instead of the planted bug")
	setUsage(fs, "[flags]", `
Check a small network with hand-written backprop twice, as written and with
a planted bug, and print both reports. With -json, print only the JSON of
the planted bug's report (or, with -correct, the correct network's); with
-html FILE, also write that report as HTML with plots to FILE. Exit status
0: the planted bug is the point of the demo.`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fs, "unexpected arguments %q", pos)
	}
	cases := []struct {
		title, model string
		chosen       bool // the report -json and -html write
		page         string
	}{
		{"As written:", "demo", *correct, "gradcheck demo: the network as written"},
		{"With a planted bug (the backward pass forgets the L2 penalty's gradient for W1):", "demo-bug", !*correct,
			"gradcheck demo: the planted bug (W1 misses the L2 penalty's gradient)"},
	}
	if !out.json {
		fmt.Fprintf(stdout, "A %d-%d-%d perceptron (tanh, softmax cross-entropy, L2 penalty) with hand-written backprop.\n\n", demo.D, demo.H, demo.C)
	}
	for _, c := range cases {
		if out.json && !c.chosen {
			continue
		}
		m := models[c.model].model()
		rep, err := checkModel(stderr, m, gradcheck.Options{})
		if err != nil {
			return err
		}
		if c.chosen && (out.json || out.html != "") {
			if err := out.sweep(m, rep); err != nil {
				return err
			}
		}
		// The HTML file is written before the JSON returns: with both
		// -json and -html the demo once printed the JSON and wrote no
		// file, exit status 0.
		html := c.chosen && out.html != ""
		if html {
			cmd := "gradcheck demo -html " + out.html
			if *correct {
				cmd += " -correct"
			}
			opts, err := out.htmlOptions(m, c.page, cmd)
			if err != nil {
				return err
			}
			if err := writeHTMLFile(out.html, rep, opts); err != nil {
				return err
			}
		}
		if out.json {
			if html {
				fmt.Fprintf(stderr, "HTML report written to %s\n", out.html)
			}
			return rep.WriteJSON(stdout)
		}
		fmt.Fprintln(stdout, c.title)
		if err := rep.WriteText(stdout); err != nil {
			return err
		}
		if html {
			fmt.Fprintf(stdout, "HTML report written to %s\n", out.html)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
