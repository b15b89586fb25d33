package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Targets of live updates (issue 3).
const (
	liveP99    = 25 * time.Millisecond
	liveMemKiB = 40
)

// childEnv makes the program a bare SSE server in a child process: the
// clients' own memory is measured against it, with no server in the
// measuring process.
const childEnv = "RENRAKUCHO_BENCH_SSE_CHILD"

// Delivery rounds: warm-up rounds first, then rounds until -duration has
// passed, within these bounds.
const (
	liveWarmRounds = 2
	liveMinRounds  = 10
	liveMaxRounds  = 200
	liveWait       = 10 * time.Second // for every client to get one event
)

// streams are SSE clients connected to one server.
type streams struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	arrivals chan time.Time
	client   *http.Client
}

// connect opens n event streams, stream i GETting url(i) with header(i),
// and returns once each has read the server's first line ("retry: …"),
// that is once the server has subscribed it. Each stream then sends the
// time it reads "event: post.created" to arrivals.
func connect(n int, url func(int) string, header func(int) http.Header) (*streams, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &streams{cancel: cancel, arrivals: make(chan time.Time, 2*n), client: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1, DisableCompression: true, ReadBufferSize: 1024, WriteBufferSize: 1024}}}
	connected := make(chan error, n)
	for i := range n {
		s.wg.Go(func() { s.stream(ctx, url(i), header(i), connected) })
	}
	timeout := time.After(2 * time.Minute)
	for range n {
		select {
		case err := <-connected:
			if err != nil {
				s.close()
				return nil, err
			}
		case <-timeout:
			s.close()
			return nil, errors.New("streams did not connect within 2 minutes")
		}
	}
	return s, nil
}

func (s *streams) stream(ctx context.Context, url string, header http.Header, connected chan<- error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		connected <- err
		return
	}
	req.Header = header
	resp, err := s.client.Do(req)
	if err != nil {
		connected <- err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		connected <- fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, b)
		return
	}
	br := bufio.NewReaderSize(resp.Body, 512)
	first := true
	event := []byte("event: post.created\n")
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if first {
				connected <- fmt.Errorf("GET %s: %w before the first line", url, err)
			}
			return
		}
		switch {
		case first:
			first = false
			connected <- nil
		case bytes.Equal(line, event):
			s.arrivals <- time.Now()
		}
	}
}

// close ends every stream and waits for their goroutines.
func (s *streams) close() {
	s.cancel()
	s.wg.Wait()
	s.client.CloseIdleConnections()
}

// mem is heap and stack in use, in KiB: totals, or per stream.
type mem struct{ heap, stack float64 }

func (m mem) total() float64 { return m.heap + m.stack }

func (m mem) minus(o mem) mem { return mem{m.heap - o.heap, m.stack - o.stack} }

// inUse is the heap and stack in use after a collection.
func inUse() mem {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return mem{float64(m.HeapInuse) / 1024, float64(m.StackInuse) / 1024}
}

// connectMeasured connects n streams and returns them with the heap and
// stack they added, per stream.
func connectMeasured(n int, url func(int) string, header func(int) http.Header) (*streams, mem, error) {
	before := inUse()
	s, err := connect(n, url, header)
	if err != nil {
		return nil, mem{}, err
	}
	time.Sleep(500 * time.Millisecond) // let every server handler reach its loop
	d := inUse().minus(before)
	return s, mem{d.heap / float64(n), d.stack / float64(n)}, nil
}

// delivery is the outcome of the delivery rounds.
type delivery struct {
	rounds, got, missed int
	p50, p99            time.Duration
	postP50             time.Duration
}

// deliver runs rounds of one post each: post (which writes the post and
// returns once it is acknowledged), then waits for every stream's event.
// Each latency is from just before the post to one stream's arrival.
func deliver(s *streams, n int, d time.Duration, post func() error) (delivery, error) {
	var lat, posts []time.Duration
	var out delivery
	start := time.Now()
	for round := 0; round < liveWarmRounds+liveMaxRounds; round++ {
		measured := round >= liveWarmRounds
		if measured && out.rounds >= liveMinRounds && time.Since(start) >= d {
			break
		}
		if round == liveWarmRounds {
			start = time.Now()
		}
		t0 := time.Now()
		if err := post(); err != nil {
			return out, err
		}
		took := time.Since(t0)
		got := 0
		timeout := time.After(liveWait)
	wait:
		for got < n {
			select {
			case at := <-s.arrivals:
				got++
				if measured {
					lat = append(lat, at.Sub(t0))
				}
			case <-timeout:
				break wait
			}
		}
		if measured {
			out.rounds++
			out.got += got
			out.missed += n - got
			posts = append(posts, took)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out.p50, out.p99 = loadgen.Percentiles(lat)
	out.postP50, _ = loadgen.Percentiles(posts)
	return out, nil
}

// bareSSE is a bare server-sent-event server: GET /events?u=ID subscribes
// ID to hub and streams its events as renrakucho's endpoint does; POST
// /publish publishes one post.created event to audience.
func bareSSE(hub *realtime.Local, audience []string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		events, cancel := hub.Subscribe("t", r.URL.Query().Get("u"))
		defer cancel()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		io.WriteString(w, "retry: 5000\n\n")
		rc.Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case ev := <-events:
				data, _ := json.Marshal(ev)
				io.WriteString(w, "event: "+ev.Kind+"\ndata: "+string(data)+"\n\n")
				if rc.Flush() != nil {
					return
				}
			}
		}
	})
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		hub.Publish("t", audience, realtime.Event{Kind: "post.created", ResidentID: store.NewID(), PostID: store.NewID(),
			UserID: store.NewID(), At: time.Now().UTC()})
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}

func bareURL(base string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s/events?u=c%d", base, i) }
}

// runChild is the child process: a bare SSE server whose address it
// prints, serving until its standard input closes.
func runChild() {
	base, stop, err := loadgen.Serve(bareSSE(realtime.NewLocal(), nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(base)
	io.Copy(io.Discard, os.Stdin)
	stop()
}

// startChild starts the bare SSE server in a child process and returns its
// base URL and what stops it.
func startChild() (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { in.Close(); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("child: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// liveSection measures live-update delivery: -clients members of resident
// S's team, each with a session of its own, hold GET /api/v1/events open;
// a member of the team posts to S, and each stream's "event: post.created"
// is timed from just before the POST. The same clients then connect to a
// bare SSE handler fed by the same in-process hub, and to one in a child
// process, to split the memory per connection between the ends.
func liveSection(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	n := o.clients
	tokens, ownerToken := w.live.tokens, w.live.ownerToken

	// renrakucho.
	s, realMem, err := connectMeasured(n, func(int) string { return w.base + "/api/v1/events" },
		func(i int) http.Header { return bearer(tokens[i]) })
	if err != nil {
		return fmt.Errorf("connect to /api/v1/events: %w", err)
	}
	if o.cpuprofile != "" {
		if err := writeHeapProfile(fmt.Sprintf("%s.%s.live.heap.pprof", o.cpuprofile, d.Engine)); err != nil {
			s.close()
			return err
		}
	}
	postClient := loadgen.NewClient(1)
	defer postClient.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"category": "notice", "importance": "important", "body": createBody})
	sID := w.residents[residentS].id
	got, err := deliver(s, n, o.duration, func() error {
		return postPost(context.Background(), postClient, w.base, ownerToken, sID, body)
	})
	s.close()
	if err != nil {
		return err
	}
	for i := 0; w.hub.Subscribers() > 0 && i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
	}

	// A bare SSE handler in this process, fed by a hub of its own.
	audience := make([]string, n)
	for i := range audience {
		audience[i] = fmt.Sprintf("c%d", i)
	}
	base, stop, err := loadgen.Serve(bareSSE(realtime.NewLocal(), audience))
	if err != nil {
		return err
	}
	s, bareMem, err := connectMeasured(n, bareURL(base), func(int) http.Header { return http.Header{} })
	if err != nil {
		stop()
		return fmt.Errorf("connect to the bare SSE handler: %w", err)
	}
	bare, err := deliver(s, n, o.duration, func() error {
		resp, err := postClient.Post(base+"/publish", "application/json", nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	s.close()
	stop()
	if err != nil {
		return err
	}

	// The clients alone: the server in a child process.
	childBase, stopChild, err := startChild()
	if err != nil {
		return err
	}
	s, clientMem, err := connectMeasured(n, bareURL(childBase), func(int) http.Header { return http.Header{} })
	if err != nil {
		stopChild()
		return fmt.Errorf("connect to the child's SSE handler: %w", err)
	}
	s.close()
	stopChild()

	row := func(what string, dl delivery) []string {
		return []string{what, fmt.Sprint(n), fmt.Sprint(dl.rounds), fmt.Sprint(dl.got), fmt.Sprint(dl.missed),
			ms(dl.p50), ms(dl.p99), ms(dl.postP50)}
	}
	printTable(fmt.Sprintf("live-update delivery: one post at a time, each to %d open event streams; latency from just before the POST "+
		"to a stream reading \"event: post.created\"", n),
		[]string{"what", "streams", "posts", "deliveries", "missed", "p50", "p99", "POST p50"},
		[][]string{
			row("renrakucho POST /api/v1/residents/{id}/posts → GET /api/v1/events", got),
			row("bare net/http: POST → the same in-process hub → bare SSE handler", bare),
		})
	memRow := func(what string, m mem) []string {
		return []string{what, fmt.Sprintf("%.1f KiB", m.heap), fmt.Sprintf("%.1f KiB", m.stack), fmt.Sprintf("%.1f KiB", m.total())}
	}
	server := realMem.minus(clientMem)
	printTable("memory per event stream: heap and stack in use (runtime.MemStats HeapInuse, StackInuse, after GC), "+
		"after connecting minus before, divided by the streams",
		[]string{"what", "heap", "stack", "heap + stack"},
		[][]string{
			memRow("client + server in this process, renrakucho GET /api/v1/events", realMem),
			memRow("client + server in this process, bare SSE handler", bareMem),
			memRow("client alone (the bare server in a child process)", clientMem),
			memRow("server side, renrakucho (first − third)", server),
			memRow("server side, bare SSE handler (second − third)", bareMem.minus(clientMem)),
		})
	w.check(fmt.Sprintf("live delivery to %d clients: p99 ≤ %s, ≤ %d KiB per connection (server side)", n, ms(liveP99), liveMemKiB),
		got.p99 <= liveP99 && server.total() <= liveMemKiB && got.missed == 0,
		"p99 %s (p50 %s, %d missed), %.1f KiB per connection", ms(got.p99), ms(got.p50), got.missed, server.total())
	return nil
}

// writeHeapProfile writes a heap profile (of the live streams, with
// -cpuprofile).
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.WriteHeapProfile(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// liveState is the live measurement's setup: a session of each member
// holding a stream, and one of the member who posts.
type liveState struct {
	tokens     []string
	ownerToken string
}

// liveSetup gives resident S its team of -clients more members, before
// (and outside the CPU profile of) the live measurement.
func liveSetup(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	t0 := time.Now()
	ownerToken, owner, err := w.login(ctx, w.users[w.residents[residentS].ownerIx].login)
	if err != nil {
		return err
	}
	tokens, err := w.liveTeam(ctx, owner, o.clients)
	if err != nil {
		return err
	}
	w.live = liveState{tokens: tokens, ownerToken: ownerToken}
	if d.Engine == "postgres" {
		db, err := d.OpenRaw(w.tenantID, loadgen.Writer)
		if err != nil {
			return err
		}
		_, err = vacuumAnalyze(ctx, db)
		db.Close()
		if err != nil {
			return err
		}
	}
	fmt.Printf("\nlive: %d members created, invited to resident S's team, accepted and logged in through the app in %s\n",
		o.clients, time.Since(t0).Round(time.Second))
	return nil
}

// liveTeam creates n members, each invited to resident S's team by its
// registering member (owner) and accepting, and returns a session token of
// each.
func (w *world) liveTeam(ctx context.Context, owner care.Actor, n int) ([]string, error) {
	tokens := make([]string, n)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		mu       sync.Mutex
	)
	sID := w.residents[residentS].id
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				err := func() error {
					login := fmt.Sprintf("live%04d", i)
					name, kana := personName(i)
					if _, err := w.app.CreateUser(ctx, w.admin, care.UserInput{LoginID: login, Name: name, Kana: kana,
						Profession: care.Professions[i%len(care.Professions)], Role: care.RoleMember,
						Facilities: owner.Facilities, Password: benchPassword}); err != nil {
						return fmt.Errorf("create user: %w", err)
					}
					token, act, err := w.login(ctx, login)
					if err != nil {
						return err
					}
					if _, err := w.app.Invite(ctx, owner, sID, act.UserID); err != nil {
						return fmt.Errorf("invite: %w", err)
					}
					if err := w.app.AcceptInvitation(ctx, act, sID); err != nil {
						return fmt.Errorf("accept: %w", err)
					}
					tokens[i] = token
					mu.Lock()
					w.residents[residentS].team = append(w.residents[residentS].team, act.UserID)
					mu.Unlock()
					return nil
				}()
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return tokens, firstErr
}
