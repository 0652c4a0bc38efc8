//go:build !race

package gradcheck_test

// raceDetector reports that the tests run under the race detector, which
// fails a test whose loss races on purpose.
const raceDetector = false
