package gradcheck

import (
	"math/rand/v2"
	"slices"
)

// plan returns, for each block, the flat indices to check in increasing
// order: a stratified sample (Options.Sample), or nil when every entry is
// checked (see shardJobs).
func (c *checker[T]) plan() [][]int {
	blocks := c.m.Blocks
	if c.s.sample <= 0 || c.s.sample >= c.m.size() {
		return nil
	}
	out := make([][]int, len(blocks))
	rng := rand.New(rand.NewPCG(c.s.seed, 0x9e3779b97f4a7c15))
	chosen := make([]map[int]bool, len(blocks))
	mandatory := 0
	for b, blk := range blocks {
		chosen[b] = make(map[int]bool)
		for _, i := range corners(shapeOf(blk)) {
			chosen[b][i] = true
		}
		mandatory += len(chosen[b])
	}
	quota := allocate(c.s.sample-mandatory, blocks, chosen)
	for b, blk := range blocks {
		n := len(blk.Value)
		want := min(len(chosen[b])+quota[b], n)
		for len(chosen[b]) < want {
			chosen[b][rng.IntN(n)] = true
		}
		for i := range chosen[b] {
			out[b] = append(out[b], i)
		}
		slices.Sort(out[b])
	}
	return out
}

// corners returns the flat indices of the 2^d corners of a block of the
// given shape (fewer where an axis has length 1). A block of more than
// sixteen axes gets the first and the last entry only.
func corners(shape []int) []int {
	if len(shape) > 16 {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return []int{0, n - 1}
	}
	var out []int
	for mask := 0; mask < 1<<len(shape); mask++ {
		flat := 0
		for axis, d := range shape {
			c := 0
			if mask&(1<<axis) != 0 {
				c = d - 1
			}
			flat = flat*d + c
		}
		if !slices.Contains(out, flat) {
			out = append(out, flat)
		}
	}
	return out
}

// allocate shares k extra entries among blocks in proportion to the
// entries each has left, at least one to each block with any left, by
// largest remainder so the total is exact.
func allocate[T Float](k int, blocks []Block[T], chosen []map[int]bool) []int {
	quota := make([]int, len(blocks))
	if k <= 0 {
		return quota
	}
	left := make([]int, len(blocks))
	total := 0
	for b, blk := range blocks {
		left[b] = len(blk.Value) - len(chosen[b])
		total += left[b]
	}
	if total == 0 {
		return quota
	}
	k = min(k, total)
	given := 0
	rem := make([]float64, len(blocks))
	for b := range blocks {
		share := float64(k) * float64(left[b]) / float64(total)
		quota[b] = int(share)
		rem[b] = share - float64(quota[b])
		if quota[b] == 0 && left[b] > 0 && given < k {
			quota[b], rem[b] = 1, 0
		}
		given += quota[b]
	}
	for given < k {
		best := -1
		for b := range blocks {
			if quota[b] < left[b] && (best < 0 || rem[b] > rem[best]) {
				best = b
			}
		}
		if best < 0 {
			break
		}
		quota[best]++
		rem[best] = -1
		given++
	}
	return quota
}
