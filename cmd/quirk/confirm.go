package main

import (
	"context"
	"io"

	"github.com/quirkcheck/quirk/shellcheck"
	"github.com/quirkcheck/quirk/shellcheck/confirm"
)

func init() {
	confirmer = func(ctx context.Context, res *shellcheck.Result, _ io.Writer) error {
		return confirm.Result(ctx, res)
	}
}
