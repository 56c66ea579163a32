//go:build linux

// Command generate writes expand's seccomp programs, one
// zseccomp_linux_GOARCH.go per architecture seccompfilter.Arches names,
// and zseccomp_linux_other.go for the rest, into the current directory.
// It runs from package expand's directory through
//
//	go generate ./expand
//
// on linux/amd64, arm64, 386 or arm (any of them writes every file).
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/quirkcheck/quirk/expand/internal/seccompfilter"
)

func main() {
	files, err := seccompfilter.Files()
	if err != nil {
		log.Fatalf("seccompfilter: %v", err)
	}
	// Files of architectures no longer generated would keep their
	// programs and clash with zseccomp_linux_other.go.
	old, _ := filepath.Glob("zseccomp_linux_*.go")
	for _, name := range old {
		if _, ok := files[name]; !ok {
			if err := os.Remove(name); err != nil {
				log.Fatalf("seccompfilter: %v", err)
			}
		}
	}
	for name, content := range files {
		if err := os.WriteFile(name, content, 0o644); err != nil {
			log.Fatalf("seccompfilter: %v", err)
		}
	}
}
