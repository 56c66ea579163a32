package base

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// interrupts are the signals that cancel quirk's root context.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM}

// SignalContext is quirk's root context: SIGINT or SIGTERM cancels it
// (signal.NotifyContext), so that every subcommand stops its children and
// removes its temporary files instead of dying half-way. Once the first
// signal has cancelled the context the handler is removed, so a second
// signal kills quirk the usual way, for a user whose cleanup hangs.
//
// finish is for main, once the subcommand has returned code: if a signal
// cancelled the context, quirk then dies of that same signal (a shell loop
// around quirk stops on Ctrl-C only if its child was killed by SIGINT);
// where that is not possible it returns ExitFailure. Otherwise it returns
// code.
func SignalContext(parent context.Context) (ctx context.Context, finish func(code int) int) {
	ctx, stop := signal.NotifyContext(parent, interrupts...)
	// NotifyContext keeps no record of which signal it was; a second
	// channel, registered for the same signals, does.
	got := make(chan os.Signal, 1)
	signal.Notify(got, interrupts...)
	release := func() {
		stop()
		signal.Stop(got)
	}
	context.AfterFunc(ctx, release)
	finish = func(code int) int {
		release()
		select {
		case sig := <-got:
			reraise(sig)
			return ExitFailure
		default:
			return code
		}
	}
	return ctx, finish
}

// Interrupted reports whether ctx ended because quirk was interrupted
// (or its parent context was cancelled), for subcommands to stop early
// with ExitFailure instead of reporting half a result.
func Interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}
