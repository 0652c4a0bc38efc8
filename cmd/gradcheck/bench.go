package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/zoo"
)

// runBench checks every case of the zoo's bug corpus in float64 and
// float32 with the default options and scores the checker: bugs detected,
// bugs below the finite-difference resolution (neither caught nor missed),
// false alarms on correct layers, and diagnoses whose top pattern is the
// expected one. It returns errWrong (exit code 1) when a bug above the
// resolution is missed or a correct layer is flagged: the checker then
// misses its targets.
func runBench(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	verbose := fs.Bool("v", false, "list every case with its outcome after the table")
	only := fs.String("run", "", "check only the cases whose name contains this `text`")
	setUsage(fs, "[flags]", `
Run the bug corpus (the zoo's layers, correct and with realistic and
systematic bugs, in float64 and float32) through the checker and print
what it detected, missed and diagnosed. Exit status 1 when a bug above the
finite-difference resolution is missed or a correct layer is flagged.`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fs, "unexpected arguments %q", pos)
	}
	var cases []*zoo.Case
	for _, c := range zoo.Corpus() {
		if strings.Contains(c.Name, *only) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return fmt.Errorf("no case name contains %q", *only)
	}
	var results []zoo.Result
	for _, c := range cases {
		for _, p := range zoo.Precisions {
			results = append(results, zoo.Run(c, p, nil))
		}
	}
	s := score(results)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		writeBench(stdout, s)
		if *verbose {
			writeCases(stdout, results)
		}
	}
	if s.Missed > 0 || s.FalseAlarms > 0 {
		return errWrong
	}
	return nil
}

// benchCounts are the counts of one row of the table, and of the total.
// Counts are of (case, precision) runs.
type benchCounts struct {
	// Cases counts the runs; Bugs those of a bug variant, Correct those
	// of a correct layer.
	Cases   int `json:"cases"`
	Bugs    int `json:"bugs"`
	Correct int `json:"correct"`
	// Detected, BelowResolution and Missed split Bugs: a bug below the
	// resolution is neither caught nor missed.
	Detected        int `json:"detected"`
	BelowResolution int `json:"below_resolution"`
	Missed          int `json:"missed"`
	// FalseAlarms counts correct layers flagged.
	FalseAlarms int `json:"false_alarms"`
	// Diagnosable counts detected bugs with an expected pattern;
	// DiagnosedRight those whose failing blocks' top diagnosis is it.
	// NoExpectedPattern counts detected bugs left out of the diagnosis
	// score because no single pattern describes them.
	Diagnosable       int     `json:"diagnosable"`
	DiagnosedRight    int     `json:"diagnosed_right"`
	NoExpectedPattern int     `json:"no_expected_pattern"`
	Evals             int     `json:"evals"`
	GradEvals         int     `json:"grad_evals"`
	Seconds           float64 `json:"seconds"`
}

func (b *benchCounts) add(r *zoo.Result) {
	b.Cases++
	b.Evals += r.Evals
	b.GradEvals += r.GradEvals
	b.Seconds += r.Duration.Seconds()
	switch {
	case r.Case.Correct():
		b.Correct++
		if r.FalseAlarm() {
			b.FalseAlarms++
		}
		return
	case r.BelowResolution:
		b.BelowResolution++
	case r.Caught():
		b.Detected++
	default:
		b.Missed++
	}
	b.Bugs++
	switch {
	case r.Diagnosable:
		b.Diagnosable++
		if r.DiagnosedRight {
			b.DiagnosedRight++
		}
	case r.Caught() && r.Case.Expect == "":
		b.NoExpectedPattern++
	}
}

type benchRow struct {
	Kind      string `json:"kind"`
	Class     string `json:"class"`
	Precision string `json:"precision"`
	benchCounts
}

type benchMiss struct {
	Case      string  `json:"case"`
	Precision string  `json:"precision"`
	Size      float64 `json:"size,omitempty"`
	Detail    string  `json:"detail,omitempty"`
}

type benchDiagnosis struct {
	Case      string            `json:"case"`
	Precision string            `json:"precision"`
	Expected  gradcheck.Pattern `json:"expected"`
	// Got maps each failing block where the pattern was expected to its
	// top diagnosis ("" for none).
	Got map[string]gradcheck.Pattern `json:"got"`
}

type benchScore struct {
	benchCounts
	Resolution     map[string]float64 `json:"resolution"`
	Rows           []benchRow         `json:"rows"`
	Misses         []benchMiss        `json:"misses"`
	FalseAlarmList []benchMiss        `json:"false_alarm_cases"`
	WrongDiagnoses []benchDiagnosis   `json:"wrong_diagnoses"`
}

var kindOrder = []string{zoo.KindCorrect, zoo.KindRealistic, zoo.KindSystematic}

func score(results []zoo.Result) *benchScore {
	s := &benchScore{Resolution: map[string]float64{}, Misses: []benchMiss{}, FalseAlarmList: []benchMiss{}, WrongDiagnoses: []benchDiagnosis{}}
	for _, p := range zoo.Precisions {
		s.Resolution[p] = zoo.Resolution(zoo.UnitRoundoff(p))
	}
	rows := map[[3]string]*benchRow{}
	for i := range results {
		r := &results[i]
		key := [3]string{r.Case.Kind, r.Case.Class, r.Precision}
		row := rows[key]
		if row == nil {
			row = &benchRow{Kind: key[0], Class: key[1], Precision: key[2]}
			rows[key] = row
		}
		row.add(r)
		s.add(r)
		switch {
		case r.Missed():
			s.Misses = append(s.Misses, benchMiss{Case: r.Case.Name, Precision: r.Precision, Size: r.Size})
		case r.FalseAlarm():
			d := ""
			if r.Err != nil {
				d = r.Err.Error()
			} else if r.Report != nil {
				d = r.Report.Summary()
			}
			s.FalseAlarmList = append(s.FalseAlarmList, benchMiss{Case: r.Case.Name, Precision: r.Precision, Detail: d})
		case r.Diagnosable && !r.DiagnosedRight:
			got := map[string]gradcheck.Pattern{}
			for name, p := range r.Top {
				if r.Case.ExpectBlocks == nil || slices.Contains(r.Case.ExpectBlocks, name) {
					got[name] = p
				}
			}
			s.WrongDiagnoses = append(s.WrongDiagnoses, benchDiagnosis{Case: r.Case.Name, Precision: r.Precision, Expected: r.Case.Expect, Got: got})
		}
	}
	for _, row := range rows {
		s.Rows = append(s.Rows, *row)
	}
	slices.SortFunc(s.Rows, func(a, b benchRow) int {
		return cmp.Or(
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.Class, b.Class),
			cmp.Compare(slices.Index(zoo.Precisions, a.Precision), slices.Index(zoo.Precisions, b.Precision)))
	})
	return s
}

func ratio(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", n, d)
}

func writeBench(w io.Writer, s *benchScore) {
	correctLayers, variants := 0, 0
	for _, row := range s.Rows {
		if row.Precision == zoo.Precisions[0] {
			correctLayers += row.Correct
			variants += row.Bugs
		}
	}
	fmt.Fprintf(w, "gradcheck bench: %d correct layers and %d bug variants, each checked in %s with the default options\n",
		correctLayers, variants, strings.Join(zoo.Precisions, " and "))
	fmt.Fprintf(w, "resolution, relative to the gradient's scale, (64ε)^(2/3): float64 %.2g, float32 %.2g\n\n",
		s.Resolution["float64"], s.Resolution["float32"])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tclass\tprecision\tdetected\tbelow res.\tfalse alarms\tdiagnosed right\tloss evals\ttime")
	line := func(kind, class, prec string, b benchCounts) {
		fa := "-"
		if b.Correct > 0 {
			fa = ratio(b.FalseAlarms, b.Correct)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", kind, class, prec,
			ratio(b.Detected, b.Bugs-b.BelowResolution), dash(b.BelowResolution, b.Bugs), fa,
			ratio(b.DiagnosedRight, b.Diagnosable), b.Evals, time.Duration(b.Seconds*float64(time.Second)).Round(10*time.Microsecond))
	}
	for _, row := range s.Rows {
		line(row.Kind, row.Class, row.Precision, row.benchCounts)
	}
	byPrec := map[string]*benchCounts{}
	for _, row := range s.Rows {
		if byPrec[row.Precision] == nil {
			byPrec[row.Precision] = &benchCounts{}
		}
		byPrec[row.Precision].merge(row.benchCounts)
	}
	for _, p := range zoo.Precisions {
		if b := byPrec[p]; b != nil {
			line("all", "", p, *b)
		}
	}
	line("all", "", "both", s.benchCounts)
	tw.Flush()
	fmt.Fprintf(w, "\ndetected: %d of %d bugs above the resolution (%d missed); %d below it, neither caught nor missed\n",
		s.Detected, s.Bugs-s.BelowResolution, s.Missed, s.BelowResolution)
	fmt.Fprintf(w, "false alarms: %d of %d checks of correct layers (kinks included)\n", s.FalseAlarms, s.Correct)
	fmt.Fprintf(w, "diagnosed right: %d of %d detected bugs with an expected pattern (top diagnosis of the failing block); %d detected bugs with no single expected pattern are left out of this score\n",
		s.DiagnosedRight, s.Diagnosable, s.NoExpectedPattern)
	for _, m := range s.Misses {
		fmt.Fprintf(w, "missed: %s in %s (size %.2g of the gradient's scale)\n", m.Case, m.Precision, m.Size)
	}
	for _, m := range s.FalseAlarmList {
		fmt.Fprintf(w, "false alarm: %s in %s: %s\n", m.Case, m.Precision, m.Detail)
	}
	for _, d := range s.WrongDiagnoses {
		var got []string
		for _, name := range slices.Sorted(mapsKeys(d.Got)) {
			p := d.Got[name]
			if p == "" {
				p = "(none)"
			}
			got = append(got, name+": "+string(p))
		}
		if len(got) == 0 {
			got = []string{"no failing block where it was expected"}
		}
		fmt.Fprintf(w, "diagnosis: %s in %s: expected %s, got %s\n", d.Case, d.Precision, d.Expected, strings.Join(got, ", "))
	}
}

func mapsKeys[V any](m map[string]V) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func dash(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func (b *benchCounts) merge(o benchCounts) {
	b.Cases += o.Cases
	b.Bugs += o.Bugs
	b.Correct += o.Correct
	b.Detected += o.Detected
	b.BelowResolution += o.BelowResolution
	b.Missed += o.Missed
	b.FalseAlarms += o.FalseAlarms
	b.Diagnosable += o.Diagnosable
	b.DiagnosedRight += o.DiagnosedRight
	b.NoExpectedPattern += o.NoExpectedPattern
	b.Evals += o.Evals
	b.GradEvals += o.GradEvals
	b.Seconds += o.Seconds
}

// writeCases lists every run: case, precision, outcome.
func writeCases(w io.Writer, results []zoo.Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tprecision\toutcome\tfailing blocks: top diagnosis\thazards\tloss evals")
	for i := range results {
		r := &results[i]
		var outcome string
		switch {
		case r.Case.Correct() && r.Flagged:
			outcome = "FALSE ALARM"
		case r.Case.Correct():
			outcome = "ok"
		case r.BelowResolution && r.Flagged:
			outcome = fmt.Sprintf("below resolution (%.2g), flagged", r.Size)
		case r.BelowResolution:
			outcome = fmt.Sprintf("below resolution (%.2g)", r.Size)
		case r.Flagged:
			outcome = "detected"
		default:
			outcome = "MISSED"
		}
		var blocks []string
		for _, name := range r.FailingBlocks {
			p := r.Top[name]
			if p == "" {
				p = "-"
			}
			blocks = append(blocks, name+": "+string(p))
		}
		var hz []string
		for _, h := range r.Hazards {
			hz = append(hz, h.String())
		}
		if r.Err != nil {
			hz = append(hz, "error: "+r.Err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", r.Case.Name, r.Precision, outcome, strings.Join(blocks, ", "), strings.Join(hz, ", "), r.Evals)
	}
	tw.Flush()
}
