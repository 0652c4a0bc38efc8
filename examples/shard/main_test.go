package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestShardsMergeToWhole runs three shards as separate invocations, as
// three pods of an Indexed Job would, merges their files, and compares the
// merged report with the unsharded one, for a correct and a buggy network.
func TestShardsMergeToWhole(t *testing.T) {
	for _, bug := range []bool{false, true} {
		dir := t.TempDir()
		var files []string
		for i := range 3 {
			f := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
			t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
			args := []string{"check", "-shards", "3", "-out", f}
			if bug {
				args = append(args, "-bug")
			}
			if code := run(&bytes.Buffer{}, os.Stderr, args); code != exitOK {
				t.Fatalf("shard %d: exit %d", i, code)
			}
			files = append(files, f)
		}
		merged := filepath.Join(dir, "merged.json")
		var text bytes.Buffer
		code := run(&text, os.Stderr, append([]string{"merge", "-out", merged}, files...))
		if want := map[bool]int{false: exitOK, true: exitWrong}[bug]; code != want {
			t.Fatalf("bug %v: merge exit %d, want %d:\n%s", bug, code, want, text.String())
		}
		whole := filepath.Join(dir, "whole.json")
		args := []string{"check", "-out", whole}
		if bug {
			args = append(args, "-bug")
		}
		if code := run(&bytes.Buffer{}, os.Stderr, args); code != exitOK {
			t.Fatalf("whole: exit %d", code)
		}
		a, b := load(t, merged), load(t, whole)
		if bug {
			// A block split between shards has no diagnoses in the merged
			// report (see gradcheck.Merge); the rest must be equal.
			for k := range a.Blocks {
				a.Blocks[k].Diagnoses, b.Blocks[k].Diagnoses = nil, nil
			}
		}
		ja, _ := a.MarshalJSON()
		jb, _ := b.MarshalJSON()
		if !bytes.Equal(ja, jb) {
			t.Errorf("bug %v: merged report differs from the unsharded one:\n%s\n---\n%s", bug, ja, jb)
		}
		if bug && !bytes.Contains(text.Bytes(), []byte("b1[5]")) {
			t.Errorf("merged text does not name b1[5]:\n%s", text.String())
		}
	}
}

func load(t *testing.T, name string) *gradcheck.Report {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := gradcheck.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUsage(t *testing.T) {
	t.Setenv("JOB_COMPLETION_INDEX", "")
	for _, args := range [][]string{nil, {"nope"}, {"check", "-shards", "2"}, {"merge"}} {
		if code := run(&bytes.Buffer{}, &bytes.Buffer{}, args); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
