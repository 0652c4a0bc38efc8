// Command shard checks the gradient of a small network in shards, for
// running as a Kubernetes Indexed Job or a CI matrix, and merges the shard
// reports into one. See docs/sharding.md.
//
//	shard check -shards 4 -shard 2 -out shard-2.json   # one shard; -shard defaults to $JOB_COMPLETION_INDEX
//	shard merge -out report.json shard-*.json         # the whole check; exit status 1 if the gradient is wrong
//	shard check -out whole.json                       # the unsharded check, for comparison
//
// The network is a stand-in for your model: replace newModel. Every shard
// must build the same model at the same point with the same options; only
// Options.Shard differs.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/gradcheck/gradcheck"
)

func main() {
	os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
}

// Exit statuses.
const (
	exitOK    = 0 // the check ran (check) or the merged gradient is right (merge)
	exitWrong = 1 // merge: the merged report is not OK
	exitUsage = 2 // bad flags or arguments, or a check that could not run
)

func run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: shard check [flags] | shard merge [flags] report.json...")
		return exitUsage
	}
	var err error
	code := exitOK
	switch args[0] {
	case "check":
		err = check(stdout, args[1:])
	case "merge":
		code, err = merge(stdout, args[1:])
	default:
		err = fmt.Errorf("unknown command %q: want check or merge", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "shard:", err)
		return exitUsage
	}
	return code
}

func check(stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	shards := fs.Int("shards", 0, "number of shards; 0 checks everything")
	shard := fs.Int("shard", -1, "this shard, from 0; -1 reads $JOB_COMPLETION_INDEX")
	out := fs.String("out", "", "write the JSON report here (default: standard output)")
	bug := fs.Bool("bug", false, "plant a bug in the network's backward pass")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shards > 0 && *shard < 0 {
		idx := os.Getenv("JOB_COMPLETION_INDEX")
		if idx == "" {
			return errors.New("-shards is set but neither -shard nor $JOB_COMPLETION_INDEX is")
		}
		n, err := strconv.Atoi(idx)
		if err != nil {
			return fmt.Errorf("$JOB_COMPLETION_INDEX is %q: %v", idx, err)
		}
		*shard = n
	}
	opts := &gradcheck.Options{Seed: 1}
	if *shards > 0 {
		opts.Shard, opts.Shards = *shard, *shards
	}
	rep, err := gradcheck.Check(newModel(*bug), opts)
	if err != nil {
		return err
	}
	return write(stdout, *out, rep)
}

func merge(stdout io.Writer, args []string) (int, error) {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("out", "", "write the merged JSON report here (default: only the text summary)")
	if err := fs.Parse(args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() == 0 {
		return exitUsage, errors.New("merge: no shard reports given")
	}
	var reps []*gradcheck.Report
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return exitUsage, err
		}
		r, err := gradcheck.ReadJSON(f)
		f.Close()
		if err != nil {
			return exitUsage, fmt.Errorf("%s: %v", name, err)
		}
		reps = append(reps, r)
	}
	rep, err := gradcheck.Merge(reps...)
	if err != nil {
		return exitUsage, err
	}
	if *out != "" {
		if err := write(stdout, *out, rep); err != nil {
			return exitUsage, err
		}
	}
	if err := rep.WriteText(stdout); err != nil {
		return exitUsage, err
	}
	if !rep.OK() {
		return exitWrong, nil
	}
	return exitOK, nil
}

func write(stdout io.Writer, name string, rep *gradcheck.Report) error {
	if name == "" {
		return rep.WriteJSON(stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newModel returns a two-layer tanh network, 16 inputs, 32 hidden units,
// 4 outputs, with a squared-error loss over a fixed batch of 8 samples and
// a hand-written backward pass: 676 parameters in four blocks, from a fixed
// seed so that every shard builds the same model. With bug set, the
// backward pass forgets the derivative of tanh for hidden unit 5.
func newModel(bug bool) *gradcheck.Model[float64] {
	const in, hid, out, batch = 16, 32, 4, 8
	rng := rand.New(rand.NewPCG(42, 42))
	randn := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = s * rng.NormFloat64()
		}
		return v
	}
	w1, b1 := randn(hid*in, 0.3), randn(hid, 0.1)
	w2, b2 := randn(out*hid, 0.3), randn(out, 0.1)
	x, y := randn(batch*in, 1), randn(batch*out, 1)
	dw1, db1 := make([]float64, len(w1)), make([]float64, len(b1))
	dw2, db2 := make([]float64, len(w2)), make([]float64, len(b2))
	h := make([]float64, batch*hid)

	forward := func() float64 {
		var loss float64
		for s := range batch {
			for j := range hid {
				a := b1[j]
				for i := range in {
					a += w1[j*in+i] * x[s*in+i]
				}
				h[s*hid+j] = math.Tanh(a)
			}
			for k := range out {
				o := b2[k]
				for j := range hid {
					o += w2[k*hid+j] * h[s*hid+j]
				}
				d := o - y[s*out+k]
				loss += 0.5 * d * d
			}
		}
		return loss / batch
	}
	backward := func() {
		forward()
		clear(dw1)
		clear(db1)
		clear(dw2)
		clear(db2)
		for s := range batch {
			dh := make([]float64, hid)
			for k := range out {
				o := b2[k]
				for j := range hid {
					o += w2[k*hid+j] * h[s*hid+j]
				}
				d := (o - y[s*out+k]) / batch
				db2[k] += d
				for j := range hid {
					dw2[k*hid+j] += d * h[s*hid+j]
					dh[j] += d * w2[k*hid+j]
				}
			}
			for j := range hid {
				da := dh[j] * (1 - h[s*hid+j]*h[s*hid+j])
				if bug && j == 5 {
					da = dh[j]
				}
				db1[j] += da
				for i := range in {
					dw1[j*in+i] += da * x[s*in+i]
				}
			}
		}
	}
	return &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{
			{Name: "W1", Shape: []int{hid, in}, Value: w1, Grad: dw1},
			{Name: "b1", Value: b1, Grad: db1},
			{Name: "W2", Shape: []int{out, hid}, Value: w2, Grad: dw2},
			{Name: "b2", Value: b2, Grad: db2},
		},
		Loss:     forward,
		Gradient: backward,
	}
}
