package gradcheck

// A Region is a run of entries of one block that a directional check found
// to disagree throughout: every part it was split into disagreed, so it is
// reported whole rather than tested entry by entry. A few of its entries
// get per-entry verdicts as evidence.
type Region struct {
	// Block names the block; Lo and Hi bound the flat indices [Lo, Hi).
	Block  string
	Lo, Hi int
	// Parts is the number of equal parts it was split into, all of which
	// disagreed.
	Parts int
}
