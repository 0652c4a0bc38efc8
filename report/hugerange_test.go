package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// TestHTMLGradientOfBothSignsNearMaxFloat: the report of a correct
// gradient (1e308, −1e308) renders, its scatter replaced by a note. The
// scatter's axis spanned −1e308 to 1e308, wider than a float64, where the
// plotting library's tick search loops for ever: WriteHTML never returned.
// And the plots of a nil block are errors, not nil dereferences.
func TestHTMLGradientOfBothSignsNearMaxFloat(t *testing.T) {
	f := func(x []float64) float64 { return 1e308*x[0] - 1e308*x[1] }
	grad := func(dst, x []float64) { dst[0], dst[1] = 1e308, -1e308 }
	rep, err := gradcheck.Gradient(f, grad, []float64{0.25, 0.25}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("the gradient is right:\n%v", rep)
	}
	done := make(chan error, 1)
	var buf bytes.Buffer
	go func() { done <- report.WriteHTML(&buf, rep, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "wider than a float64 holds") {
			t.Errorf("the page does not say why the scatter is missing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WriteHTML did not return within 10 s (it takes milliseconds)")
	}
	if _, err := report.HeatmapSVG(nil); err == nil {
		t.Error("HeatmapSVG(nil): no error")
	}
	if _, err := report.ScatterSVG(nil); err == nil {
		t.Error("ScatterSVG(nil): no error")
	}
}
