package main

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
)

// printTable prints a table with a title, a header and rows of cells,
// columns padded to their widest cell; the first column is left-aligned,
// the others right-aligned.
func printTable(title string, header []string, rows [][]string) {
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		cells := make([]string, len(r))
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				cells[i] = c + pad
			} else {
				cells[i] = pad + c
			}
		}
		fmt.Println(strings.Join(cells, " | "))
	}
	fmt.Printf("\n%s\n", title)
	line(header)
	seps := make([]string, len(header))
	for i, n := range width {
		seps[i] = strings.Repeat("-", n)
	}
	fmt.Println(strings.Join(seps, "-|-"))
	for _, r := range rows {
		line(r)
	}
}

// rateCells are the rate, p50 and p99 cells of a result.
func rateCells(r loadgen.Result) []string {
	return []string{fmt.Sprintf("%.0f", r.Rate()), loadgen.MS(r.P50), loadgen.MS(r.P99)}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// target is one of the targets, checked.
type target struct {
	what   string
	pass   bool
	detail string
}

func (w *world) check(what string, pass bool, format string, args ...any) {
	w.targets = append(w.targets, target{what: what, pass: pass, detail: fmt.Sprintf(format, args...)})
}

func printTargets(engine string, ts []target) {
	fmt.Printf("\ntargets (%s)\n", engine)
	for _, t := range ts {
		v := "PASS"
		if !t.pass {
			v = "MISS"
		}
		fmt.Printf("  %s  %s: %s\n", v, t.what, t.detail)
	}
}

// ms is loadgen.MS, for short cells.
func ms(d time.Duration) string { return loadgen.MS(d) }
