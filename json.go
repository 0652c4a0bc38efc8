package gradcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// JSONSchemaVersion is the version of the JSON encoding of a Report, written
// as "schema_version" and documented in docs/report-schema.md.
//
// Within a version, field names and meanings do not change and fields are
// not removed; new optional fields may appear, and readers must ignore
// fields they do not know. A change that breaks that promise gets a new
// version, and UnmarshalJSON refuses versions newer than its own.
const JSONSchemaVersion = 1

// MarshalJSON encodes the report in the versioned schema of
// docs/report-schema.md. Floats that are not finite (Entry.Left and Right
// are NaN when not measured; ErrEst may be +Inf) are encoded as the strings
// "NaN", "+Inf" and "-Inf", since JSON numbers cannot hold them; finite
// floats are numbers that decode to the same bits. A string of the report
// that is not valid UTF-8 (a hand-built report's; Check refuses such
// block names) is an error naming it: JSON would carry U+FFFD for its bad
// bytes, and the report read back would name another block.
func (r *Report) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	if err := checkUTF8(r); err != nil {
		return nil, err
	}
	return json.Marshal(toJSON(r))
}

// checkUTF8 names the first string of r that is not valid UTF-8.
func checkUTF8(r *Report) error {
	bad := func(s, format string, args ...any) error {
		return fmt.Errorf("gradcheck: encoding a report: %s %q is not valid UTF-8, which JSON cannot hold", fmt.Sprintf(format, args...), s)
	}
	if !utf8.ValidString(r.Precision) {
		return bad(r.Precision, "its precision")
	}
	for i, h := range r.Hazards {
		if !utf8.ValidString(h.Detail) {
			return bad(h.Detail, "the detail of hazard %d", i)
		}
	}
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		if !utf8.ValidString(b.Name) {
			return bad(b.Name, "the name of block %d", bi)
		}
		for k, d := range b.Diagnoses {
			if !utf8.ValidString(string(d.Pattern)) {
				return bad(string(d.Pattern), "the pattern of diagnosis %d of block %q", k, b.Name)
			}
			if !utf8.ValidString(d.Summary) {
				return bad(d.Summary, "the summary of diagnosis %d of block %q", k, b.Name)
			}
		}
	}
	for i, sw := range r.Sweeps {
		if !utf8.ValidString(sw.Block) {
			return bad(sw.Block, "the block of sweep %d", i)
		}
		if !utf8.ValidString(sw.Name) {
			return bad(sw.Name, "the name of sweep %d", i)
		}
	}
	for i, g := range r.Regions {
		if !utf8.ValidString(g.Block) {
			return bad(g.Block, "the block of region %d", i)
		}
	}
	return nil
}

// UnmarshalJSON decodes a report written by MarshalJSON, by this or an
// older release: the decoded report equals the encoded one, so reports of
// shards of a check can be decoded and merged. It rejects data without a
// schema version, of a newer version, with an unknown verdict or hazard,
// with a shape whose number of entries is not a positive int, or with more
// entries than its block has or an entry index outside it.
func (r *Report) UnmarshalJSON(data []byte) error {
	var j jsonReport
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("gradcheck: decoding a report: %w", err)
	}
	rep, err := fromJSON(&j)
	if err != nil {
		return err
	}
	*r = *rep
	return nil
}

// WriteJSON writes the report's JSON encoding to w, indented for people
// and ending in a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := r.MarshalJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = buf.WriteTo(w)
	return err
}

// ReadJSON decodes one report from rd; see UnmarshalJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("gradcheck: reading a report: %w", err)
	}
	r := new(Report)
	if err := r.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return r, nil
}

// The jsonX types are the schema. Field names are part of it: do not
// rename them within a JSONSchemaVersion.
type jsonReport struct {
	SchemaVersion int          `json:"schema_version"`
	Precision     string       `json:"precision"`
	OK            bool         `json:"ok"` // derived: ignored when decoding
	Evals         int          `json:"evals"`
	GradEvals     int          `json:"grad_evals"`
	Sampled       bool         `json:"sampled"`
	Seed          uint64       `json:"seed,string"`
	Hazards       []jsonHazard `json:"hazards"`
	Blocks        []jsonBlock  `json:"blocks"`
	Sweeps        []jsonSweep  `json:"sweeps"`
	Partial       bool         `json:"partial,omitempty"`
	jsonScale                  // directional and sharded checks: shard.go

	// Judging was added within version 1: absent in older files, whose
	// reports then have the zero Report.Judging (not known), and left out
	// when the report does not know it.
	Judging jsonJudging `json:"judging,omitzero"`
	// Sample was added within version 1 too: absent in older files and
	// for a check that is not sampled (Report.Sample 0).
	Sample int `json:"sample,omitempty"`
}

// jsonJudging is Report.Judging.
type jsonJudging struct {
	Step  jsonFloat `json:"step"`
	Atol  jsonFloat `json:"atol"`
	Rtol  jsonFloat `json:"rtol"`
	K     jsonFloat `json:"k"`
	Noise jsonFloat `json:"noise"`
}

type jsonHazard struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	Fatal  bool   `json:"fatal"`
}

type jsonBlock struct {
	Name      string          `json:"name"`
	Shape     []int           `json:"shape"`
	RelErr    jsonFloat       `json:"rel_err"`
	Entries   []jsonEntry     `json:"entries"`
	Diagnoses []jsonDiagnosis `json:"diagnoses"`
}

type jsonEntry struct {
	Index    int       `json:"index"`
	Name     string    `json:"name"` // derived: ignored when decoding
	Verdict  string    `json:"verdict"`
	Analytic jsonFloat `json:"analytic"`
	Numeric  jsonFloat `json:"numeric"`
	ErrEst   jsonFloat `json:"err_est"`
	Step     jsonFloat `json:"step"`
	Left     jsonFloat `json:"left"`
	Right    jsonFloat `json:"right"`
	Refined  bool      `json:"refined"`
	Side     int8      `json:"side"`
	// TaylorOrder was added within version 1: absent in older files.
	TaylorOrder jsonFloat32 `json:"taylor_order"`
	// Jumped was added within version 1: absent in older files, false.
	Jumped bool `json:"jumped"`
}

type jsonDiagnosis struct {
	Pattern   string    `json:"pattern"`
	Summary   string    `json:"summary"`
	Factor    jsonFloat `json:"factor"`
	Axis      int       `json:"axis"`
	Fit       jsonFloat `json:"fit"`
	Explained int       `json:"explained"`
	Of        int       `json:"of"`
	Entries   []int     `json:"entries"`
}

type jsonSweep struct {
	Block     string           `json:"block"`
	Index     int              `json:"index"`
	Name      string           `json:"name"`
	Value     jsonFloat        `json:"value"`
	Analytic  jsonFloat        `json:"analytic"`
	CheckStep jsonFloat        `json:"check_step"`
	Points    []jsonSweepPoint `json:"points"`
}

type jsonSweepPoint struct {
	Step     jsonFloat `json:"step"`
	Central  jsonFloat `json:"central"`
	Forward  jsonFloat `json:"forward"`
	Backward jsonFloat `json:"backward"`
	Err      jsonFloat `json:"err"`
	RoundOff jsonFloat `json:"round_off"`
}

// jsonFloat is a float64 that encodes NaN and ±Inf as the strings "NaN",
// "+Inf" and "-Inf", and every finite value as the shortest number that
// decodes to the same bits.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) { return marshalFloat(float64(f), 64), nil }

// marshalFloat writes v as the shortest decimal that reads back as the
// same value of the given size in bits, or as a string for NaN and ±Inf.
func marshalFloat(v float64, bits int) []byte {
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`)
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`)
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`)
	}
	return strconv.AppendFloat(nil, v, 'g', -1, bits)
}

// jsonFloat32 is jsonFloat for a float32, written as its shortest
// decimal (1.98, not the 1.9800000190734863 of its float64).
type jsonFloat32 float32

func (f jsonFloat32) MarshalJSON() ([]byte, error) { return marshalFloat(float64(f), 32), nil }

// UnmarshalJSON reads what jsonFloat reads, rounded to float32 once: the
// float64 read first and then rounded to float32 rounds twice, which took
// the shortest decimal of one float32, 7.038531e-26, to its neighbour. A
// number of float64 range beyond float32's is ±Inf, as its float64 would
// convert.
func (f *jsonFloat32) UnmarshalJSON(b []byte) error {
	var g jsonFloat
	if err := g.UnmarshalJSON(b); err != nil {
		return err
	}
	v := float32(g)
	if len(b) > 0 && b[0] != '"' {
		if w, err := strconv.ParseFloat(string(b), 32); err == nil || errors.Is(err, strconv.ErrRange) {
			v = float32(w)
		}
	}
	*f = jsonFloat32(v)
	return nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = jsonFloat(math.NaN())
		case "+Inf", "Inf":
			*f = jsonFloat(math.Inf(1))
		case "-Inf":
			*f = jsonFloat(math.Inf(-1))
		default:
			return fmt.Errorf("the string %q is not a number: only \"NaN\", \"+Inf\" and \"-Inf\" are", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*f = jsonFloat(v)
	return nil
}

func toJSON(r *Report) *jsonReport {
	j := &jsonReport{
		SchemaVersion: JSONSchemaVersion,
		Precision:     r.Precision,
		OK:            r.OK(),
		Evals:         r.Evals,
		GradEvals:     r.GradEvals,
		Sampled:       r.Sampled,
		Seed:          r.Seed,
		Sample:        r.Sample,
		Judging:       jsonJudging{Step: jsonFloat(r.Judging.Step), Atol: jsonFloat(r.Judging.Atol), Rtol: jsonFloat(r.Judging.Rtol), K: jsonFloat(r.Judging.K), Noise: jsonFloat(r.Judging.Noise)},
		Partial:       r.Partial,
		Hazards:       make([]jsonHazard, len(r.Hazards)),
		Blocks:        make([]jsonBlock, len(r.Blocks)),
		Sweeps:        make([]jsonSweep, len(r.Sweeps)),
	}
	for i, sw := range r.Sweeps {
		js := jsonSweep{
			Block: sw.Block, Index: sw.Index, Name: sw.Name, Value: jsonFloat(sw.Value),
			Analytic: jsonFloat(sw.Analytic), CheckStep: jsonFloat(sw.CheckStep),
			Points: make([]jsonSweepPoint, len(sw.Points)),
		}
		for k, p := range sw.Points {
			js.Points[k] = jsonSweepPoint{
				Step: jsonFloat(p.Step), Central: jsonFloat(p.Central), Forward: jsonFloat(p.Forward),
				Backward: jsonFloat(p.Backward), Err: jsonFloat(p.Err), RoundOff: jsonFloat(p.RoundOff),
			}
		}
		j.Sweeps[i] = js
	}
	j.jsonScale = scaleToJSON(r)
	for i, h := range r.Hazards {
		j.Hazards[i] = jsonHazard{Kind: h.Kind.String(), Detail: h.Detail, Fatal: h.Fatal}
	}
	for bi := range r.Blocks {
		b := &r.Blocks[bi]
		jb := &j.Blocks[bi]
		jb.Name, jb.Shape, jb.RelErr = b.Name, b.Shape, jsonFloat(b.RelErr)
		if jb.Shape == nil {
			jb.Shape = []int{}
		}
		jb.Entries = make([]jsonEntry, len(b.Entries))
		for k, e := range b.Entries {
			jb.Entries[k] = jsonEntry{
				Index: e.Index, Name: b.EntryName(e.Index), Verdict: e.Verdict.String(),
				Analytic: jsonFloat(e.Analytic), Numeric: jsonFloat(e.Numeric),
				ErrEst: jsonFloat(e.ErrEst), Step: jsonFloat(e.Step),
				Left: jsonFloat(e.Left), Right: jsonFloat(e.Right),
				Refined: e.Refined, Side: e.Side, TaylorOrder: jsonFloat32(e.TaylorOrder),
				Jumped: e.Jumped,
			}
		}
		jb.Diagnoses = make([]jsonDiagnosis, len(b.Diagnoses))
		for k, d := range b.Diagnoses {
			jb.Diagnoses[k] = jsonDiagnosis{
				Pattern: string(d.Pattern), Summary: d.Summary, Factor: jsonFloat(d.Factor),
				Axis: d.Axis, Fit: jsonFloat(d.Fit), Explained: d.Explained, Of: d.Of,
				Entries: d.Entries,
			}
			if jb.Diagnoses[k].Entries == nil {
				jb.Diagnoses[k].Entries = []int{}
			}
		}
	}
	return j
}

func fromJSON(j *jsonReport) (*Report, error) {
	switch {
	case j.SchemaVersion == 0:
		return nil, errors.New("gradcheck: decoding a report: no schema_version: this is not a gradcheck report")
	case j.SchemaVersion > JSONSchemaVersion:
		return nil, fmt.Errorf("gradcheck: decoding a report: schema_version %d is newer than this release reads (%d)", j.SchemaVersion, JSONSchemaVersion)
	}
	r := &Report{
		Precision: j.Precision,
		Evals:     j.Evals,
		GradEvals: j.GradEvals,
		Sampled:   j.Sampled,
		Seed:      j.Seed,
		Sample:    j.Sample,
		Judging:   Judging{Step: float64(j.Judging.Step), Atol: float64(j.Judging.Atol), Rtol: float64(j.Judging.Rtol), K: float64(j.Judging.K), Noise: float64(j.Judging.Noise)},
		Partial:   j.Partial,
	}
	if len(j.Hazards) > 0 {
		r.Hazards = make([]Hazard, len(j.Hazards))
	}
	for i, h := range j.Hazards {
		k, ok := parseHazardKind(h.Kind)
		if !ok {
			return nil, fmt.Errorf("gradcheck: decoding a report: hazard %d has an unknown kind %q", i, h.Kind)
		}
		r.Hazards[i] = Hazard{Kind: k, Detail: h.Detail, Fatal: h.Fatal}
	}
	if len(j.Blocks) > 0 {
		r.Blocks = make([]BlockReport, len(j.Blocks))
	}
	for bi := range j.Blocks {
		jb := &j.Blocks[bi]
		b := &r.Blocks[bi]
		b.Name, b.RelErr = jb.Name, float64(jb.RelErr)
		if len(jb.Shape) == 0 {
			return nil, fmt.Errorf("gradcheck: decoding a report: block %q has no shape", jb.Name)
		}
		for axis, d := range jb.Shape {
			if d <= 0 {
				return nil, fmt.Errorf("gradcheck: decoding a report: block %q has shape %v: axis %d is %d", jb.Name, jb.Shape, axis, d)
			}
		}
		size, ok := shapeSize(jb.Shape)
		if !ok {
			return nil, fmt.Errorf("gradcheck: decoding a report: block %q has shape %v, whose number of entries overflows an int", jb.Name, jb.Shape)
		}
		if len(jb.Entries) > size {
			return nil, fmt.Errorf("gradcheck: decoding a report: block %q has %d entries, more than the %d of its shape %v", jb.Name, len(jb.Entries), size, jb.Shape)
		}
		b.Shape = append([]int(nil), jb.Shape...)
		b.Entries = make([]Entry, len(jb.Entries))
		for k, je := range jb.Entries {
			v, ok := parseVerdict(je.Verdict)
			if !ok {
				return nil, fmt.Errorf("gradcheck: decoding a report: entry %d of block %q has an unknown verdict %q", k, jb.Name, je.Verdict)
			}
			if je.Index < 0 || je.Index >= size {
				return nil, fmt.Errorf("gradcheck: decoding a report: entry %d of block %q has index %d outside its %d entries", k, jb.Name, je.Index, size)
			}
			b.Entries[k] = Entry{
				Index: je.Index, Verdict: v,
				Analytic: float64(je.Analytic), Numeric: float64(je.Numeric),
				ErrEst: float64(je.ErrEst), Step: float64(je.Step),
				Left: float64(je.Left), Right: float64(je.Right),
				Refined: je.Refined, Side: je.Side, TaylorOrder: float32(je.TaylorOrder),
				Jumped: je.Jumped,
			}
		}
		if len(jb.Diagnoses) > 0 {
			b.Diagnoses = make([]Diagnosis, len(jb.Diagnoses))
		}
		for k, jd := range jb.Diagnoses {
			d := Diagnosis{
				Pattern: Pattern(jd.Pattern), Summary: jd.Summary, Factor: float64(jd.Factor),
				Axis: jd.Axis, Fit: float64(jd.Fit), Explained: jd.Explained, Of: jd.Of,
			}
			if len(jd.Entries) > 0 {
				d.Entries = append([]int(nil), jd.Entries...)
			}
			b.Diagnoses[k] = d
		}
	}
	if len(j.Sweeps) > 0 {
		r.Sweeps = make([]EntrySweep, len(j.Sweeps))
	}
	for i, js := range j.Sweeps {
		sw := EntrySweep{
			Block: js.Block, Index: js.Index, Name: js.Name, Value: float64(js.Value),
			Analytic: float64(js.Analytic), CheckStep: float64(js.CheckStep),
		}
		if len(js.Points) > 0 {
			sw.Points = make([]SweepPoint, len(js.Points))
		}
		for k, p := range js.Points {
			sw.Points[k] = SweepPoint{
				Step: float64(p.Step), Central: float64(p.Central), Forward: float64(p.Forward),
				Backward: float64(p.Backward), Err: float64(p.Err), RoundOff: float64(p.RoundOff),
			}
		}
		r.Sweeps[i] = sw
	}
	if err := scaleFromJSON(&j.jsonScale, r); err != nil {
		return nil, err
	}
	return r, nil
}

func parseVerdict(s string) (Verdict, bool) {
	for v, name := range verdictNames {
		if name == s {
			return Verdict(v), true
		}
	}
	return 0, false
}

func parseHazardKind(s string) (HazardKind, bool) {
	for k, name := range hazardNames {
		if k > 0 && name == s {
			return HazardKind(k), true
		}
	}
	return 0, false
}
