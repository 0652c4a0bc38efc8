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
func runDemo(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "A %d-%d-%d perceptron (tanh, softmax cross-entropy, L2 penalty) with hand-written backprop.\n\n", demo.D, demo.H, demo.C)
	for _, c := range []struct {
		title string
		bug   bool
	}{
		{"As written:", false},
		{"With a planted bug (the backward pass forgets the L2 penalty's gradient for W1):", true},
	} {
		net := demo.New(c.bug)
		rep, err := gradcheck.Check(net.Model(), nil)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, c.title)
		if err := rep.WriteText(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
