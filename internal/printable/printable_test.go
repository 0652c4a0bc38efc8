package printable

import "testing"

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"W1", "W1"},
		{"", ""},
		{"日本語 α", "日本語 α"},
		{`<script>"a"</script>`, `<script>"a"</script>`}, // markup is the HTML's business
		{"a\nb", `a\nb`},
		{"a\tb\r", `a\tb\r`},
		{"esc\x1b[31m", `esc\x1b[31m`},
		{"nul\x00", `nul\x00`},
		{"del\x7f c1\u0085", `del\x7f c1\u0085`},
		{"rlo\u202egnp.exe", `rlo\u202egnp.exe`},
		{"lri\u2066x\u2069 rlm\u200f alm\u061c", `lri\u2066x\u2069 rlm\u200f alm\u061c`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"non\ufffe\uffff", `non\ufffe\uffff`},
		{"bad\xff\xc3", `bad\xff\xc3`},
		{"ok\u00e9\xe9", "ok\u00e9" + `\xe9`},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
