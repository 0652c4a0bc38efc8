package gradcheck

import "time"

// defaultProgressInterval is the zero Options.ProgressInterval: often
// enough for a progress bar to move smoothly, rarely enough that a check of
// a cheap loss does not spend its time reporting.
const defaultProgressInterval = 100 * time.Millisecond

// The stages of a check that Progress.Stage names.
const (
	StageEntries    = "entries"    // the entry-by-entry check: Done and Total count entries
	StageDirections = "directions" // a directional check: Done and Total count directions
	StageLocalize   = "localize"   // group tests after a disagreeing direction: Done counts tests, Total is 0
	StageRefine     = "refine"     // entries the first pass did not accept, refined once the loss's noise is measured: Done and Total count them
	StageTerms      = "terms"      // the checks of a model's loss terms (Model.Terms), first: Done counts the terms checked, Total is their number
)

// Progress is how far a check has got, as passed to Options.Progress.
type Progress struct {
	// Stage is one of StageEntries, StageRefine, StageDirections,
	// StageLocalize and StageTerms. A check by entries reports StageTerms
	// while it checks the model's loss terms, if it has any, then
	// StageEntries, then StageRefine if some entries need refinement (from
	// its start, the measurement of the loss's noise, Done = 0), and
	// StageEntries again last, with Done = Total, once every entry is
	// judged: a check that stops before (cancelled, a panic) sends no such
	// report. A directional check reports its noise measurement as
	// StageDirections with Done = 0.
	Stage string
	// Done of Total units of the stage are finished. Total is 0 when it is
	// not known in advance. A report within a unit (an entry's
	// refinement) counts the units finished before it: Done stays and
	// Evals grows. In a parallel check Done counts the entries the
	// workers have finished, whichever they are.
	Done, Total int
	// Evals counts the loss evaluations of the whole check so far. In a
	// parallel check (Options.Workers) it counts every evaluation the
	// workers have made, also within the entries they are refining, as
	// each worker publishes them: it moves during one long refinement, as
	// a serial check's does, and never goes back. Report.Evals counts the
	// evaluations a serial check makes, and Evals ends at it when the
	// check completes; one that stops on an error (a panic, a cancelled
	// context) reports the evaluations up to the first failing entry, and
	// the last Evals may have counted more: those the other workers made
	// meanwhile at later entries. After a parallel first pass, the checker
	// evaluates some of the entries that wait again on the model alone, to
	// find a Loss not safe for concurrent use (Options.Workers); it
	// reports meanwhile, the first pass's stage with all its entries done,
	// and counts those evaluations neither here nor in Report.Evals unless
	// they find one.
	Evals int
	// Elapsed is the time since the check started.
	Elapsed time.Duration
	// Remaining estimates the time left in the stage from the average
	// time per unit so far: Elapsed·(Total − Done)/Done. It is 0 when
	// Done or Total is 0. Entries that need refinement cost several times
	// more than those that pass at once, so it is a rough guide.
	Remaining time.Duration
}

// progress throttles and sends Progress reports. Its zero value, and one
// with a nil fn, reports nothing.
type progress struct {
	fn       func(Progress)
	interval time.Duration
	start    time.Time // of the check
	begun    time.Time // of the stage
	last     time.Time
	stage    string
	total    int
	err      error // a panic in fn, returned when the check ends

	// poll's clock reads: the last one, the evaluations then, and the
	// evaluations at which to read it next.
	polled    time.Time
	pollEvals int
	nextPoll  int
}

// maxPollStride is the most evaluations poll lets pass without reading
// the clock: with a loss of 50 ns, a report is late by at most 1.6 µs,
// plus what a loss that slows down abruptly adds (32 of its new
// evaluations at most).
const maxPollStride = 32

func newProgress(s settings) progress {
	p := progress{fn: s.progress, interval: s.interval}
	if p.fn != nil {
		p.start = time.Now()
	}
	return p
}

// begin starts a stage of total units (0: unknown).
func (p *progress) begin(stage string, total int) {
	p.stage, p.total = stage, total
	if p.fn != nil {
		p.begun = time.Now()
	}
}

// stageOnly switches to another stage without restarting its clock, for a
// stage that interrupts another.
func (p *progress) stageOnly(stage string, total int) {
	p.stage, p.total = stage, total
}

// due reports whether a report is due now; it reads the clock only when
// there is someone to report to.
func (p *progress) due() bool {
	return p.fn != nil && time.Since(p.last) >= p.interval
}

// send reports unconditionally. A panic in the callback is kept as a
// *PanicError for the end of the check, and no more reports are sent.
func (p *progress) send(done, evals int) {
	if p.fn == nil {
		return
	}
	now := time.Now()
	p.last = now
	pr := Progress{Stage: p.stage, Done: done, Total: p.total, Evals: evals, Elapsed: now.Sub(p.start)}
	if done > 0 && p.total > 0 && done <= p.total {
		pr.Remaining = time.Duration(float64(now.Sub(p.begun)) * float64(p.total-done) / float64(done))
	}
	defer func() {
		if r := recover(); r != nil {
			p.fn, p.err = nil, &PanicError{Func: "Progress", Value: r}
		}
	}()
	p.fn(pr)
}

// tick reports if a report is due.
func (p *progress) tick(done, evals int) {
	if p.due() {
		p.send(done, evals)
	}
}

// poll is tick within one unit of a stage (an entry's refinement, the
// noise measurement), after each of its loss evaluations, so that a loss
// of a second does not silence the reports for the 160 evaluations of a
// refinement. A clock read (time.Now) costs about 50 ns, as much as a
// cheap loss, so poll reads it only every few evaluations: half as many
// as fit, at the rate measured since the previous read, in the time left
// until a report is due, between 1 and maxPollStride. A slow loss is
// polled at every evaluation, a fast one every 32: 3.5 ns an evaluation
// (BenchmarkProgressPoll), where a refined evaluation of a cheap loss
// costs about 450 ns.
func (p *progress) poll(done, evals int) {
	if evals >= p.nextPoll && p.fn != nil {
		p.pollClock(done, evals)
	}
}

// pollClock is poll's clock read.
func (p *progress) pollClock(done, evals int) {
	now := time.Now()
	left := p.interval - now.Sub(p.last)
	if left <= 0 {
		p.send(done, evals)
		left = p.interval
	}
	stride := 1
	if n, dt := evals-p.pollEvals, now.Sub(p.polled); n > 0 && dt > 0 {
		stride = int(min(maxPollStride, float64(left)*float64(n)/float64(dt)/2))
	}
	p.polled, p.pollEvals, p.nextPoll = now, evals, evals+max(1, stride)
}
