// Package report renders a gradcheck.Report for people to look at: an
// HTML page in one self-contained file, with plots drawn by gonum/plot as
// inline SVG, and the plots on their own.
//
// Renderers never compute: everything shown comes from the Report. The
// error-versus-step curves need gradcheck.SweepWorst (or gradcheck.Sweep)
// to have filled Report.Sweeps; without it the page says how to get them.
//
// The text and JSON renderings are methods of the Report itself
// (Report.WriteText, Report.WriteJSON).
package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/internal/printable"
)

// Options tune the HTML page. A nil *Options means the zero value.
type Options struct {
	// Title heads the page; empty means "gradcheck report".
	Title string
	// Command, if set, is shown as the command that made the report, so a
	// reader can run it again.
	Command string
	// Taylor holds Taylor-remainder tests (gradcheck.Taylor) by block
	// name, each along directions within that block: the page plots each
	// beside its block's other evidence. A test of the whole model goes
	// under the empty name and is plotted at the top. nil means none.
	Taylor map[string]*gradcheck.TaylorReport
}

// WriteHTML writes r as one self-contained HTML page: no scripts, styles,
// fonts or images are fetched, so it opens offline and can be attached to
// a bug report. The summary and the diagnoses come first; then for each
// block a heatmap of analytic − numeric (blocks of two or more axes), a
// scatter of analytic against numeric values, the error-versus-step curves
// of its swept entries (Report.Sweeps) and a table of its failing entries.
// A page gives 32 blocks such a section at most, the failing ones first,
// and says how many it leaves out; every block has its row in the summary
// table.
//
// Names and the messages that quote them are written with control and
// bidirectional formatting characters as Go escapes (\x1b, \u202e), as
// the text report writes them; the JSON holds them exactly.
//
// A plot that cannot be drawn is replaced by a note saying why; WriteHTML
// fails only when w does, or on a report no check could have made, which
// it names as an error rather than panicking.
//
// The page carries a small inline script that records, after layout, each
// plot's rendered size in a data-rendered attribute of its figure: a
// test of the page in a browser reads it back.
func WriteHTML(w io.Writer, r *gradcheck.Report, opts *Options) (err error) {
	// Plots recover their own panics; this is the last line, for a
	// report no check could have made (a hand-built one, say).
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("report: cannot render this report: %v", p)
		}
	}()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Title == "" {
		o.Title = "gradcheck report"
	}
	if r == nil {
		r = &gradcheck.Report{}
	}
	page := buildPage(r, o)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}

type page struct {
	Title, Command string
	Taylor         []figure // a test of the whole model
	OK             bool
	Summary        string
	Hazards        []gradcheck.Hazard
	Findings       []finding
	Blocks         []blockView
	Sampled        bool
	Seed           uint64
	Checked        int
	Plots          int // number of figures with an SVG
	Omitted        int // blocks without a section (maxBlockSections)
	MaxSections    int
	Directions     *directionsView
}

// directionsView is the part of the page for a directional check
// (Options.Directions).
type directionsView struct {
	Total, Pass, Located int
	Rows                 []dirRow // the directions that do not pass
	MoreRows             int
	Regions              []string
}

type dirRow struct {
	Index                                         int
	Verdict, Analytic, Numeric, ErrEst, Thr, Step string
	Located                                       bool
	Excluded                                      int
}

// finding is one failing block's lead diagnosis, for the top of the page.
type finding struct {
	Block, Anchor string
	Failing, Of   int
	Summary       string
}

type blockView struct {
	Section      bool // false: a row of the summary table only
	Name, Anchor string
	Shape        string
	Checked      int
	Size         int
	Failing      int
	RelErr       string
	Diagnoses    []gradcheck.Diagnosis
	Figures      []figure
	Rows         []row
	MoreRows     int
}

type figure struct {
	Kind    string // heatmap, scatter, sweep, taylor
	SVG     template.HTML
	Note    string // why there is no plot
	Caption string
}

type row struct {
	Name, Verdict, Analytic, Numeric, AbsErr, RelErr, ErrEst, Step string
}

func buildPage(r *gradcheck.Report, o Options) *page {
	p := &page{
		Title: o.Title, Command: o.Command,
		OK: r.OK(), Summary: r.Summary(), Hazards: r.Hazards,
		Sampled: r.Sampled, Seed: r.Seed, Checked: r.Checked(),
	}
	p.Directions = directionsOf(r)
	if tr := o.Taylor[""]; tr != nil {
		p.Taylor = append(p.Taylor, taylorFigure("Taylor remainder, all parameters", tr))
		if p.Taylor[0].SVG != "" {
			p.Plots++
		}
	}
	// Sections for the failing blocks first, then the passing ones, up
	// to maxBlockSections; shown in the report's order.
	nfail := make([]int, len(r.Blocks))
	for bi := range r.Blocks {
		for _, e := range r.Blocks[bi].Entries {
			if !e.Verdict.Pass() {
				nfail[bi]++
			}
		}
	}
	section := make([]bool, len(r.Blocks))
	sections := 0
	for _, failing := range []bool{true, false} {
		for bi := range r.Blocks {
			if sections < maxBlockSections && (nfail[bi] > 0) == failing {
				section[bi] = true
				sections++
			}
		}
	}
	p.Omitted, p.MaxSections = len(r.Blocks)-sections, maxBlockSections
	perScatter := min(maxScatterPassing, maxScatterFailing, scatterPointsPage/max(1, sections))
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		anchor := ""
		if section[bi] {
			anchor = "block-" + anchorName(b.Name)
		}
		if nfail[bi] > 0 {
			f := finding{Block: b.Name, Anchor: anchor, Failing: nfail[bi], Of: len(b.Entries)}
			if len(b.Diagnoses) > 0 {
				f.Summary = b.Diagnoses[0].Summary
			}
			p.Findings = append(p.Findings, f)
		}
		v := blockView{
			Section: section[bi], Name: b.Name, Anchor: anchor, Shape: shapeText(b.Shape), Checked: len(b.Entries), Size: b.Size(),
			Failing: nfail[bi], RelErr: fmt.Sprintf("%.3g", b.RelErr), Diagnoses: b.Diagnoses,
		}
		if !section[bi] {
			p.Blocks = append(p.Blocks, v)
			continue
		}
		fails := b.Failures()
		if len(b.Shape) >= 2 && len(b.Entries) > 0 {
			v.Figures = append(v.Figures, plotFigure("heatmap", func() ([]byte, error) { return HeatmapSVG(b) },
				"Analytic − numeric per entry: red where your gradient is too large, blue too small, white not checked or not finite. A pattern here (a row, a column, a stripe, the weights themselves) names the bug."))
		}
		if len(b.Entries) > 0 {
			v.Figures = append(v.Figures, plotFigure("scatter", func() ([]byte, error) { return scatterSVG(b, perScatter, perScatter) },
				"Each checked entry at (numeric, analytic). Right gradients lie on the dashed line y = x; a slope other than 1 is a scale error, a mirrored cloud a sign error."))
		}
		var sweeps []gradcheck.EntrySweep
		for _, sw := range r.Sweeps {
			if sw.Block == b.Name && len(sweeps) < maxSweepLinesBlock {
				sweeps = append(sweeps, sw)
			}
		}
		if len(sweeps) > 0 {
			v.Figures = append(v.Figures, plotFigure("sweep", func() ([]byte, error) {
				return SweepSVG(fmt.Sprintf("%s: error against step, worst entries", b.Name), sweeps)
			}, "Error of the central difference against the step. A right gradient draws a V: truncation error (slope 2) on the right, round-off (slope −1) on the left, its bottom near the check's step. A wrong gradient levels off at the size of the mistake: no step makes it go away."))
		} else if len(b.Entries) > 0 {
			v.Figures = append(v.Figures, figure{Kind: "sweep", Note: "No error-versus-step sweep in this report: gradcheck.SweepWorst adds the sweeps of the worst entries (the command does with --html)."})
		}
		if tr := o.Taylor[b.Name]; tr != nil {
			v.Figures = append(v.Figures, taylorFigure(b.Name+": Taylor remainder", tr))
		}
		for k, e := range fails {
			if k == maxTableRowsHTML {
				v.MoreRows = len(fails) - k
				break
			}
			v.Rows = append(v.Rows, row{
				Name: entryName(b, e.Index), Verdict: e.Verdict.String(),
				Analytic: fmt.Sprintf("%.8g", e.Analytic), Numeric: e.NumericText(),
				AbsErr: fmt.Sprintf("%.2g", e.AbsErr()), RelErr: fmt.Sprintf("%.2g", e.RelErr()),
				ErrEst: fmt.Sprintf("%.2g", e.ErrEst), Step: fmt.Sprintf("%.2g", e.Step),
			})
		}
		for _, f := range v.Figures {
			if f.SVG != "" {
				p.Plots++
			}
		}
		p.Blocks = append(p.Blocks, v)
	}
	return p
}

func directionsOf(r *gradcheck.Report) *directionsView {
	if len(r.Directions) == 0 && len(r.Regions) == 0 {
		return nil
	}
	d := &directionsView{Total: len(r.Directions)}
	for _, x := range r.Directions {
		if x.Verdict.Pass() {
			d.Pass++
			continue
		}
		if x.Located {
			d.Located++
		}
		if len(d.Rows) == maxTableRowsHTML {
			d.MoreRows++
			continue
		}
		d.Rows = append(d.Rows, dirRow{
			Index: x.Index, Verdict: x.Verdict.String(), Located: x.Located, Excluded: x.Excluded,
			Analytic: fmt.Sprintf("%.8g", x.Analytic), Numeric: fmt.Sprintf("%.8g", x.Numeric),
			ErrEst: fmt.Sprintf("%.2g", x.ErrEst), Thr: fmt.Sprintf("%.2g", x.Threshold), Step: fmt.Sprintf("%.2g", x.Step),
		})
	}
	for _, g := range r.Regions {
		name := fmt.Sprintf("%s[%d:%d]", g.Block, g.Lo, g.Hi)
		if b := r.Block(g.Block); b != nil && g.Hi > g.Lo {
			name = fmt.Sprintf("%s … %s", entryName(b, g.Lo), entryName(b, g.Hi-1))
		}
		d.Regions = append(d.Regions, fmt.Sprintf("%s: %d entries, all %d parts of it disagree", name, g.Hi-g.Lo, g.Parts))
	}
	return d
}

func taylorFigure(title string, tr *gradcheck.TaylorReport) figure {
	return plotFigure("taylor", func() ([]byte, error) { return TaylorSVG(title, tr) },
		"Taylor remainder |f(x+hu) − f(x) − h·g·u| along random directions u: it shrinks as h² (slope 2) when the gradient g is right and as h (slope 1) when it is wrong, whatever the step. Filled points are those the order was fitted on.")
}

// plotFigure draws one plot, or notes why it could not be drawn.
func plotFigure(kind string, draw func() ([]byte, error), caption string) figure {
	svg, err := draw()
	if err != nil {
		return figure{Kind: kind, Note: fmt.Sprintf("No %s plot: %v.", kind, err)}
	}
	// The SVG comes from gonum/plot's own writer, with every text it
	// holds (block names, entry names) escaped by it.
	return figure{Kind: kind, SVG: template.HTML(svg), Caption: caption}
}

// entryName is b.EntryName(i) for an index in the block, and names the
// flat index otherwise: a hand-built report may hold anything.
func entryName(b *gradcheck.BlockReport, i int) string {
	if len(b.Shape) == 0 || i < 0 || i >= b.Size() { // Size is 0 for an axis not positive or a product that overflows
		return fmt.Sprintf("%s[flat %d]", b.Name, i)
	}
	return b.EntryName(i)
}

func shapeText(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "×")
}

// anchorName keeps letters, digits and '-' of a block name for an HTML id
// and writes any other rune c as _x_, x its code in hex: one id per name.
// '_' kept as itself let "a." and "a_2e" share an id, and the links of
// the second led to the first.
func anchorName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		} else {
			fmt.Fprintf(&b, "_%x_", c)
		}
	}
	return b.String()
}

// sentence capitalises the first letter of s, to follow a full stop.
func sentence(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{"sentence": sentence, "shown": printable.String}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{shown .Title}}</title>
<style>
body { font-family: -apple-system, "Segoe UI", "Liberation Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1280px; padding: 16px 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.status { display: inline-block; font-weight: 700; padding: 2px 10px; border-radius: 4px; color: #fff; margin-right: 8px; }
.ok { background: #2a7a3a; } .fail { background: #b3261e; }
.summary { font-family: "Liberation Mono", Menlo, Consolas, monospace; font-size: 13px; background: #f6f6f6; padding: 8px 10px; border-radius: 4px; white-space: pre-wrap; }
.findings { border-left: 4px solid #b3261e; background: #fdf3f2; padding: 8px 14px; margin: 12px 0; }
.findings.clean { border-color: #2a7a3a; background: #f2f9f3; }
.hazard { border-left: 4px solid #c77700; background: #fff7e8; padding: 6px 12px; margin: 8px 0; }
.meta { color: #666; font-size: 13px; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; margin-top: 10px; }
figure { margin: 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 6px; }
figure svg { width: 100%; height: auto; display: block; }
figure svg image { image-rendering: pixelated; }
figcaption { font-size: 12px; color: #555; margin-top: 4px; }
.note { font-size: 13px; color: #777; font-style: italic; padding: 20px 8px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 10px; }
th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
td.v-mismatch, td.v-nonfinite { color: #b3261e; font-weight: 600; }
td.v-inconclusive { color: #c77700; }
code { font-family: "Liberation Mono", Menlo, Consolas, monospace; }
</style>
</head>
<body data-plots="{{.Plots}}">
<h1>{{shown .Title}}</h1>
<p>{{if .OK}}<span class="status ok">PASS</span>{{else}}<span class="status fail">FAIL</span>{{end}}
<span class="meta">{{.Checked}} entries checked{{if .Sampled}} (a sample, seed {{.Seed}}){{end}}{{if .Command}} · made by <code>{{shown .Command}}</code>{{end}}</span></p>
<div class="summary">{{shown .Summary}}</div>
{{range .Hazards}}<div class="hazard"><b>hazard {{.Kind}}{{if .Fatal}} (no verdicts made){{end}}:</b> {{shown .Detail}}</div>
{{end}}
{{if .Findings}}<div class="findings"><b>Diagnosis</b><ul>
{{range .Findings}}<li>{{if .Anchor}}<a href="#{{.Anchor}}"><b>{{shown .Block}}</b></a>{{else}}<b>{{shown .Block}}</b>{{end}}: {{.Failing}} of {{.Of}} checked entries fail.{{if .Summary}} {{sentence (shown .Summary)}}{{else}} No diagnosis was made: its failures are not Mismatches, or the block was split between shards.{{end}}</li>
{{end}}</ul></div>
{{else if .Blocks}}<div class="findings clean"><b>Diagnosis:</b> every checked entry agrees with its finite-difference estimate.</div>
{{end}}
<table>
<tr><th>block</th><th>shape</th><th>checked</th><th>failing</th><th>‖n−a‖/(‖n‖+‖a‖)</th></tr>
{{range .Blocks}}<tr><td>{{if .Anchor}}<a href="#{{.Anchor}}">{{shown .Name}}</a>{{else}}{{shown .Name}}{{end}}</td><td>{{.Shape}}</td><td>{{.Checked}} of {{.Size}}</td><td>{{.Failing}}</td><td>{{.RelErr}}</td></tr>
{{end}}</table>
{{if .Omitted}}<p class="meta">{{.Omitted}} of these {{len .Blocks}} blocks have no section of plots below: a page draws {{.MaxSections}} at most, failing blocks first. The text report lists failing entries of every block, and the JSON holds every entry.</p>
{{end}}{{with .Directions}}<h2 id="directions">Directional check <span class="meta">{{.Total}} random directions · {{.Pass}} agree · {{.Located}} disagreements located</span></h2>
{{if .Regions}}<div class="findings"><b>Wrong throughout</b><ul>
{{range .Regions}}<li>{{shown .}}</li>
{{end}}</ul></div>{{end}}
{{if .Rows}}<table>
<tr><th>direction</th><th>verdict</th><th>g·v</th><th>numeric</th><th>est err</th><th>threshold</th><th>step</th><th>located</th><th>left out</th></tr>
{{range .Rows}}<tr><td>{{.Index}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td>{{.Analytic}}</td><td>{{.Numeric}}</td><td>{{.ErrEst}}</td><td>{{.Thr}}</td><td>{{.Step}}</td><td>{{if .Located}}yes{{else}}no{{end}}</td><td>{{.Excluded}}</td></tr>
{{end}}</table>{{if .MoreRows}}<p class="meta">… and {{.MoreRows}} more.</p>{{end}}{{end}}
{{end}}
{{if .Taylor}}<div class="figs">
{{range .Taylor}}<figure class="plot" data-kind="{{.Kind}}">{{if .SVG}}{{.SVG}}<figcaption>{{.Caption}}</figcaption>{{else}}<div class="note">{{.Note}}</div>{{end}}</figure>
{{end}}</div>{{end}}
{{range .Blocks}}{{if .Section}}
<h2 id="{{.Anchor}}">{{shown .Name}} <span class="meta">{{.Shape}} · {{.Failing}} of {{.Checked}} checked entries fail · relative error {{.RelErr}}</span></h2>
{{range .Diagnoses}}<div class="findings"><b>{{.Pattern}}</b> (explains {{.Explained}} of {{.Of}} failing entries, fit {{printf "%.2f" .Fit}}): {{shown .Summary}}</div>
{{end}}
<div class="figs">
{{range .Figures}}<figure class="plot" data-kind="{{.Kind}}">{{if .SVG}}{{.SVG}}<figcaption>{{.Caption}}</figcaption>{{else}}<div class="note">{{.Note}}</div>{{end}}</figure>
{{end}}</div>
{{if .Rows}}<table>
<tr><th>entry</th><th>verdict</th><th>analytic</th><th>numeric</th><th>abs err</th><th>rel err</th><th>est err</th><th>step</th></tr>
{{range .Rows}}<tr><td>{{shown .Name}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td>{{.Analytic}}</td><td>{{.Numeric}}</td><td>{{.AbsErr}}</td><td>{{.RelErr}}</td><td>{{.ErrEst}}</td><td>{{.Step}}</td></tr>
{{end}}</table>{{if .MoreRows}}<p class="meta">… and {{.MoreRows}} more failing entries.</p>{{end}}{{end}}
{{end}}{{end}}
<p class="meta">The JSON of this report (<code>--json</code>) holds every number shown here; its schema is docs/report-schema.md of gradcheck.</p>
<script>
// Records each plot's rendered size after layout, for tests in a browser.
window.addEventListener("load", function () {
  var figs = document.querySelectorAll("figure.plot");
  var n = 0;
  figs.forEach(function (f) {
    var svg = f.querySelector("svg");
    if (!svg) { return; }
    var r = svg.getBoundingClientRect();
    var shapes = svg.querySelectorAll("path, rect, image, circle, polygon").length;
    f.setAttribute("data-rendered", Math.round(r.width) + "x" + Math.round(r.height) + ":" + shapes);
    if (r.width > 0 && r.height > 0 && shapes > 0) { n++; }
  });
  document.body.setAttribute("data-plots-rendered", String(n));
});
</script>
</body>
</html>
`))
