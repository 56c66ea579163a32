package main

import (
	"context"
	"io"

	"github.com/quirkcheck/quirk/shellcheck/cli"
)

var checkCommand = &command{
	name:  "check",
	usage: "check [flags] FILE|DIR|- ...",
	short: "check shell scripts for positional-parameter surprises",
	run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		return cli.Main(context.Background(), args, stdin, stdout, stderr, versionString(), confirmer)
	},
}

var explainCommand = &command{
	name:  "explain",
	usage: "explain CHECK ...",
	short: "print what a check (QK5001, …) catches, with a bad and a good example",
	run: func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return cli.Explain(args, stdout, stderr)
	},
}

// confirmer is set when the expand engines are linked in (see confirm.go).
var confirmer cli.Confirmer
