package blobtest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// VersityGWVersion is the versitygw release the S3 tests run against; it
// is the module's tool dependency (go.mod "tool" line), so a fresh clone
// builds it with nothing else installed.
const VersityGWVersion = "v1.8.0"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// VersityGW returns the path of a versitygw binary, building it with
// "go build" from the module's tool dependency on first use. Builds are
// kept in the user cache directory per version, so later test runs reuse
// them.
func VersityGW() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		dir = filepath.Join(dir, "renrakucho-test")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "versitygw-"+VersityGWVersion)
		if fi, err := os.Stat(buildPath); err == nil && fi.Mode()&0o100 != 0 {
			return
		}
		gobin := filepath.Join(goroot(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		tmp := buildPath + ".tmp" + rand.Text()[:6]
		cmd := exec.Command(gobin, "build", "-o", tmp, "github.com/versity/versitygw/cmd/versitygw")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("blobtest: build versitygw: %v\n%s", err, out.String())
			return
		}
		buildErr = os.Rename(tmp, buildPath)
	})
	return buildPath, buildErr
}

// goroot finds the Go installation that runs the tests.
func goroot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err == nil {
		return strings.TrimSpace(string(out))
	}
	return os.Getenv("GOROOT")
}

// S3Server is a running S3-compatible server.
type S3Server struct {
	Endpoint  string // 127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Dir       string // the posix backend's directory
	cmd       *exec.Cmd
}

// URL returns the server's s3:// URL for bucket, as --blob takes it.
func (s *S3Server) URL(bucket string) string {
	return "s3://" + s.AccessKey + ":" + s.SecretKey + "@" + s.Endpoint + "/" + bucket + "?secure=false"
}

// Stop ends the server and waits for it.
func (s *S3Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// StartS3 starts versitygw with its posix backend on a fresh directory
// and waits until it answers. It never skips: a test that needs S3 fails
// when the server cannot be built or started.
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	srv, err := StartS3Server(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// StartS3Server is StartS3 for programs (the benchmark): dir holds the
// backend's files; the caller stops the server.
func StartS3Server(dir string) (*S3Server, error) {
	bin, err := VersityGW()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	root := filepath.Join(dir, "s3")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	s := &S3Server{Endpoint: addr, AccessKey: "testaccess", SecretKey: "testsecret-" + rand.Text()[:12], Dir: root}
	var logs bytes.Buffer
	s.cmd = exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", addr, "--quiet", "posix", root)
	s.cmd.Stdout, s.cmd.Stderr = &logs, &logs
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("blobtest: start versitygw: %w", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("blobtest: versitygw did not answer on %s: %s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
