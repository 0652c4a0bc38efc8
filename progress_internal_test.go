package gradcheck

import (
	"testing"
	"time"
)

// TestPollStride: poll reads the clock every maxPollStride evaluations of
// a fast loss, reports at every evaluation where every one is due, and
// keeps reports about an interval apart for a slow loss.
func TestPollStride(t *testing.T) {
	sent := 0
	fn := func(Progress) { sent++ }

	p := progress{fn: fn, interval: time.Hour, last: time.Now()}
	reads, next := 0, p.nextPoll
	for e := 1; e <= 16000; e++ {
		p.poll(0, e)
		if p.nextPoll != next {
			reads, next = reads+1, p.nextPoll
		}
	}
	if sent != 0 || reads > 16000/maxPollStride+20 {
		t.Errorf("fast loss: %d reports and %d clock reads in 16000 evaluations, want none and about %d", sent, reads, 16000/maxPollStride)
	}

	sent = 0
	p = progress{fn: fn, interval: 1}
	for e := 1; e <= 1000; e++ {
		p.poll(0, e)
	}
	if sent != 1000 {
		t.Errorf("every report due: %d reports of 1000 evaluations", sent)
	}

	// Evaluations of 1 ms, reports due every 5 ms: about 10 in 50 ms.
	sent = 0
	p = progress{fn: fn, interval: 5 * time.Millisecond, last: time.Now()}
	for e := 1; e <= 50; e++ {
		time.Sleep(time.Millisecond)
		p.poll(0, e)
	}
	if sent < 4 {
		t.Errorf("slow loss: %d reports in 50 evaluations of 1 ms, want one about every 5 ms", sent)
	}
}

// BenchmarkProgressPoll is what poll costs an evaluation when no report
// is due: the price of a Progress on each loss evaluation of a
// refinement.
func BenchmarkProgressPoll(b *testing.B) {
	p := progress{fn: func(Progress) {}, interval: time.Hour, last: time.Now()}
	e := 0
	for b.Loop() {
		e++
		p.poll(0, e)
	}
}
