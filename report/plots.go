package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/printable"
)

// Sizes of the plots, in points. The HTML scales them to its columns.
const (
	plotW = 4 * vg.Inch
	plotH = 3 * vg.Inch
	barW  = 0.9 * vg.Inch  // the heatmap's colour bar
	legW  = 1.25 * vg.Inch // the sweep plot's legend, beside the axes
)

// Display limits: beyond them a plot shows a subset or a raster, so that a
// report of a large model stays a file a browser opens quickly.
const (
	maxVectorCells    = 4096 // heatmap cells drawn as vector rectangles; more are rasterized
	maxScatterPassing = 4000 // passing entries in a scatter
	maxScatterFailing = 4000 // failing entries in a scatter: at 180 bytes of SVG a point, a million made a page of 180 MB
	maxTableRowsHTML  = 20   // failing entries listed per block

	// maxBlockSections bounds the blocks a page gives a section of plots
	// and failing entries, failing blocks first; and the scatters of a
	// page draw scatterPointsPage passing and as many failing entries in
	// all, shared between its sections. A page of 1000 blocks of 1000
	// failing entries each was 190 MB; of 10 000 blocks, 60 MB.
	maxBlockSections   = 32
	scatterPointsPage  = 32000
	maxSweepLinesBlock = 6 // sweeps drawn in one block's plot

	// maxHeatmapCells bounds the heatmap's grid, one float64 and one
	// pixel per entry of the block (192 MiB at the bound): a block of
	// 4096×4096 is drawn; a larger one, or a decoded report that claims
	// 2³¹×2³¹ entries, gets an error, not an allocation that fails.
	maxHeatmapCells = 1 << 24
)

var (
	colPass  = color.RGBA{R: 0x44, G: 0x77, B: 0xaa, A: 0xff}
	colFail  = color.RGBA{R: 0xcc, G: 0x33, B: 0x11, A: 0xff}
	colGuide = color.RGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xff}
	colNaN   = color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff} // white: the palette's zero is light grey
	// lineColors tell the sweeps of one plot apart (Paul Tol's bright
	// scheme, readable by people with the common colour blindnesses).
	lineColors = []color.Color{
		color.RGBA{R: 0xee, G: 0x66, B: 0x77, A: 0xff},
		color.RGBA{R: 0x44, G: 0x77, B: 0xaa, A: 0xff},
		color.RGBA{R: 0x22, G: 0x88, B: 0x33, A: 0xff},
		color.RGBA{R: 0xcc, G: 0xbb, B: 0x44, A: 0xff},
		color.RGBA{R: 0x66, G: 0xcc, B: 0xee, A: 0xff},
		color.RGBA{R: 0xaa, G: 0x33, B: 0x77, A: 0xff},
	}
)

// newPlot returns a plot with sans-serif text throughout. Control
// characters in the title (a block's name may hold any) are written as
// escapes: the SVG writer copies them, and XML does not allow them.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = printable.String(title), xlabel, ylabel
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = 11
	p.X.Label.TextStyle.Font.Size = 10
	p.Y.Label.TextStyle.Font.Size = 10
	p.Legend.TextStyle.Font.Size = 8
	return p
}

// svgOf draws fn on an SVG canvas of w×h points and returns the SVG. A
// panic in the plotting library is returned as an error: a report must
// not crash the program that writes it.
func svgOf(w, h vg.Length, fn func(dc draw.Canvas) error) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("the plotting library panicked: %v", r)
		}
	}()
	c := vgsvg.New(w, h)
	if err := fn(draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return stripXMLHeader(buf.Bytes()), nil
}

// stripXMLHeader drops the <?xml …?> line, which is not allowed inside
// HTML.
func stripXMLHeader(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("<?xml")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[i+1:]
		}
	}
	return b
}

// errorGrid is the signed error a − n of a block laid out as a matrix:
// rows along the first axis, columns along the rest. Entries not checked
// (a sample) and entries without a finite estimate are NaN. Grid row r is
// matrix row rows−1−r, so that row 0 is drawn at the top, as matrices are
// written; an inverted axis would do the same for vector cells but turns
// a rasterized heatmap upside down.
type errorGrid struct {
	rows, cols int
	z          []float64
}

// newErrorGrid needs a shape of positive axes of at most maxHeatmapCells
// entries (HeatmapSVG).
func newErrorGrid(b *gradcheck.BlockReport) *errorGrid {
	rows := b.Shape[0]
	cols := b.Size() / rows
	g := &errorGrid{rows: rows, cols: cols, z: make([]float64, rows*cols)}
	for i := range g.z {
		g.z[i] = math.NaN()
	}
	for _, e := range b.Entries {
		if e.Index >= 0 && e.Index < len(g.z) {
			g.z[e.Index] = e.Analytic - e.Numeric
		}
	}
	return g
}

func (g *errorGrid) Dims() (c, r int)    { return g.cols, g.rows }
func (g *errorGrid) Z(c, r int) float64  { return g.z[(g.rows-1-r)*g.cols+c] }
func (g *errorGrid) X(c int) float64     { return float64(c) }
func (g *errorGrid) Y(r int) float64     { return float64(r) }
func (g *errorGrid) maxAbs() (m float64) { return maxAbsFinite(g.z) }

func maxAbsFinite(v []float64) (m float64) {
	for _, z := range v {
		if !math.IsNaN(z) && !math.IsInf(z, 0) {
			m = math.Max(m, math.Abs(z))
		}
	}
	return m
}

// HeatmapSVG draws the signed error analytic − numeric of a block of two
// or more axes as a matrix, row 0 at the top, in a diverging palette
// symmetric about zero: red where the analytic value is too large, blue
// where it is too small, white where no estimate exists (an entry not
// checked, or not finite).
func HeatmapSVG(b *gradcheck.BlockReport) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("no block to plot")
	}
	if len(b.Shape) < 2 {
		return nil, fmt.Errorf("block %s of shape %v is not a matrix", printable.String(b.Name), b.Shape)
	}
	for _, d := range b.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("block %s has shape %v", printable.String(b.Name), b.Shape)
		}
	}
	if n := b.Size(); n == 0 || n > maxHeatmapCells { // 0: the product overflows
		return nil, fmt.Errorf("block %s of shape %v has more entries than a heatmap draws (%d)", printable.String(b.Name), b.Shape, maxHeatmapCells)
	}
	g := newErrorGrid(b)
	m := g.maxAbs()
	if m == 0 {
		m = 1 // all agree exactly: any symmetric range shows the one colour
	}
	// The colours span [−1, 1], the errors divided by m, and the colour
	// bar is labelled ±m: a palette over [−m, m] is NaN throughout once
	// 2m overflows, as it does for an error above 9e307, and the plot
	// was lost.
	for i := range g.z {
		g.z[i] /= m
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(-1)
	pal.SetMax(1)
	return svgOf(plotW, plotH, func(dc draw.Canvas) error {
		xlabel := "column (axis 1)"
		if len(b.Shape) > 2 {
			xlabel = fmt.Sprintf("axes 1…%d, flattened", len(b.Shape)-1)
		}
		p := newPlot(fmt.Sprintf("%s: analytic − numeric", b.Name), xlabel, "row (axis 0)")
		hm := plotter.NewHeatMap(g, pal.Palette(255))
		hm.Min, hm.Max = -1, 1
		hm.NaN = colNaN
		hm.Rasterized = g.rows*g.cols > maxVectorCells
		p.Add(hm)
		p.X.Tick.Marker = indexTicks(g.cols, false)
		p.Y.Tick.Marker = indexTicks(g.rows, true)
		p.X.Min, p.X.Max = -0.5, float64(g.cols)-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(g.rows)-0.5

		bar := newPlot("", "", "")
		bar.HideX()
		bar.Y.Padding, bar.X.Padding = 0, 0
		bar.Add(&plotter.ColorBar{ColorMap: pal, Vertical: true})
		bar.Y.Tick.Marker = symmetricTicks(m)

		p.Draw(draw.Crop(dc, 0, -barW, 0, 0))
		bar.Draw(draw.Crop(dc, plotW-barW+6, -4, 28, -20))
		return nil
	})
}

// indexTicks labels integer indices with at most about eight labels;
// flipped puts index i at n−1−i, for rows drawn from the top.
func indexTicks(n int, flipped bool) plot.ConstantTicks {
	step := 1
	for n/step > 8 {
		step *= 2
	}
	var ts plot.ConstantTicks
	for i := 0; i < n; i += step {
		v := float64(i)
		if flipped {
			v = float64(n - 1 - i)
		}
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(i)})
	}
	return ts
}

// symmetricTicks labels the colour bar of errors divided by m, which
// spans [−1, 1], in units of the errors.
func symmetricTicks(m float64) plot.ConstantTicks {
	return plot.ConstantTicks{
		{Value: -1, Label: fmtTick(-m)}, {Value: -0.5}, {Value: 0, Label: "0"}, {Value: 0.5}, {Value: 1, Label: fmtTick(m)},
	}
}

func fmtTick(v float64) string { return strconv.FormatFloat(v, 'g', 2, 64) }

// ScatterSVG plots the analytic value of each checked entry of a block
// against its numeric estimate, with the line y = x they should lie on.
// Failing entries are red crosses. At most maxScatterPassing passing and
// maxScatterFailing failing entries are drawn, evenly spaced in index
// order, and the title says so when some are left out.
func ScatterSVG(b *gradcheck.BlockReport) ([]byte, error) {
	return scatterSVG(b, maxScatterPassing, maxScatterFailing)
}

// scatterSVG is ScatterSVG drawing at most maxPass passing and maxFail
// failing entries.
func scatterSVG(b *gradcheck.BlockReport, maxPass, maxFail int) ([]byte, error) {
	if b == nil {
		return nil, fmt.Errorf("no block to plot")
	}
	var pass, fail plotter.XYs
	npass, nfail := 0, 0
	for _, e := range b.Entries {
		if e.Verdict.Pass() {
			npass++
		} else {
			nfail++
		}
	}
	stride := max(1, (npass+maxPass-1)/maxPass)
	fstride := max(1, (nfail+maxFail-1)/maxFail)
	k, kf := 0, 0
	for _, e := range b.Entries {
		if !finite(e.Analytic) || !finite(e.Numeric) {
			continue
		}
		xy := plotter.XY{X: e.Numeric, Y: e.Analytic}
		if e.Verdict.Pass() {
			if k%stride == 0 {
				pass = append(pass, xy)
			}
			k++
			continue
		}
		if kf%fstride == 0 {
			fail = append(fail, xy)
		}
		kf++
	}
	return svgOf(plotW, plotH, func(dc draw.Canvas) error {
		title := fmt.Sprintf("%s: analytic against numeric", b.Name)
		switch {
		case stride > 1 && fstride > 1:
			title += fmt.Sprintf(" (1 in %d passing, 1 in %d failing shown)", stride, fstride)
		case stride > 1:
			title += fmt.Sprintf(" (1 in %d passing shown)", stride)
		case fstride > 1:
			title += fmt.Sprintf(" (1 in %d failing shown)", fstride)
		}
		p := newPlot(title, "numeric (finite differences)", "analytic (your gradient)")
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range []plotter.XYs{pass, fail} {
			for _, xy := range s {
				lo = math.Min(lo, math.Min(xy.X, xy.Y))
				hi = math.Max(hi, math.Max(xy.X, xy.Y))
			}
		}
		if lo > hi {
			lo, hi = -1, 1
		}
		if lo == hi {
			// ±1 is lost on a value of 2⁵³ or more, and the plotting
			// library panics on the empty range: widen by a quarter of
			// the value there, within the float64s.
			v := lo
			d := max(1, math.Abs(v)/4)
			lo, hi = v-d, v+d
			if math.IsInf(lo, 0) {
				lo = v
			}
			if math.IsInf(hi, 0) {
				hi = v
			}
		}
		if !finite(hi - lo) {
			// The axis's tick search loops for ever on a range wider
			// than the largest float64 (gonum/plot v0.17.0): entries of
			// ±1e308, finite, hung WriteHTML.
			return fmt.Errorf("the values span %.3g to %.3g, a range wider than a float64 holds", lo, hi)
		}
		diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
		if err != nil {
			return err
		}
		diag.Color = colGuide
		diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(diag)
		p.Legend.Add("y = x", diag)
		for _, s := range []struct {
			xys   plotter.XYs
			name  string
			col   color.Color
			shape draw.GlyphDrawer
		}{{pass, "pass", colPass, draw.CircleGlyph{}}, {fail, "fail", colFail, draw.CrossGlyph{}}} {
			if len(s.xys) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(s.xys)
			if err != nil {
				return err
			}
			sc.Color, sc.Shape, sc.Radius = s.col, s.shape, vg.Points(2.5)
			p.Add(sc)
			p.Legend.Add(fmt.Sprintf("%s (%d)", s.name, len(s.xys)), sc)
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Draw(dc)
		return nil
	})
}

// SweepSVG plots |central difference − analytic| against the step, on
// log-log axes, for each sweep: on a right gradient a V whose left arm
// (slope −1) is round-off and right arm (slope 2) truncation; on a wrong
// one a floor at the size of the mistake. The dashed line is the
// round-off estimate of the first sweep and the dotted vertical line the
// checker's first-pass step.
func SweepSVG(title string, sweeps []gradcheck.EntrySweep) ([]byte, error) {
	if len(sweeps) == 0 {
		return nil, fmt.Errorf("no sweeps to plot")
	}
	return svgOf(plotW, plotH, func(dc draw.Canvas) error {
		p := newPlot(title, "step h", "|central difference − analytic|")
		// The legend goes beside the axes: inside, it would hide the
		// curves, which fill the whole range.
		leg := plot.NewLegend()
		leg.TextStyle.Font.Variant, leg.TextStyle.Font.Size = "Sans", 8
		leg.Top, leg.Left = true, true
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = decadeTicks{}, decadeTicks{}
		ylo, yhi := math.Inf(1), math.Inf(-1)
		for k, sw := range sweeps {
			xys := positive(sw.Points, func(pt gradcheck.SweepPoint) float64 { return pt.Err })
			if len(xys) == 0 {
				continue
			}
			for _, xy := range xys {
				ylo, yhi = math.Min(ylo, xy.Y), math.Max(yhi, xy.Y)
			}
			l, s, err := plotter.NewLinePoints(xys)
			if err != nil {
				return err
			}
			col := lineColors[k%len(lineColors)]
			l.Color, s.Color, s.Radius = col, col, vg.Points(1.8)
			p.Add(l, s)
			leg.Add(printable.String(sw.Name), l, s)
		}
		if ylo > yhi {
			return fmt.Errorf("no step gave a positive, finite error")
		}
		if ro := positive(sweeps[0].Points, func(pt gradcheck.SweepPoint) float64 { return pt.RoundOff }); len(ro) > 1 {
			// Clip the guide to the data's range so that it does not
			// stretch the axes.
			var in plotter.XYs
			for _, xy := range ro {
				if xy.Y >= ylo/10 && xy.Y <= yhi*10 {
					in = append(in, xy)
				}
			}
			if len(in) > 1 {
				l, err := plotter.NewLine(in)
				if err != nil {
					return err
				}
				l.Color, l.Dashes = colGuide, []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(l)
				leg.Add("round-off est.", l)
			}
		}
		if h := sweeps[0].CheckStep; finite(h) && h > 0 {
			v, err := plotter.NewLine(plotter.XYs{{X: h, Y: ylo}, {X: h, Y: yhi}})
			if err != nil {
				return err
			}
			v.Color, v.Dashes = colGuide, []vg.Length{vg.Points(1), vg.Points(2)}
			p.Add(v)
			leg.Add("check's step", v)
		}
		widenLog(&p.X)
		widenLog(&p.Y)
		p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
		leg.Draw(draw.Crop(dc, plotW-legW+4, 0, 0, -24))
		return nil
	})
}

// widenLog gives a log axis whose data is one value a decade either side
// of it: the plotting library widens an empty range by ±1, below zero for
// any value under 1, and panics on a log axis. A sweep of one step, or a
// Taylor test with one usable remainder, has such an axis.
func widenLog(a *plot.Axis) {
	if a.Min != a.Max || !(a.Min > 0) || math.IsInf(a.Min, 0) {
		return
	}
	lo, hi := a.Min/10, a.Max*10
	if lo == 0 { // a subnormal
		lo = a.Min
	}
	if math.IsInf(hi, 0) {
		hi = a.Max
	}
	a.Min, a.Max = lo, hi
}

// positive returns the points (step, y) with y finite and positive, which
// a log axis can show.
func positive(pts []gradcheck.SweepPoint, y func(gradcheck.SweepPoint) float64) plotter.XYs {
	var out plotter.XYs
	for _, pt := range pts {
		if v := y(pt); finite(v) && v > 0 && finite(pt.Step) && pt.Step > 0 {
			out = append(out, plotter.XY{X: pt.Step, Y: v})
		}
	}
	return out
}

// decadeTicks labels powers of ten, thinning the labels over wide ranges
// and adding 2 and 5 times them over narrow ones; unlike plot.LogTicks it
// never panics on a range it cannot label.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	every := 1
	for (b-a)/every > 6 {
		every++
	}
	narrow := b-a <= 2
	var ts []plot.Tick
	for e := a; e <= b; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, float64(e))
			if v < lo || v > hi || (m != 1 && !narrow) {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case m == 1 && e%every == 0:
				t.Label = "1e" + strconv.Itoa(e)
			case m != 1:
				t.Label = strconv.Itoa(int(m)) + "e" + strconv.Itoa(e)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// TaylorSVG plots the Taylor remainder r(h) = |f(x+hu) − f(x) − h·g·u|
// against the step h for each direction of tr, on log-log axes, labelled
// with the fitted order. Filled points are the window the order was
// fitted on, hollow ones the rest.
// Dashed guides of slope Expect (a right derivative) and Expect − 1 (a
// wrong one) pass through the first fitted point of the first direction
// that has one.
func TaylorSVG(title string, tr *gradcheck.TaylorReport) ([]byte, error) {
	if tr == nil || len(tr.Fits) == 0 {
		return nil, fmt.Errorf("no Taylor test to plot")
	}
	return svgOf(plotW, plotH, func(dc draw.Canvas) error {
		p := newPlot(title, "step h", "Taylor remainder r(h)")
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = decadeTicks{}, decadeTicks{}
		leg := plot.NewLegend()
		leg.TextStyle.Font.Variant, leg.TextStyle.Font.Size = "Sans", 8
		leg.Top, leg.Left = true, true
		var anchor *plotter.XY
		expect := 0
		xlo, xhi := math.Inf(1), math.Inf(-1)
		for k, fit := range tr.Fits {
			var in, out plotter.XYs
			for i := range min(len(fit.Steps), len(fit.Remainders)) {
				h, r := fit.Steps[i], fit.Remainders[i]
				if !finite(h) || !finite(r) || h <= 0 || r <= 0 {
					continue
				}
				xlo, xhi = math.Min(xlo, h), math.Max(xhi, h)
				if i >= fit.Lo && i <= fit.Hi {
					in = append(in, plotter.XY{X: h, Y: r})
				} else {
					out = append(out, plotter.XY{X: h, Y: r})
				}
			}
			if len(in)+len(out) == 0 {
				continue
			}
			col := lineColors[k%len(lineColors)]
			// Short labels: the legend is 1.25 inches wide.
			word := map[gradcheck.Verdict]string{gradcheck.OK: "right", gradcheck.Mismatch: "wrong"}[fit.Verdict]
			if word == "" {
				word = "unclear"
			}
			name := fmt.Sprintf("u%d: %s", k, word)
			if finite(fit.Order) {
				name = fmt.Sprintf("u%d: %.2f, %s", k, fit.Order, word)
			}
			var thumbs []plot.Thumbnailer
			if len(out) > 0 {
				s, err := plotter.NewScatter(out)
				if err != nil {
					return err
				}
				s.Color, s.Shape, s.Radius = col, draw.RingGlyph{}, vg.Points(2)
				p.Add(s)
				thumbs = append(thumbs, s)
			}
			if len(in) > 0 {
				l, s, err := plotter.NewLinePoints(in)
				if err != nil {
					return err
				}
				l.Color, s.Color, s.Radius = col, col, vg.Points(2)
				p.Add(l, s)
				thumbs = append(thumbs, l, s)
				if anchor == nil {
					anchor, expect = &in[0], fit.Expect
				}
			}
			leg.Add(name, thumbs...)
		}
		if xlo > xhi {
			return fmt.Errorf("no step gave a positive, finite remainder")
		}
		if anchor != nil && expect >= 2 {
			for _, slope := range []int{expect, expect - 1} {
				a := *anchor
				end := a.Y * math.Pow(xhi/a.X, float64(slope))
				if !finite(end) {
					// Remainders near the largest float64: the guide
					// would end beyond it, and the plotting library
					// refuses the whole plot for one infinite point.
					continue
				}
				g, err := plotter.NewLine(plotter.XYs{a, {X: xhi, Y: end}})
				if err != nil {
					return err
				}
				g.Color = colGuide
				if slope == expect {
					g.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				} else {
					g.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
				}
				p.Add(g)
				leg.Add(fmt.Sprintf("slope %d (%s)", slope, map[bool]string{true: "right", false: "wrong"}[slope == expect]), g)
			}
		}
		widenLog(&p.X)
		widenLog(&p.Y)
		p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
		leg.Draw(draw.Crop(dc, plotW-legW+4, 0, 0, -24))
		return nil
	})
}
