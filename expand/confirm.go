package expand

import (
	"context"
	"fmt"
	"sync"
)

// SampleArgv are the argument vectors a confirmation tries, each showing a
// different surprise: none, one, three with a space inside one, a leading
// dash, and glob characters.
var SampleArgv = [][]string{
	{},
	{"one"},
	{"a", "b c", "d"},
	{"-n", "x"},
	{"*", "?"},
}

// EvalEngines runs EvalWords under several engines at once and returns
// each engine's results, in case order. Any engine-level error (unknown
// engine, missing shell) fails the whole call, naming the engine.
func EvalEngines(ctx context.Context, engines []string, cases []WordCase, opts Options) (map[string][]Result, error) {
	out := make(map[string][]Result, len(engines))
	errs := make([]error, len(engines))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() {
			rs, err := EvalWords(ctx, e, cases, opts)
			mu.Lock()
			defer mu.Unlock()
			out[e], errs[i] = rs, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", engines[i], err)
		}
	}
	return out, nil
}
