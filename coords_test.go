package gradcheck_test

import (
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestCoordsOutsideTheShape: Coords and EntryName never name another
// entry for an index outside the shape, and do not panic on a shape with
// an axis that is not positive (a BlockReport built by hand). Index 6 of
// shape [2 3] was named [0,0], entry 0's name, index 99 of [2 2] was
// [1,1], and a zero axis was an integer division by zero.
func TestCoordsOutsideTheShape(t *testing.T) {
	cases := []struct {
		shape []int
		i     int
		want  []int
	}{
		{[]int{2, 3}, 5, []int{1, 2}},
		{[]int{2, 3}, 6, []int{2, 0}},
		{[]int{2, 2}, 99, []int{49, 1}},
		{[]int{2, 3}, -1, []int{0, -1}},
		{[]int{2, 3}, -3, []int{-1, 0}},
		{[]int{4}, 7, []int{7}},
		{[]int{0, 3}, 1, nil},
		{[]int{2, -3}, 1, nil},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Coords(%v, %d) panicked: %v", c.shape, c.i, r)
				}
			}()
			if got := gradcheck.Coords(c.shape, c.i); !slices.Equal(got, c.want) {
				t.Errorf("Coords(%v, %d) = %v, want %v", c.shape, c.i, got, c.want)
			}
		}()
	}
	for _, c := range []struct {
		shape []int
		i     int
		want  string
	}{
		{[]int{2, 3}, 6, "w[2,0]"},
		{[]int{0, 3}, 5, "w[flat 5]"},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("EntryName(%d) of shape %v panicked: %v", c.i, c.shape, r)
				}
			}()
			b := &gradcheck.BlockReport{Name: "w", Shape: c.shape}
			if got := b.EntryName(c.i); got != c.want {
				t.Errorf("EntryName(%d) of shape %v = %q, want %q", c.i, c.shape, got, c.want)
			}
		}()
	}
}
