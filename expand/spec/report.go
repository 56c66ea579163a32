package spec

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/quirkcheck/quirk/expand"
)

// WriteCases prints one line per case: each engine's verdict, and whether
// mvdan agrees with bash.
func WriteCases(w io.Writer, rep *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "case\t%s\tmvdan=bash\ttitle\n", strings.Join(rep.Engines, "\t"))
	for _, c := range rep.Cases {
		cols := make([]string, len(c.Outcomes))
		for i, o := range c.Outcomes {
			cols[i] = o.Verdict
		}
		agree := "-"
		if c.MvdanAgreesWithBash != nil {
			agree = map[bool]string{true: "yes", false: "NO"}[*c.MvdanAgreesWithBash]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, strings.Join(cols, "\t"), agree, c.Title)
	}
	tw.Flush()
}

// WriteSummary prints the per-engine verdict counts.
func WriteSummary(w io.Writer, rep *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "engine\t%s\ttotal\texpected%%\tversion\t\n", strings.Join(Verdicts, "\t"))
	for _, e := range rep.Engines {
		total := 0
		cols := make([]string, len(Verdicts))
		for i, v := range Verdicts {
			n := rep.Summary[e][v]
			total += n
			cols[i] = fmt.Sprint(n)
		}
		// PASS, OK, BUG and N-I are all results the file expects; N/A
		// cases are left out of the percentage.
		expected := rep.Summary[e][Pass] + rep.Summary[e][OK] + rep.Summary[e][Bug] + rep.Summary[e][NI]
		pct := 0.0
		if judged := total - rep.Summary[e][NA]; judged > 0 {
			pct = 100 * float64(expected) / float64(judged)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f%%\t%s\t\n", e, strings.Join(cols, "\t"), total, pct, rep.Versions[e])
	}
	tw.Flush()
	if hasBoth(rep) {
		fmt.Fprintf(w, "mvdan.cc/sh and bash disagree on %d of %d cases (stdout or exit status)\n", rep.Disagree, len(rep.Cases))
	}
}

func hasBoth(rep *Report) bool {
	var b, m bool
	for _, e := range rep.Engines {
		b = b || e == "bash"
		m = m || e == expand.Mvdan
	}
	return b && m
}
