// Command contactbook measures the contact book under the load of a large
// tenant, in one run per engine, each figure beside a raw baseline
// measured in the same run: durable post creation through the real HTTP
// API next to the raw single-row INSERT transaction; the timeline read of
// a resident with 10,000 and with 1,000,000 posts next to the raw indexed
// query and a bare net/http handler; search over a member's 50 residents;
// live-update delivery to 1,000 server-sent-event streams, with the
// memory each stream costs; and the cost of sealing resident data (post
// create and timeline read with encryption on and off, and the raw
// AES-GCM cost per field). See bench/README.md.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/store"
)

// options are the flags.
type options struct {
	residents   int
	posts       int // spread over every resident but B
	history     int // resident B's posts
	duration    time.Duration
	clients     int // SSE streams
	readClients int // HTTP clients of the read measurements
	cpuprofile  string
	seal        string        // on, off or both
	sealRounds  int           // rounds of the seal-cost section
	sealTime    time.Duration // length of each of its measurements
}

// warm is the warm-up before each measurement.
func (o options) warm() time.Duration { return min(time.Second, o.duration/5) }

func main() {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	engine := flag.String("engine", "both", "engine to measure: sqlite, postgres or both")
	var o options
	flag.IntVar(&o.residents, "residents", 1000, "residents in the tenant (at least 103)")
	flag.IntVar(&o.posts, "posts", 1_000_000, "posts spread over the residents other than B (resident A gets 10,000 of them)")
	flag.IntVar(&o.history, "history", 1_000_000, "posts of resident B, the long history the timeline read is compared at")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	flag.IntVar(&o.clients, "clients", 1000, "server-sent-event clients of the live-update measurement")
	flag.IntVar(&o.readClients, "read-clients", 4, "concurrent HTTP clients of the timeline and search measurements")
	flag.StringVar(&o.seal, "seal", "both", "resident data sealed with the product's keyring (on), with the benchmark's copy keys "+
		"that do no cryptography (off), or on plus the seal-cost section comparing both (both)")
	flag.IntVar(&o.sealRounds, "seal-rounds", 5, "rounds of the seal-cost section: off then on in each, medians reported")
	flag.DurationVar(&o.sealTime, "seal-duration", 2*time.Second, "length of each measurement of the seal-cost section")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each measured section to `PREFIX`.ENGINE.SECTION.pprof, and a heap profile with the event streams open")
	flag.Parse()
	engines, err := loadgen.Engines(*engine)
	if err != nil {
		fmt.Fprintf(os.Stderr, "contactbook: %v\n", err)
		os.Exit(2)
	}
	if o.seal != "on" && o.seal != "off" && o.seal != "both" {
		fmt.Fprintf(os.Stderr, "contactbook: -seal must be on, off or both, not %q\n", o.seal)
		os.Exit(2)
	}
	if o.sealRounds < 1 || o.sealTime <= 0 {
		fmt.Fprintln(os.Stderr, "contactbook: -seal-rounds and -seal-duration must be positive")
		os.Exit(2)
	}
	if o.residents < minResidents || o.posts < 2*aPosts || o.history < 1 || o.duration <= 0 || o.clients < 1 || o.readClients < 1 {
		fmt.Fprintf(os.Stderr, "contactbook: -residents must be at least %d, -posts at least %d; -history, -duration, -clients and -read-clients positive\n",
			minResidents, 2*aPosts)
		os.Exit(2)
	}
	nofile := raiseNoFile()
	fmt.Printf("contactbook: %s, %s/%s, GOMAXPROCS %d, NumCPU %d, RLIMIT_NOFILE %d; %s per measurement after a warm-up of %s\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), nofile, o.duration, o.warm())
	failed := false
	for _, e := range engines {
		if err := run(context.Background(), e, o); err != nil {
			fmt.Fprintf(os.Stderr, "contactbook: %s: %v\n", e, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// raiseNoFile raises the soft limit of open files to the hard limit: each
// SSE client holds two descriptors here (both ends live in this process).
func raiseNoFile() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return l.Cur
}

// run builds the tenant on a fresh database of the engine, measures each
// section and prints its tables.
func run(ctx context.Context, engine string, o options) error {
	fmt.Printf("\n==================== %s ====================\n", engine)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	d, err := loadgen.NewDatabase(ctx, engine)
	if err != nil {
		return err
	}
	defer d.Cleanup()
	keyring, cleanKeys, err := loadgen.NewKeys()
	if err != nil {
		return err
	}
	defer cleanKeys()
	var keys store.Keys = keyring
	if o.seal == "off" {
		keys, keyring = plainKeys{}, nil
		fmt.Println("-seal off: the store seals with the benchmark's copy keys, which do no cryptography (plaintext at rest)")
	} else {
		fmt.Println("resident data sealed at rest with the product's keyring (Tink AES-256-GCM per field, keys in a temporary key directory)")
	}
	db, err := store.Open(ctx, d.DSN, store.Options{Keys: keys, AuditKey: audit.NewKey()})
	if err != nil {
		return err
	}
	defer db.Close()

	t0 := time.Now()
	w, err := seed(ctx, db, keys, keyring, o, log)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("setup through the app: %d users, %d residents with consent and teams, in %s\n",
		len(w.users)+3, len(w.residents), time.Since(t0).Round(time.Second))
	t0 = time.Now()
	ls, err := bulkLoad(ctx, d, w, o)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	ls.print(time.Since(t0))

	h, cleanup, err := loadgen.UserHandler(w.app, log)
	if err != nil {
		return err
	}
	defer cleanup()
	base, stop, err := loadgen.Serve(h)
	if err != nil {
		return err
	}
	defer stop()
	w.base = base

	sections := []struct {
		name string
		fn   func(context.Context, *world, *loadgen.Database, options) error
	}{
		{"create", createSection},
		{"timeline", timelineSection},
		{"search", searchSection},
		{"seal", sealSection}, // only with -seal both
		{"", liveSetup},       // not profiled
		{"live", liveSection},
	}
	for _, s := range sections {
		if s.name == "seal" && o.seal != "both" {
			continue
		}
		prefix := o.cpuprofile
		if s.name == "" {
			prefix = ""
		}
		stopProfile, err := startProfile(prefix, engine, s.name)
		if err != nil {
			return err
		}
		err = s.fn(ctx, w, d, o)
		stopProfile()
		if err != nil {
			return fmt.Errorf("%s: %w", cmp.Or(s.name, "live setup"), err)
		}
	}
	printTargets(engine, w.targets)
	return nil
}

// startProfile starts a CPU profile of one section when -cpuprofile is set.
func startProfile(prefix, engine, section string) (func(), error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(fmt.Sprintf("%s.%s.%s.pprof", prefix, engine, section))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
