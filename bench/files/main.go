// Command files measures file sharing against its raw baselines, in one
// run: a file (100 MiB by default) uploaded and downloaded through the
// real user listener's handler (multipart streamed, sealed with Tink
// streaming AEAD, stored by the blob store) next to a raw disk copy of
// the same bytes, and, on the S3 backend (a versitygw server started
// here), next to raw S3 put and get of them. It reports throughput, the
// peak growth of the process's Go memory during each transfer, and the
// time to the first byte of a download.
//
//	go run ./bench/files                      # local and S3 backends
//	go run ./bench/files -backend local -size 50
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/blob/blobtest"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

const benchPassword = "bench-Passw0rd-2026"

func main() {
	backend := flag.String("backend", "both", "local, s3 or both")
	sizeMiB := flag.Int64("size", 100, "file size in MiB")
	flag.Parse()
	if err := run(*backend, *sizeMiB<<20); err != nil {
		fmt.Fprintln(os.Stderr, "bench/files:", err)
		os.Exit(1)
	}
}

// sampler records the peak of the Go runtime's in-use memory (heap and
// stacks) while it runs.
type sampler struct {
	base, peak atomic.Uint64
	stop       chan struct{}
	done       sync.WaitGroup
}

func inUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func startSampler() *sampler {
	runtime.GC()
	s := &sampler{stop: make(chan struct{})}
	s.base.Store(inUse())
	s.peak.Store(s.base.Load())
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if v := inUse(); v > s.peak.Load() {
					s.peak.Store(v)
				}
			}
		}
	}()
	return s
}

// growth stops the sampler and returns the peak above the start, in MiB.
func (s *sampler) growth() float64 {
	close(s.stop)
	s.done.Wait()
	return float64(s.peak.Load()-s.base.Load()) / (1 << 20)
}

type row struct {
	what    string
	elapsed time.Duration
	growth  float64
	note    string
}

func (r row) mibps(size int64) float64 { return float64(size) / (1 << 20) / r.elapsed.Seconds() }

func run(backend string, size int64) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "renrakucho-bench-files-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "source.bin")
	if err := writeSource(src, size); err != nil {
		return err
	}
	want, err := digestFile(src)
	if err != nil {
		return err
	}
	fmt.Printf("file: %d MiB, %s, GOMAXPROCS=%d\n\n", size>>20, runtime.Version(), runtime.GOMAXPROCS(0))

	var backends []string
	switch backend {
	case "both":
		backends = []string{"local", "s3"}
	case "local", "s3":
		backends = []string{backend}
	default:
		return fmt.Errorf("-backend must be local, s3 or both")
	}
	for _, b := range backends {
		var store blob.Store
		var stopS3 func()
		var s3 *blob.S3
		switch b {
		case "local":
			l, err := blob.NewLocal(filepath.Join(dir, "blobs"))
			if err != nil {
				return err
			}
			store = l
		case "s3":
			srv, err := blobtest.StartS3Server(filepath.Join(dir, "versitygw"))
			if err != nil {
				return err
			}
			stopS3 = srv.Stop
			st, err := blob.Open(ctx, srv.URL("bench"), "")
			if err != nil {
				srv.Stop()
				return err
			}
			store, s3 = st, st.(*blob.S3)
		}
		rows, err := measure(ctx, dir, src, size, want, store, s3)
		if stopS3 != nil {
			stopS3()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
		fmt.Printf("backend %s (%s)\n", b, store.Describe())
		fmt.Printf("  %-36s %10s %10s %14s  %s\n", "measurement", "time", "MiB/s", "peak Δmem MiB", "")
		for _, r := range rows {
			fmt.Printf("  %-36s %10s %10.1f %14.1f  %s\n", r.what, r.elapsed.Round(time.Millisecond), r.mibps(size), r.growth, r.note)
		}
		fmt.Println()
	}
	return nil
}

// writeSource writes size bytes that do not compress, headed like a PDF
// so that the upload's sniffing takes them for one.
func writeSource(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	const head = "%PDF-1.7\n"
	if _, err := io.Copy(f, io.MultiReader(strings.NewReader(head), blobtest.Pattern(size-int64(len(head))))); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func digestFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// rawCopy copies src to a new file and syncs it: what the disk does for
// the same bytes without HTTP, sealing or the store.
func rawCopy(src, dst string) (time.Duration, error) {
	start := time.Now()
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return 0, err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return 0, err
	}
	return time.Since(start), out.Close()
}

func measure(ctx context.Context, dir, src string, size int64, want string, bs blob.Store, s3 *blob.S3) ([]row, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := loadgen.NewDatabase(ctx, "sqlite")
	if err != nil {
		return nil, err
	}
	defer db.Cleanup()
	st, err := store.Open(ctx, db.DSN, store.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	a := app.New(st, auth.NewHasher(auth.DefaultParams, 0), app.Options{Log: log, Blobs: bs, BlobKeys: blobtest.NewKeys()})
	token, residentID, err := seed(ctx, a, size)
	if err != nil {
		return nil, err
	}
	h, cleanup, err := loadgen.UserHandler(a, log)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	base, stop, err := loadgen.Serve(h)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	var rows []row

	// Raw baselines.
	d, err := rawCopy(src, filepath.Join(dir, "copy.bin"))
	if err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, "copy.bin"))
	rows = append(rows, row{what: "raw disk copy (read, write, fsync)", elapsed: d})
	if s3 != nil {
		r, err := rawS3(ctx, s3, src, size)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}

	// Upload through the server.
	smp := startSampler()
	start := time.Now()
	fileID, err := upload(client, base, token, residentID, src)
	up := row{what: "upload via HTTP (sealed)", elapsed: time.Since(start), growth: smp.growth()}
	if err != nil {
		return nil, err
	}
	rows = append(rows, up)

	// Download through the server (timed into io.Discard, as the raw
	// baselines do not hash either), then again untimed with the digest
	// checked.
	smp = startSampler()
	start = time.Now()
	_, ttfb, err := download(client, base, token, fileID, 0)
	down := row{what: "download via HTTP (unsealed)", elapsed: time.Since(start), growth: smp.growth(),
		note: "first byte " + ttfb.Round(100*time.Microsecond).String()}
	if err != nil {
		return nil, err
	}
	rows = append(rows, down)
	if got, _, err := download(client, base, token, fileID, -1); err != nil || got != want {
		return nil, fmt.Errorf("the downloaded bytes differ from the source (%v)", err)
	}

	// Time to first byte, median of five.
	var firsts []time.Duration
	for range 5 {
		_, t, err := download(client, base, token, fileID, 1)
		if err != nil {
			return nil, err
		}
		firsts = append(firsts, t)
	}
	slices.Sort(firsts)
	rows = append(rows, row{what: "time to first byte (median of 5)", elapsed: firsts[2], note: "(MiB/s not meaningful)"})

	// A Range request for the last MiB: the sealed stream is decrypted
	// from the start and discarded up to the offset.
	start = time.Now()
	if err := lastMiB(client, base, token, fileID, size); err != nil {
		return nil, err
	}
	rows = append(rows, row{what: "Range: last MiB", elapsed: time.Since(start), note: "(decrypts and skips the rest)"})
	return rows, nil
}

func rawS3(ctx context.Context, s *blob.S3, src string, size int64) ([]row, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start := time.Now()
	if _, err := s.Client().PutObject(ctx, s.Bucket(), "raw/source", f, size, minio.PutObjectOptions{}); err != nil {
		return nil, fmt.Errorf("raw put: %w", err)
	}
	put := time.Since(start)
	start = time.Now()
	obj, err := s.Client().GetObject(ctx, s.Bucket(), "raw/source", minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, obj)
	obj.Close()
	if err != nil || n != size {
		return nil, fmt.Errorf("raw get: %d bytes, %v", n, err)
	}
	get := time.Since(start)
	s.Delete(ctx, "raw/source")
	return []row{{what: "raw S3 put (known size)", elapsed: put}, {what: "raw S3 get", elapsed: get}}, nil
}

// seed makes a tenant with a member who owns a resident with consent,
// and logs the member in on the user listener. The tenant's limits are
// raised to fit the file.
func seed(ctx context.Context, a *app.App, size int64) (token, residentID string, err error) {
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "bench/files", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", benchPassword, cli)
	if err != nil {
		return "", "", err
	}
	if _, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "bench", Name: "ベンチ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword}); err != nil {
		return "", "", err
	}
	admin, err := a.TenantAdminActor(ctx, "bench", "admin", cli)
	if err != nil {
		return "", "", err
	}
	mb := size>>20 + 1
	if _, err := a.UpdateTenantSettings(ctx, admin, app.Settings{EndedRetentionYears: 5, FileMaxMB: mb, FileQuotaMB: 4 * mb}); err != nil {
		return "", "", err
	}
	fs, err := a.Facilities(ctx, admin)
	if err != nil || len(fs) == 0 {
		return "", "", fmt.Errorf("facilities: %v", err)
	}
	if _, err := a.CreateUser(ctx, admin, care.UserInput{LoginID: "caremgr", Name: "介護 支援", Kana: "カイゴ シエン",
		Profession: "care_manager", Role: care.RoleMember, Facilities: []string{fs[0].ID}, Password: benchPassword}); err != nil {
		return "", "", err
	}
	user := care.Origin{IP: "127.0.0.1", UserAgent: "bench/files", Listener: care.UserListener}
	token, act, err := a.Login(ctx, app.Credentials{Tenant: "bench", LoginID: "caremgr", Password: benchPassword, Origin: user})
	if err != nil {
		return "", "", err
	}
	r, err := a.CreateResident(ctx, act, care.ResidentInput{Name: "試験 花子", Kana: "シケン ハナコ", BirthDate: "1940-01-01",
		Sex: "female", CareLevel: "care2"})
	if err != nil {
		return "", "", err
	}
	if _, err := a.AddConsent(ctx, act, r.ID, care.ConsentInput{Method: "written", ObtainedAt: "2026-11-01", ObtainedBy: "介護 支援"}); err != nil {
		return "", "", err
	}
	return token, r.ID, nil
}

// upload streams src as a multipart form and returns the new file's ID.
func upload(c *http.Client, base, token, residentID, src string) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(src)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="bench.pdf"`)
		h.Set("Content-Type", "application/pdf")
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/residents/"+residentID+"/files", pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("upload: %d %s", resp.StatusCode, body)
	}
	var id string
	if _, err := fmt.Sscanf(string(body), `{"id":%q`, &id); err != nil {
		return "", fmt.Errorf("upload answer %s: %w", body, err)
	}
	return id, nil
}

// download fetches the file and returns the time to its first byte and,
// for limit -1, the digest of the whole file; limit 1 stops after the
// first byte, 0 reads the rest into io.Discard.
func download(c *http.Client, base, token, fileID string, limit int64) (string, time.Duration, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/files/"+fileID+"/content", nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return "", 0, fmt.Errorf("download: %d %s", resp.StatusCode, b)
	}
	h := sha256.New()
	first := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		return "", 0, err
	}
	ttfb := time.Since(start)
	h.Write(first)
	if limit == 1 {
		return "", ttfb, nil
	}
	if limit == 0 {
		_, err := io.Copy(io.Discard, resp.Body)
		return "", ttfb, err
	}
	if _, err := io.Copy(h, resp.Body); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), ttfb, nil
}

func lastMiB(c *http.Client, base, token, fileID string, size int64) error {
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/files/"+fileID+"/content", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", size-(1<<20)))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusPartialContent || n != 1<<20 {
		return fmt.Errorf("range: %d, %d bytes, %v", resp.StatusCode, n, err)
	}
	return err
}
