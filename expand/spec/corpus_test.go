package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// positionalFiles is the positional-parameter and IFS part of the Oils
// corpus (docs/positional.md, "The Oils spec corpus").
var positionalFiles = []string{
	"var-op-slice", "word-split", "var-op-test", "array-sparse", "builtin-misc", "builtin-special",
	"vars-special", "var-num", "builtin-set", "toysh-posix", "var-sub-quote", "var-op-strip",
}

// corpusDir finds ../shared/corpus/oils-spec relative to the project root
// (QUIRK_OILS_SPEC overrides). It skips when absent, except under CI=true.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("QUIRK_OILS_SPEC")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus", "oils-spec")
	}
	if _, err := os.Stat(filepath.Join(dir, "word-split.test.sh")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Oils spec corpus missing at %s (CI=true requires it): %v", dir, err)
		}
		t.Skipf("skipping: Oils spec corpus not found at %s (set QUIRK_OILS_SPEC to its directory)", dir)
	}
	return dir
}

func loadPositional(t testing.TB) []*File {
	dir := corpusDir(t)
	var files []*File
	for _, name := range positionalFiles {
		f, err := ParseFile(filepath.Join(dir, name+".test.sh"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}
