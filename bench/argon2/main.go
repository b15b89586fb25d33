// Command argon2 measures one argon2id hash on this machine at a range of
// cost parameters, single-threaded, so the parameters in
// internal/auth/password.go can be chosen by measurement rather than by
// guess (target: 50–100 ms a hash). See bench/README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"golang.org/x/crypto/argon2"
)

type params struct {
	memKiB uint32
	time   uint32
}

func main() {
	rounds := flag.Int("rounds", 7, "hashes per parameter set (the median is reported)")
	flag.Parse()
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "argon2: -rounds must be positive")
		os.Exit(2)
	}
	fmt.Printf("argon2id, one lane, %s %s/%s, GOMAXPROCS %d, %d rounds each (median)\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), *rounds)
	sets := []params{
		{19 * 1024, 2}, {32 * 1024, 2}, {46 * 1024, 1}, {46 * 1024, 2}, {64 * 1024, 1},
		{64 * 1024, 2}, {64 * 1024, 3}, {96 * 1024, 2}, {128 * 1024, 1},
	}
	salt := []byte("0123456789abcdef")
	pw := []byte("Hanamizuki-2026-measure")
	fmt.Printf("%10s %4s %10s\n", "memory", "t", "ms/hash")
	for _, p := range sets {
		ds := make([]time.Duration, *rounds)
		for i := range ds {
			start := time.Now()
			argon2.IDKey(pw, salt, p.time, p.memKiB, 1, 32)
			ds[i] = time.Since(start)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("%7d MiB %4d %10.1f\n", p.memKiB/1024, p.time, float64(ds[len(ds)/2].Microseconds())/1000)
	}
}
