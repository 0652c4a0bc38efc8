package gradcheck

import (
	"context"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck/internal/fdiff"
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

// BenchmarkLossAtPublished is what a worker's publishing of its
// evaluations (checker.published) costs a refinement's evaluation of a
// cheap loss: lossAt without it (a check without Progress, or a serial
// one) and with it (a parallel check with Progress).
func BenchmarkLossAtPublished(b *testing.B) {
	x := []float64{0.3, -1.2, 0.7}
	m := &Model[float64]{
		Blocks:   []Block[float64]{{Name: "x", Value: x, Grad: make([]float64, len(x))}},
		Loss:     func() float64 { return x[0]*x[0] + x[1]*x[2] },
		Gradient: func() {},
	}
	s, err := (*Options)(nil).resolve(fdiff.Float64)
	if err != nil {
		b.Fatal(err)
	}
	for _, publish := range []bool{false, true} {
		name := "nil"
		if publish {
			name = "published"
		}
		b.Run(name, func(b *testing.B) {
			c := &checker[float64]{m: m, s: s, ctx: context.Background()}
			c.saveAll()
			var n evalCount
			if publish {
				c.published = &n.n
			}
			v := 0.3 + 1e-6
			for b.Loop() {
				if _, err := c.lossAt(0, 0, v); err != nil {
					b.Fatal(err)
				}
			}
			if publish && n.n.Load() != int64(c.evals) {
				b.Fatalf("published %d of %d evaluations", n.n.Load(), c.evals)
			}
		})
	}
}
