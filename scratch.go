package gradcheck

import (
	"sync"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// scratch is the memory a check needs only while it runs: the checker,
// the saved parameters, the analytic gradient and the first pass's jobs.
// Checks of up to scratchMax entries take it from a pool and give it back
// when they return, so that a check allocates little besides its report:
// at n = 100, 7 times and 8.8 KB instead of 14 times and 13.4 KB. On a
// cheap loss that shows: the garbage collector's work follows the bytes a
// check allocates, and the check of 100 entries of a 55 ns loss went from
// 1.40 to 1.26–1.30 of gonum's time (BenchmarkFullCheckVsGonum).
type scratch[T Float] struct {
	// The checker and its progress, cleared when given back.
	c checker[T]
	p progress

	saved    [][]T
	savedBuf []T
	analytic [][]float64
	gradBuf  []float64
	jobs     []job
	sens     [][]float64 // measureSensitivity
	sensBuf  []float64
}

// scratchMax is the largest check, in entries, whose scratch is pooled:
// beyond it the memory is not worth keeping between checks, and a
// check's allocations are a small part of its cost anyway.
const scratchMax = 1 << 16

// scratchPools holds the pooled scratch of float64 and of float32 checks.
var scratchPools [2]sync.Pool

func scratchPool[T Float]() *sync.Pool {
	if precisionOf[T]() == fdiff.Float32 {
		return &scratchPools[1]
	}
	return &scratchPools[0]
}

// getScratch returns scratch for a check of a model with the given blocks.
func getScratch[T Float](blocks []Block[T]) *scratch[T] {
	total := 0
	for _, blk := range blocks {
		total += len(blk.Value)
	}
	if total <= scratchMax {
		if s, ok := scratchPool[T]().Get().(*scratch[T]); ok {
			return s
		}
	}
	return new(scratch[T])
}

// putScratch gives s back, once nothing of the check uses it any more.
func putScratch[T Float](s *scratch[T]) {
	if cap(s.savedBuf) > scratchMax || cap(s.gradBuf) > scratchMax || cap(s.jobs) > scratchMax || cap(s.sensBuf) > scratchMax {
		return
	}
	s.c, s.p = checker[T]{}, progress{} // no references to the caller's model
	scratchPool[T]().Put(s)
}

// gradBufs pools the gradient buffers of Gradient's one-block models, as
// *[]float64, for the same reason as scratch.
var gradBufs sync.Pool

// getGradBuf returns a buffer of n values, zeroed.
func getGradBuf(n int) *[]float64 {
	if n <= scratchMax {
		if g, ok := gradBufs.Get().(*[]float64); ok && cap(*g) >= n {
			*g = (*g)[:n]
			clear(*g)
			return g
		}
	}
	g := make([]float64, n)
	return &g
}

// putGradBuf gives g back once its check has returned.
func putGradBuf(g *[]float64) {
	if cap(*g) <= scratchMax {
		gradBufs.Put(g)
	}
}

// split returns buf grown to hold n values and cut into one slice per
// block, of each block's length, in outer.
func split[T Float, V any](outer [][]V, buf []V, blocks []Block[T], length func(Block[T]) int) ([][]V, []V) {
	n := 0
	for _, blk := range blocks {
		n += length(blk)
	}
	if cap(buf) < n {
		buf = make([]V, n)
	}
	buf = buf[:n]
	outer = outer[:0]
	k := 0
	for _, blk := range blocks {
		m := length(blk)
		outer = append(outer, buf[k:k+m:k+m])
		k += m
	}
	return outer, buf
}
