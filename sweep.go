package gradcheck

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gradcheck/gradcheck/internal/fdiff"
	"github.com/gradcheck/gradcheck/internal/printable"
)

// SweepOptions choose the steps of a sweep. A nil *SweepOptions and the zero
// value mean the same defaults.
type SweepOptions struct {
	// MaxStep and MinStep bound the relative steps c: entry x_i is
	// perturbed by h = c·max(|x_i|, 1). Zero MaxStep means 0.1, where the
	// truncation error of most functions is plain to see; zero MinStep
	// means 8ε of the parameters' precision (1.8e-15 for float64, 9.5e-7
	// for float32), where round-off swamps every difference.
	MaxStep, MinStep float64

	// PerDecade is the number of steps per factor of ten. Zero means 2.
	PerDecade int
}

// A SweepPoint is one row of an error-versus-step table.
type SweepPoint struct {
	// Step is the step h actually taken: the nominal step after x_i + h
	// was rounded to the parameters' precision.
	Step float64
	// Central, Forward and Backward are the finite-difference estimates
	// (f(x+h) − f(x−h))/2h, (f(x+h) − f(x))/h and (f(x) − f(x−h))/h, NaN
	// when the loss was not finite there.
	Central, Forward, Backward float64
	// Err is |Central − Analytic|: on a right gradient it falls as h² while
	// truncation dominates and rises as 1/h once round-off does; on a
	// wrong one it levels off at the size of the mistake in between.
	Err float64
	// RoundOff estimates the round-off error of Central at this step,
	// κ·ε·max|f|/h with the κ of the verdict rules: where Err meets it,
	// round-off has taken over.
	RoundOff float64
}

// An EntrySweep is the error-versus-step table of one entry.
type EntrySweep struct {
	// Block and Index locate the entry; Name names it, as W1[0,3].
	Block string
	Index int
	Name  string
	// Value is the entry's parameter value and Analytic the caller's
	// gradient at it.
	Value, Analytic float64
	// CheckStep is the first-pass step of a check with default Options,
	// c·max(|x_i|, 1) with c = ε^(1/3): renderers may mark it.
	CheckStep float64
	// Points are the rows, from the largest step to the smallest.
	Points []SweepPoint
}

// Sweep evaluates the error-versus-step table of the named entries of m,
// each named as in reports: "W1[0,3]" by coordinates, or "W1[3]" by flat
// row-major index in any block. It calls Gradient once, for the analytic
// values, then Loss twice per step per entry.
//
// As in Check, each entry is restored bit for bit after every evaluation;
// a panic in Loss, Gradient or Reseed is returned as a *PanicError, and a
// parameter, a loss at the parameters or a swept entry's gradient that is
// not finite is an error.
func Sweep[T Float](m *Model[T], entries []string, opts *SweepOptions) ([]EntrySweep, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("gradcheck: Sweep needs at least one entry name")
	}
	type loc struct{ b, i int }
	locs := make([]loc, len(entries))
	for k, name := range entries {
		b, i, err := m.lookup(name)
		if err != nil {
			return nil, err
		}
		locs[k] = loc{b, i}
	}
	s, err := newSweeper(m, opts)
	if err != nil {
		return nil, err
	}
	defer s.c.restoreAll()
	m.zeroGrad()
	if err := s.c.callGradient(); err != nil {
		return nil, err
	}
	analytic := make([]float64, len(locs))
	for k, l := range locs {
		analytic[k] = float64(m.Blocks[l.b].Grad[l.i])
		if !isFinite(analytic[k]) {
			// Every Err of its table would be NaN: Check calls it an error.
			return nil, fmt.Errorf("gradcheck: the analytic gradient at %s is %v", entries[k], analytic[k])
		}
	}
	s.c.restoreAll() // a Gradient that mutates is a hazard of Check's; here it must not skew the sweep
	out := make([]EntrySweep, len(locs))
	for k, l := range locs {
		if out[k], err = s.entry(l.b, l.i, analytic[k]); err != nil {
			return out[:k], err
		}
	}
	return out, nil
}

// SweepWorst adds to rep.Sweeps the error-versus-step tables of up to n
// entries of each block of rep, the worst first: failing entries before
// passing ones, then by |Analytic − Numeric|. The analytic values are the
// report's. rep must be a report of m, as Check returned it: a block
// that the model has not, or of another shape, is an error.
func SweepWorst[T Float](m *Model[T], rep *Report, n int, opts *SweepOptions) error {
	if err := m.validate(); err != nil {
		return err
	}
	if rep == nil {
		return errors.New("gradcheck: SweepWorst needs a report")
	}
	if n <= 0 {
		return nil
	}
	s, err := newSweeper(m, opts)
	if err != nil {
		return err
	}
	defer s.c.restoreAll()
	for bi := range rep.Blocks {
		br := &rep.Blocks[bi]
		b := slices.IndexFunc(m.Blocks, func(blk Block[T]) bool { return blk.Name == br.Name })
		if b < 0 {
			return fmt.Errorf("gradcheck: the report has a block %q that the model has not", br.Name)
		}
		if shape := shapeOf(m.Blocks[b]); !slices.Equal(br.Shape, shape) {
			// Its entries would be swept, and named, at the model's
			// coordinates of their flat index: other entries than the
			// report's.
			return fmt.Errorf("gradcheck: the report's block %q has shape %v but the model's has shape %v", br.Name, br.Shape, shape)
		}
		for _, e := range WorstEntries(br, n) {
			if e.Index < 0 || e.Index >= len(m.Blocks[b].Value) {
				return fmt.Errorf("gradcheck: the report has entry %s outside the model's block", printable.String(br.EntryName(e.Index)))
			}
			sw, err := s.entry(b, e.Index, e.Analytic)
			if err != nil {
				return err
			}
			rep.Sweeps = append(rep.Sweeps, sw)
		}
	}
	return nil
}

// WorstEntries returns up to n entries of b, the worst first: those that
// fail before those that pass, then by |Analytic − Numeric| with NaN
// counted as largest, then by index. An n that is not positive returns
// none.
func WorstEntries(b *BlockReport, n int) []Entry {
	if n <= 0 {
		return nil
	}
	es := slices.Clone(b.Entries)
	key := func(e Entry) float64 {
		d := e.AbsErr()
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		return d
	}
	slices.SortStableFunc(es, func(x, y Entry) int {
		if px, py := x.Verdict.Pass(), y.Verdict.Pass(); px != py {
			if py {
				return -1
			}
			return 1
		}
		return cmp.Compare(key(y), key(x))
	})
	return es[:min(n, len(es))]
}

// sweeper evaluates sweeps with a checker's save, restore and panic
// recovery.
type sweeper[T Float] struct {
	c     *checker[T]
	steps []float64 // relative steps c, largest first
}

func newSweeper[T Float](m *Model[T], opts *SweepOptions) (*sweeper[T], error) {
	p := precisionOf[T]()
	var o SweepOptions
	if opts != nil {
		o = *opts
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"MaxStep", o.MaxStep}, {"MinStep", o.MinStep}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return nil, fmt.Errorf("gradcheck: SweepOptions.%s is %v: it must be finite and not negative", f.name, f.v)
		}
	}
	if o.MaxStep == 0 {
		o.MaxStep = 0.1
	}
	if o.MinStep == 0 {
		o.MinStep = 8 * p.Eps
	}
	if o.PerDecade == 0 {
		o.PerDecade = 2
	}
	switch {
	case o.PerDecade < 0 || o.PerDecade > 100:
		return nil, fmt.Errorf("gradcheck: SweepOptions.PerDecade is %d: it must be between 1 and 100", o.PerDecade)
	case o.MinStep > o.MaxStep:
		return nil, fmt.Errorf("gradcheck: SweepOptions.MinStep %v is above MaxStep %v", o.MinStep, o.MaxStep)
	}
	// Steps are 10^(−k/PerDecade) from MaxStep down, computed from the
	// exponent rather than by repeated division so that they do not drift.
	var steps []float64
	top := math.Log10(o.MaxStep)
	for k := 0; ; k++ {
		c := math.Pow(10, top-float64(k)/float64(o.PerDecade))
		if c < o.MinStep*(1-1e-9) {
			break
		}
		steps = append(steps, c)
	}
	for _, blk := range m.Blocks {
		for i, v := range blk.Value {
			if !isFinite(float64(v)) {
				// Every loss would be NaN or infinite: Check calls it an
				// error.
				return nil, fmt.Errorf("gradcheck: parameter %s is %v", shownEntry(blk.Name, shapeOf(blk), i), v)
			}
		}
	}
	c := &checker[T]{m: m, s: settings{prec: p}}
	c.saveAll()
	return &sweeper[T]{c: c, steps: steps}, nil
}

// entry sweeps entry i of block b, whose analytic derivative is a.
func (s *sweeper[T]) entry(b, i int, a float64) (EntrySweep, error) {
	c := s.c
	blk := c.m.Blocks[b]
	x := float64(c.saved[b][i])
	scale := fdiff.Scale(x)
	sw := EntrySweep{
		Block: blk.Name, Index: i, Name: entryName(blk.Name, shapeOf(blk), i),
		Value: x, Analytic: a, CheckStep: fdiff.CentralStep(c.s.prec) * scale,
		Points: make([]SweepPoint, 0, len(s.steps)),
	}
	f0, err := c.callLoss(-1, -1, 0)
	if err != nil {
		return sw, err
	}
	if !isFinite(f0) {
		// No difference would be finite: Check calls it an error.
		return sw, fmt.Errorf("gradcheck: the loss at the caller's parameters is %v", f0)
	}
	c.f0 = f0
	for _, rel := range s.steps {
		h := rel * scale
		fp, hp, err := c.lossStep(b, i, h)
		if err != nil {
			return sw, err
		}
		fm, hm, err := c.lossStep(b, i, -h)
		if err != nil {
			return sw, err
		}
		p := SweepPoint{Step: (hp + hm) / 2, Central: math.NaN(), Forward: math.NaN(), Backward: math.NaN()}
		if isFinite(fp) && isFinite(f0) {
			p.Forward = fdiff.Forward(f0, fp, hp)
		}
		if isFinite(fm) && isFinite(f0) {
			p.Backward = fdiff.Backward(fm, f0, hm)
		}
		if isFinite(fp) && isFinite(fm) {
			p.Central = fdiff.Central(fm, f0, fp, hm, hp)
			p.RoundOff = c.roundoff(math.Max(math.Abs(fp), math.Abs(fm)), math.Min(hp, hm))
		} else {
			p.RoundOff = math.NaN()
		}
		p.Err = math.Abs(p.Central - a)
		sw.Points = append(sw.Points, p)
		if mb, mi := c.changed(); mb >= 0 {
			c.restoreAll()
			other := c.m.Blocks[mb]
			return sw, fmt.Errorf("gradcheck: Loss changed the parameters while %s was swept: %s differs from its saved value; a loss must leave its parameters as it found them",
				printable.String(sw.Name), shownEntry(other.Name, shapeOf(other), mi))
		}
	}
	return sw, nil
}

// zeroGrad clears every block's Grad, as Check does before its first
// Gradient call.
func (m *Model[T]) zeroGrad() {
	for b := range m.Blocks {
		clear(m.Blocks[b].Grad)
	}
}

// lookup finds the entry named as in reports: "W1[2,3]" by coordinates or
// "W1[15]" by flat index.
func (m *Model[T]) lookup(name string) (b, i int, err error) {
	open := strings.LastIndexByte(name, '[')
	if open <= 0 || !strings.HasSuffix(name, "]") {
		return 0, 0, fmt.Errorf("gradcheck: entry name %q is not of the form Block[i,j,…]", name)
	}
	bname := name[:open]
	b = slices.IndexFunc(m.Blocks, func(blk Block[T]) bool { return blk.Name == bname })
	if b < 0 {
		names := make([]string, len(m.Blocks))
		for k, blk := range m.Blocks {
			names[k] = blk.Name
		}
		return 0, 0, fmt.Errorf("gradcheck: entry %s: no block named %q (the blocks are %s)", name, bname, strings.Join(names, ", "))
	}
	shape := shapeOf(m.Blocks[b])
	parts := strings.Split(name[open+1:len(name)-1], ",")
	coords := make([]int, len(parts))
	for k, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return 0, 0, fmt.Errorf("gradcheck: entry %s: %q is not an index", name, p)
		}
		coords[k] = v
	}
	n := len(m.Blocks[b].Value)
	switch len(coords) {
	case 1:
		i = coords[0]
		if i < 0 || i >= n {
			return 0, 0, fmt.Errorf("gradcheck: entry %s: index %d is outside the %d entries of %s %v", name, i, n, bname, shape)
		}
		return b, i, nil
	case len(shape):
		for axis, v := range coords {
			if v < 0 || v >= shape[axis] {
				return 0, 0, fmt.Errorf("gradcheck: entry %s: index %d on axis %d is outside %s's shape %v", name, v, axis, bname, shape)
			}
			i = i*shape[axis] + v
		}
		return b, i, nil
	}
	return 0, 0, fmt.Errorf("gradcheck: entry %s: %d indices for %s of shape %v: give %d, or one flat index", name, len(coords), bname, shape, len(shape))
}
