package gradcheck_test

import (
	"testing"
	"unsafe"

	"github.com/gradcheck/gradcheck"
)

// An Entry is 64 bytes: a report holds one per entry checked, and at 72 a
// check of 100 entries took a span of the allocator's 8192-byte size class
// for its entries alone, on every check (see the comment in Entry).
func TestEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(gradcheck.Entry{}); got != 64 {
		t.Errorf("an Entry takes %d bytes, want 64", got)
	}
}
