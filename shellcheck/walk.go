package shellcheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/quirkcheck/quirk/shellcheck/analysis"
)

// skipDirs are never walked: version control data and vendored code the
// user does not own.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "vendor": true, "node_modules": true, "third_party": true,
}

var scriptExts = map[string]bool{
	".sh": true, ".bash": true, ".ksh": true, ".bats": true, ".dash": true, ".ash": true, ".mksh": true, ".zsh": true,
}

// LooksLikeScript decides, from the name and the first bytes, whether a file
// found in a directory walk is a shell script: a known extension, or a
// shebang naming a shell. Binary files (a NUL byte early on) never are.
func LooksLikeScript(name string, head []byte) bool {
	if len(head) > 0 && strings.IndexByte(string(head[:min(len(head), 512)]), 0) >= 0 {
		return false
	}
	if scriptExts[strings.ToLower(filepath.Ext(name))] {
		return true
	}
	return analysis.ShebangDialect(head) != analysis.Unknown
}

// WalkScripts lists the shell scripts under root in lexical order, calling
// onErr for directories it cannot read (the walk goes on).
func WalkScripts(root string, onErr func(path string, err error)) []string {
	var files []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			onErr(path, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && skipDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if scriptExts[strings.ToLower(filepath.Ext(path))] {
			files = append(files, path)
			return nil
		}
		if head, ok := readHead(path); ok && LooksLikeScript(path, head) {
			files = append(files, path)
		}
		return nil
	})
	return files
}

func readHead(path string) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	buf := make([]byte, 256)
	n, _ := f.Read(buf)
	return buf[:n], n > 0
}
