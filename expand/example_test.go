package expand_test

import (
	"context"
	"fmt"

	"github.com/quirkcheck/quirk/expand"
)

// Confirming a finding: evaluate the word with each sample argument
// vector under bash and mvdan.cc/sh, show the fields, and say whether the
// two engines agree (where they do not, trust bash).
func Example() {
	var cases []expand.WordCase
	for _, argv := range expand.SampleArgv {
		cases = append(cases, expand.WordCase{Word: `"${@:0:1}"`, Arg0: "script.sh", Args: argv})
	}
	results, err := expand.EvalEngines(context.Background(), []string{"bash", expand.Mvdan}, cases, expand.Options{})
	if err != nil {
		fmt.Println(err) // e.g. bash not installed
		return
	}
	for i := range cases {
		bash, mvdan := results["bash"][i], results[expand.Mvdan][i]
		agree := expand.Compare([]expand.Result{bash, mvdan}, expand.CompareMode{}).Agree
		fmt.Printf("%v: bash %s, mvdan agrees: %v\n", cases[i].Args, expand.FieldString(bash), agree)
	}
}
