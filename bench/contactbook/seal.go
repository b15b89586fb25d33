package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// plainKeys is the key service of -seal off and of the seal-cost
// section's "off" side: the store's sealing code runs as with the product's
// keyring, but Encrypt and Decrypt copy the value, so what is left out is
// the cryptography alone. It exists only in this program: the product
// never opens a store with it.
type plainKeys struct{}

// plainKeyset is the "wrapped keyset" plainKeys gives each tenant.
var plainKeyset = []byte("bench: copy keys, no cryptography")

func (plainKeys) NewKeyset(context.Context, string) ([]byte, error) { return plainKeyset, nil }

func (plainKeys) Open(context.Context, string, []byte) (store.TenantKeys, error) {
	return plainTenantKeys{}, nil
}

func (plainKeys) Rotate(_ context.Context, _ string, wrapped []byte) ([]byte, error) {
	return wrapped, nil
}

func (plainKeys) Destroy(context.Context, string) error { return nil }

// plainTenantKeys copies values in and out: plaintext at rest.
type plainTenantKeys struct{}

func (plainTenantKeys) Encrypt(plaintext, _ []byte) ([]byte, error)  { return copyOf(plaintext), nil }
func (plainTenantKeys) Decrypt(ciphertext, _ []byte) ([]byte, error) { return copyOf(ciphertext), nil }
func (plainTenantKeys) Current([]byte) bool                          { return true }

// copyOf returns a copy of b, never nil (columns are NOT NULL).
func copyOf(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// The seal-cost section (issue 5): encryption costs ≤ 10 % on timeline
// reads and ≤ 5 % on post creation.
const (
	sealReadTarget   = 0.10
	sealCreateTarget = 0.05
	// twinBoards are the poster's residents in each twin tenant.
	twinBoards = 10
	// sealPage is the timeline page the crypto cost is stated for.
	sealPage = 20
)

// twin is one of the seal-cost section's two tenants, alike but for how
// their store seals: a reader on resident T (aPosts posts), a poster on
// twinBoards other residents.
type twin struct {
	mode      string // "off" or "on"
	app       *app.App
	base      string
	tenantID  string
	timeline  string   // resident T
	boards    []string // the poster's residents
	reader    string   // login
	poster    string   // login
	slug      string
	readerTok string
	posterTok string
}

// buildTwin makes a twin tenant in the database through a (whose store
// seals with keys), as seed's people would, and bulk-loads resident T's
// aPosts posts sealed with keys, up to end (the same for both twins, so
// that they hold the same posts).
func buildTwin(ctx context.Context, w *world, d *loadgen.Database, a *app.App, keys store.Keys, mode string, end time.Time) (*twin, error) {
	t := &twin{mode: mode, app: a, slug: "seal-" + mode, reader: "reader", poster: "poster"}
	ct, err := a.CreateTenant(ctx, w.op, care.NewTenant{Slug: t.slug, Name: "封印町 " + mode, AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword})
	if err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	t.tenantID = ct.Tenant.ID
	admin, err := a.TenantAdminActor(ctx, t.slug, "admin", care.Origin{IP: "127.0.0.1", UserAgent: "bench/contactbook",
		Listener: care.AdminListener})
	if err != nil {
		return nil, fmt.Errorf("tenant admin: %w", err)
	}
	var acts []care.Actor
	for i, login := range []string{"member00", "member01", "member02", "member03", "member04", t.reader, t.poster} {
		name, kana := personName(i + 7)
		if _, err := a.CreateUser(ctx, admin, care.UserInput{LoginID: login, Name: name, Kana: kana,
			Profession: care.Professions[i%len(care.Professions)], Role: care.RoleMember,
			Facilities: []string{ct.Facility.ID}, Password: benchPassword}); err != nil {
			return nil, fmt.Errorf("create user %s: %w", login, err)
		}
		_, act, err := t.login(ctx, login)
		if err != nil {
			return nil, err
		}
		acts = append(acts, act)
	}
	tw := &world{app: a, keys: keys, tenantID: t.tenantID}
	for i := range 1 + twinBoards {
		name, kana := personName(i)
		r, err := a.CreateResident(ctx, acts[0], care.ResidentInput{Name: name, Kana: kana,
			BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 30+i%20, 1+i%12, 1+i%28), Sex: care.Sexes[i%2],
			Address: fmt.Sprintf("東京都千代田区神田%d-%d-%d", 1+i%5, 1+i%20, 1+i%9), Phone: "03-5555-0000",
			CareLevel: care.CareLevels[i%len(care.CareLevels)], KeyPerson: "長男（同居）"})
		if err != nil {
			return nil, fmt.Errorf("create resident: %w", err)
		}
		if _, err := a.AddConsent(ctx, acts[0], r.ID, care.ConsentInput{Method: "written", ObtainedAt: "2024-04-01",
			ObtainedBy: acts[0].Name, Scope: "連携チーム内での情報共有"}); err != nil {
			return nil, fmt.Errorf("add consent: %w", err)
		}
		tw.residents = append(tw.residents, resident{id: r.ID, team: []string{acts[0].UserID}})
		joiners := acts[1:teamSize]
		if i == 0 {
			joiners = append(slices.Clone(joiners), acts[teamSize]) // the reader
		} else {
			joiners = append(slices.Clone(joiners), acts[teamSize+1]) // the poster
		}
		for _, m := range joiners {
			if err := tw.join(ctx, i, acts[0], m); err != nil {
				return nil, err
			}
		}
	}
	t.timeline = tw.residents[0].id
	t.boards = tw.boardIDs(1, 1+twinBoards)
	counts := make([]int, len(tw.residents))
	counts[0] = aPosts
	if _, err := loadHistory(ctx, d, tw, counts, end); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return t, nil
}

func (t *twin) login(ctx context.Context, login string) (string, care.Actor, error) {
	token, act, err := t.app.Login(ctx, app.Credentials{Tenant: t.slug, LoginID: login, Password: benchPassword, Origin: origin})
	if err != nil {
		return "", care.Actor{}, fmt.Errorf("login %s/%s: %w", t.slug, login, err)
	}
	return token, act, nil
}

// sealOp is one operation of the seal-cost section, on each twin.
type sealOp struct {
	name    string
	workers int
	target  float64
	op      func(*twin) func(context.Context) error
	off, on []loadgen.Result // per round
}

// sealSection measures issue 5's cost of encryption: post creation and the
// timeline read through the real user listener, on two twin tenants of the
// same database in this process, one served by a store with the product's
// keyring (the main one), one by a store on the same database with the
// copy keys (plainKeys). The measurements interleave, off then on (on
// then off in every other round), for -seal-rounds rounds, and the medians
// are compared. Then the raw cost of Tink's AES-256-GCM per field, and
// what it makes of a timeline page and of a post create.
func sealSection(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	offDB, err := store.Open(ctx, d.DSN, store.Options{Keys: plainKeys{}, AuditKey: audit.NewKey()})
	if err != nil {
		return err
	}
	defer offDB.Close()
	offApp := app.New(offDB, auth.NewHasher(cheapHash, 0), app.Options{Hub: realtime.NewLocal(), Log: w.log})
	h, cleanup, err := loadgen.UserHandler(offApp, w.log)
	if err != nil {
		return err
	}
	defer cleanup()
	offBase, stop, err := loadgen.Serve(h)
	if err != nil {
		return err
	}
	defer stop()

	t0 := time.Now()
	end := t0.Add(-time.Hour).UTC()
	off, err := buildTwin(ctx, w, d, offApp, plainKeys{}, "off", end)
	if err != nil {
		return fmt.Errorf("twin off: %w", err)
	}
	off.base = offBase
	on, err := buildTwin(ctx, w, d, w.app, w.keys, "on", end)
	if err != nil {
		return fmt.Errorf("twin on: %w", err)
	}
	on.base = w.base
	if d.Engine == "postgres" {
		raw, err := d.OpenRaw(w.tenantID, loadgen.Writer)
		if err != nil {
			return err
		}
		_, err = vacuumAnalyze(ctx, raw)
		raw.Close()
		if err != nil {
			return err
		}
	}
	fmt.Printf("\nseal cost: twin tenants %q (store with the product's keyring, the main one) and %q (a second store on the "+
		"same database with the benchmark's copy keys), each with resident T of %d posts and a poster on %d residents, in %s\n",
		on.slug, off.slug, aPosts, twinBoards, time.Since(t0).Round(time.Second))
	for _, t := range []*twin{off, on} {
		if t.readerTok, _, err = t.login(ctx, t.reader); err != nil {
			return err
		}
		if t.posterTok, _, err = t.login(ctx, t.poster); err != nil {
			return err
		}
	}
	if err := checkTwins(ctx, d, off, on); err != nil {
		return err
	}

	client := loadgen.NewClient(16)
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"category": "report", "importance": "normal", "body": createBody})
	createWorkers := 4
	if d.Engine == "postgres" {
		createWorkers = createPGWorkers
	}
	timeline := func(limit int) func(*twin) func(context.Context) error {
		return func(t *twin) func(context.Context) error {
			return loadgen.GetOp(client, t.base+"/api/v1/residents/"+t.timeline+"/posts?limit="+strconv.Itoa(limit), bearer(t.readerTok))
		}
	}
	ops := []*sealOp{
		{name: "POST /api/v1/residents/{id}/posts", workers: createWorkers, target: sealCreateTarget,
			op: func(t *twin) func(context.Context) error {
				var turn atomic.Int64
				return func(ctx context.Context) error {
					i := int(turn.Add(1))
					return postPost(ctx, client, t.base, t.posterTok, t.boards[i%len(t.boards)], body)
				}
			}},
		{name: fmt.Sprintf("GET /api/v1/residents/{id}/posts?limit=%d", sealPage), workers: o.readClients, target: sealReadTarget,
			op: timeline(sealPage)},
		{name: fmt.Sprintf("GET /api/v1/residents/{id}/posts?limit=%d", timelineLen), workers: o.readClients, target: sealReadTarget,
			op: timeline(timelineLen)},
	}
	warm := min(time.Second, o.sealTime/5)
	for _, s := range ops {
		for _, t := range []*twin{off, on} {
			f := s.op(t)
			if err := f(ctx); err != nil {
				return fmt.Errorf("%s (%s): %w", s.name, t.mode, err)
			}
			loadgen.Measure(s.workers, warm, f)
		}
	}
	for round := range o.sealRounds {
		// Off then on, then on then off in the next round, so that a
		// drift of the machine's load over a round weighs on both alike.
		order := []*twin{off, on}
		if round%2 == 1 {
			order = []*twin{on, off}
		}
		for _, s := range ops {
			for _, t := range order {
				r := loadgen.Measure(s.workers, o.sealTime, s.op(t))
				if err := r.Err(); err != nil {
					return fmt.Errorf("%s (%s): %w", s.name, t.mode, err)
				}
				if t == off {
					s.off = append(s.off, r)
				} else {
					s.on = append(s.on, r)
				}
			}
		}
	}

	var rows [][]string
	type verdict struct {
		name                  string
		over, overCPU, target float64
		lo, hi                float64 // the rounds' rate overheads
		onP50, onCPU          time.Duration
		onRate, offRate       float64
	}
	var verdicts []verdict
	for _, s := range ops {
		offRate, offP50, offP99, offCPU := medians(s.off)
		onRate, onP50, onP99, onCPU := medians(s.on)
		over := offRate/onRate - 1 // the extra time each request takes, at the same concurrency
		overCPU := float64(onCPU)/float64(offCPU) - 1
		lo, hi := 0.0, 0.0
		for i := range s.off {
			x := s.off[i].Rate()/s.on[i].Rate() - 1
			if i == 0 || x < lo {
				lo = x
			}
			if i == 0 || x > hi {
				hi = x
			}
		}
		rows = append(rows, []string{s.name, strconv.Itoa(s.workers),
			fmt.Sprintf("%.0f", offRate), ms(offP50), ms(offP99), us(offCPU),
			fmt.Sprintf("%.0f", onRate), ms(onP50), ms(onP99), us(onCPU),
			pct(over), fmt.Sprintf("%s … %s", pct(lo), pct(hi)), pct(float64(onP50)/float64(offP50) - 1), pct(overCPU),
			fmt.Sprintf("≤ %.0f %%: rate %s, CPU %s", s.target*100, passMiss(over <= s.target), passMiss(overCPU <= s.target))})
		verdicts = append(verdicts, verdict{name: s.name, over: over, overCPU: overCPU, target: s.target, onP50: onP50,
			onCPU: onCPU, onRate: onRate, offRate: offRate, lo: lo, hi: hi})
	}
	printTable(fmt.Sprintf("seal cost (issue 5), %s: off = copy keys (no cryptography), on = Tink AES-256-GCM; medians of %d "+
		"interleaved rounds of %s each (off, on; on, off; …); overhead = off rate / on rate − 1; CPU/req = the process's CPU time "+
		"(server and clients) per request, CPU overhead = on / off − 1", d.Engine, o.sealRounds, o.sealTime),
		[]string{"operation", "clients", "off req/s", "off p50", "off p99", "off CPU/req", "on req/s", "on p50", "on p99", "on CPU/req",
			"overhead", "rounds' range", "p50 overhead", "CPU overhead", "target"}, rows)
	for _, v := range verdicts {
		noise := ""
		if v.lo < 0 && v.hi > v.target {
			noise = " (the rounds range from " + pct(v.lo) + " to " + pct(v.hi) + ": within this machine's noise)"
		}
		w.check(fmt.Sprintf("seal cost, %s: ≤ %.0f %% (rate)", v.name, v.target*100), v.over <= v.target,
			"%.0f/s off, %.0f/s on: %s; CPU per request %s%s", v.offRate, v.onRate, pct(v.over), pct(v.overCPU), noise)
	}

	// The raw cost of the cipher, on the "on" twin's own keys.
	raw, err := d.OpenRaw(on.tenantID, loadgen.Reader)
	if err != nil {
		return err
	}
	tk, err := d.TenantKeys(ctx, raw, w.keys, on.tenantID)
	raw.Close()
	if err != nil {
		return err
	}
	c, err := cipherCost(tk, on.tenantID, o.sealRounds)
	if err != nil {
		return err
	}
	printTable(fmt.Sprintf("Tink AES-256-GCM per field, one goroutine locked to its thread, median of %d rounds of 0.2 s: "+
		"the typical post body (createBody, %d bytes) and an empty value (what an unused field or delete note is sealed as); "+
		"CPU = the thread's CPU time, wall = elapsed (includes waiting for a core)", o.sealRounds, len(createBody)),
		[]string{"operation", "CPU ns/op", "wall ns/op", "MB/s (CPU)"},
		[][]string{
			c.encBody.row("Encrypt body", len(createBody)),
			c.decBody.row("Decrypt body", len(createBody)),
			cost{c.encBody.cpu + c.decBody.cpu, c.encBody.wall + c.decBody.wall}.row("Encrypt + Decrypt body", len(createBody)),
			c.encEmpty.row("Encrypt empty", 0),
			c.decEmpty.row("Decrypt empty", 0),
		})
	// A timeline page opens the resident (12 sealed fields, short: counted
	// as empty ones) and each post's body, fields and delete note (the
	// fields are empty in 90 % of posts: counted as empty); a post create
	// opens the resident and seals body, fields and delete note.
	page := func(n int) float64 { return float64(n)*(c.decBody.cpu+2*c.decEmpty.cpu) + 12*c.decEmpty.cpu }
	for i, v := range verdicts[1:] {
		n := []int{sealPage, timelineLen}[i]
		fmt.Printf("per timeline page of %d posts the crypto costs ≈ %.0f µs of the %.0f µs request (on p50; %.1f %%), "+
			"or of the %.0f µs of CPU the process spends per request (%.1f %%)\n",
			n, page(n)/1e3, float64(v.onP50)/1e3, 100*page(n)/float64(v.onP50), float64(v.onCPU)/1e3, 100*page(n)/float64(v.onCPU))
	}
	create := c.encBody.cpu + 2*c.encEmpty.cpu + 12*c.decEmpty.cpu
	fmt.Printf("per post create the crypto costs ≈ %.0f µs of the %.0f µs request (on p50; %.1f %%), "+
		"or of the %.0f µs of CPU the process spends per request (%.1f %%)\n",
		create/1e3, float64(verdicts[0].onP50)/1e3, 100*create/float64(verdicts[0].onP50),
		float64(verdicts[0].onCPU)/1e3, 100*create/float64(verdicts[0].onCPU))
	return nil
}

// checkTwins checks that the twins differ only in sealing: the same
// timeline page (the same posts, as the loads are alike), ciphertext at
// rest in "on", plaintext in "off".
func checkTwins(ctx context.Context, d *loadgen.Database, off, on *twin) error {
	client := loadgen.NewClient(1)
	defer client.CloseIdleConnections()
	var pages [2][]byte
	for i, t := range []*twin{off, on} {
		b, ids, _, err := getPage(client, t.base+"/api/v1/residents/"+t.timeline+"/posts?limit="+strconv.Itoa(sealPage), bearer(t.readerTok))
		if err != nil {
			return err
		}
		if len(ids) != sealPage {
			return fmt.Errorf("twin %s: %d posts, want %d", t.mode, len(ids), sealPage)
		}
		var l struct {
			Items []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		pages[i], _ = json.Marshal(l.Items)
		raw, err := d.OpenRaw(t.tenantID, loadgen.Reader)
		if err != nil {
			return err
		}
		var stored []byte
		q := engineSQL(d.Engine, `SELECT body FROM posts WHERE tenant_id = ? AND id = ?`)
		err = raw.QueryRowContext(ctx, q, t.tenantID, l.Items[0].ID).Scan(&stored)
		raw.Close()
		if err != nil {
			return fmt.Errorf("twin %s: read stored body: %w", t.mode, err)
		}
		plain := bytes.Equal(stored, []byte(l.Items[0].Body))
		if plain != (t.mode == "off") {
			return fmt.Errorf("twin %s: stored body is plaintext: %v", t.mode, plain)
		}
		fmt.Printf("twin %s: newest post's body at rest is %d bytes, %s; the API answers its %d bytes of text\n", t.mode, len(stored),
			map[bool]string{true: "the plaintext", false: "ciphertext"}[plain], len(l.Items[0].Body))
	}
	if !bytes.Equal(pages[0], pages[1]) {
		return fmt.Errorf("the twins' timelines differ: the comparison would not be like for like")
	}
	fmt.Printf("both twins answer the same %d posts (IDs and bodies)\n", sealPage)
	return nil
}

// cost is the measured cost of one operation, in ns.
type cost struct{ cpu, wall float64 }

func (c cost) row(what string, n int) []string {
	mb := "-"
	if n > 0 {
		mb = fmt.Sprintf("%.0f", float64(n)/c.cpu*1e3)
	}
	return []string{what, fmt.Sprintf("%.0f", c.cpu), fmt.Sprintf("%.0f", c.wall), mb}
}

// cipher is the measured cost of sealing and opening one field.
type cipher struct {
	encBody, decBody, encEmpty, decEmpty cost
}

// cipherCost measures Encrypt and Decrypt of createBody and of an empty
// value with the tenant's keys and a post's associated data: the median
// CPU and wall ns/op of rounds timed loops of 0.2 s each, on one thread.
func cipherCost(tk store.TenantKeys, tenant string, rounds int) (cipher, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ad := store.AAD(tenant, "posts", store.NewID(), "body")
	body := []byte(createBody)
	ctBody, err := tk.Encrypt(body, ad)
	if err != nil {
		return cipher{}, err
	}
	ctEmpty, err := tk.Encrypt(nil, ad)
	if err != nil {
		return cipher{}, err
	}
	var firstErr error
	timeOp := func(f func() error) cost {
		var cpu, wall []float64
		for range rounds {
			n := 0
			c0, start := loadgen.ThreadCPU(), time.Now()
			for time.Since(start) < 200*time.Millisecond {
				for range 100 {
					if err := f(); err != nil && firstErr == nil {
						firstErr = err
					}
				}
				n += 100
			}
			wall = append(wall, float64(time.Since(start).Nanoseconds())/float64(n))
			cpu = append(cpu, float64(loadgen.ThreadCPU()-c0)/float64(n))
		}
		slices.Sort(cpu)
		slices.Sort(wall)
		return cost{cpu: cpu[len(cpu)/2], wall: wall[len(wall)/2]}
	}
	var c cipher
	c.encBody = timeOp(func() error { _, err := tk.Encrypt(body, ad); return err })
	c.decBody = timeOp(func() error { _, err := tk.Decrypt(ctBody, ad); return err })
	c.encEmpty = timeOp(func() error { _, err := tk.Encrypt(nil, ad); return err })
	c.decEmpty = timeOp(func() error { _, err := tk.Decrypt(ctEmpty, ad); return err })
	return c, firstErr
}

// medians returns the median rate, p50, p99 and CPU per operation of the
// rounds.
func medians(rs []loadgen.Result) (rate float64, p50, p99, cpu time.Duration) {
	var rates []float64
	var a, b, c []time.Duration
	for _, r := range rs {
		rates = append(rates, r.Rate())
		a = append(a, r.P50)
		b = append(b, r.P99)
		c = append(c, r.CPUPerOp())
	}
	slices.Sort(rates)
	slices.Sort(a)
	slices.Sort(b)
	slices.Sort(c)
	return rates[len(rates)/2], a[len(a)/2], b[len(b)/2], c[len(c)/2]
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// us formats a duration in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }

func pct(x float64) string { return fmt.Sprintf("%+.1f %%", 100*x) }

func mbps(n int, ns float64) string { return fmt.Sprintf("%.0f", float64(n)/ns*1e3) }
