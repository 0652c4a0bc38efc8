package report_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/report"
)

// chromium returns the path of a Chromium binary, or skips the test
// saying so. GRADCHECK_CHROMIUM overrides the search.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GRADCHECK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: no Chromium found (install Debian's chromium, or set GRADCHECK_CHROMIUM): the HTML report was not opened in a browser")
	return ""
}

// headless runs Chromium on the file with the given extra arguments, with
// no network and a fresh profile, and returns its stdout.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--user-data-dir=" + t.TempDir(),
		// Every fetch fails: a page that needs the network shows it.
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", bin, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestHTMLInChromium opens the report of the demo's planted bug in headless
// Chromium, offline, and checks from the DOM after load that every plot
// was laid out with a nonzero size and drew its shapes: the page's own
// script records that in data-rendered and data-plots-rendered.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	var page bytes.Buffer
	opts := &report.Options{Title: "browser test", Taylor: map[string]*gradcheck.TaylorReport{"W1": taylorOf(t, 0)}}
	if err := report.WriteHTML(&page, demoBugReport(t), opts); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`data-plots="(\d+)"`).FindSubmatch(page.Bytes())
	if want == nil {
		t.Fatal("page does not count its plots")
	}
	nwant, _ := strconv.Atoi(string(want[1]))
	if nwant == 0 {
		t.Fatal("page has no plots to look for")
	}

	dom := headless(t, bin, "--window-size=1280,2000", "--virtual-time-budget=5000", "--dump-dom", "file://"+path)
	m := regexp.MustCompile(`data-plots-rendered="(\d+)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the page's script did not run: no data-plots-rendered in the DOM after load (%d bytes of DOM)", len(dom))
	}
	if got, _ := strconv.Atoi(string(m[1])); got != nwant {
		t.Errorf("%d of %d plots rendered with a nonzero size and shapes", got, nwant)
	}
	// The shapes each SVG holds in the file, in page order: the browser
	// must have parsed all of them as SVG elements.
	var inFile []int
	for _, f := range regexp.MustCompile(`(?s)<figure class="plot"[^>]*>(.*?)</figure>`).FindAllSubmatch(page.Bytes(), -1) {
		if bytes.Contains(f[1], []byte("<svg")) {
			inFile = append(inFile, len(regexp.MustCompile(`<(path|rect|image|circle|polygon)\b`).FindAll(f[1], -1)))
		}
	}
	sizes := regexp.MustCompile(`data-kind="(\w+)" data-rendered="(\d+)x(\d+):(\d+)"`).FindAllSubmatch(dom, -1)
	if len(sizes) != nwant || len(inFile) != nwant {
		t.Fatalf("%d figures recorded a size in the browser and %d hold an SVG in the file, want %d", len(sizes), len(inFile), nwant)
	}
	for k, s := range sizes {
		w, _ := strconv.Atoi(string(s[2]))
		h, _ := strconv.Atoi(string(s[3]))
		shapes, _ := strconv.Atoi(string(s[4]))
		// The plots are 4×3 inches, scaled to their column: the aspect
		// ratio shows the SVG was laid out as a picture, not as text.
		if w == 0 || h == 0 || math.Abs(float64(h)/float64(w)-0.75) > 0.02 {
			t.Errorf("plot %d (%s) rendered at %d×%d px, want a nonzero size in the ratio 4:3", k, s[1], w, h)
		}
		if shapes != inFile[k] {
			t.Errorf("plot %d (%s): %d SVG shapes in the DOM, %d in the file", k, s[1], shapes, inFile[k])
		}
		t.Logf("%s plot: %d×%d px, %d shapes", s[1], w, h, shapes)
	}
}
