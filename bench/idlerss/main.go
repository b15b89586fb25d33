// Command idlerss measures the resident memory of an idle renrakucho: it
// builds ./cmd/renrakucho, starts `renrakucho demo` on a fresh data
// directory, waits until /healthz answers and then some seconds more, reads
// VmRSS from /proc/PID/status, and stops the process with SIGTERM. See
// bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// targetMB is the idle RSS target, in MB (10^6 bytes).
const targetMB = 50

func main() {
	idle := flag.Duration("idle", 5*time.Second, "how long to leave the process idle before reading its RSS")
	startTimeout := flag.Duration("start-timeout", 2*time.Minute, "how long to wait for /healthz")
	flag.Parse()
	if err := run(*idle, *startTimeout); err != nil {
		fmt.Fprintln(os.Stderr, "idlerss:", err)
		os.Exit(1)
	}
}

func run(idle, startTimeout time.Duration) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "renrakucho-idlerss-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "renrakucho")
	build := exec.Command("go", "build", "-o", bin, "./cmd/renrakucho")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/renrakucho: %v\n%s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	adminAddr, err := freeAddr()
	if err != nil {
		return err
	}
	var out bytes.Buffer // the demo's output, shown if anything goes wrong
	cmd := exec.Command(bin, "demo", "--data", filepath.Join(tmp, "data"), "--addr", addr,
		"--admin-addr", adminAddr, "--password", "idlerss-Passw0rd-2026")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
			return errors.New("no exit within 30 s of SIGTERM; killed")
		}
	}
	started := time.Now()
	if err := waitHealthy(addr, startTimeout, exited); err != nil {
		stop()
		return fmt.Errorf("%w\ndemo output:\n%s", err, out.String())
	}
	fmt.Printf("renrakucho demo (pid %d) healthy after %s; idle for %s\n",
		cmd.Process.Pid, time.Since(started).Round(10*time.Millisecond), idle)
	time.Sleep(idle)
	mem, err := memory(cmd.Process.Pid)
	if err != nil {
		stop()
		return err
	}
	mb := float64(mem["VmRSS"]) * 1024 / 1e6
	verdict := "PASS"
	if mb > targetMB {
		verdict = "MISS"
	}
	fmt.Printf("idle RSS: %.1f MB (target ≤ %d MB): %s\n", mb, targetMB, verdict)
	fmt.Printf("(VmRSS %d kB = RssAnon %d kB + RssFile %d kB + shmem; peak VmHWM %d kB)\n",
		mem["VmRSS"], mem["RssAnon"], mem["RssFile"], mem["VmHWM"])
	if err := stop(); err != nil {
		return fmt.Errorf("after SIGTERM: %w\ndemo output:\n%s", err, out.String())
	}
	fmt.Println("stopped with SIGTERM, exit status 0")
	return nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the renrakucho module")
	}
	return filepath.Dir(gomod), nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHealthy polls GET /healthz on the user listener until it answers 200,
// the process exits, or the timeout passes.
func waitHealthy(addr string, timeout time.Duration, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	url := "http://" + addr + "/healthz"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				client.CloseIdleConnections()
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("demo exited before %s answered: %v", url, err)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 within %s", url, timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// memory reads VmRSS, VmHWM, RssAnon and RssFile, in kB, from
// /proc/PID/status.
func memory(pid int) (m map[string]int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m = map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		switch name {
		case "VmRSS", "VmHWM", "RssAnon", "RssFile":
		default:
			ok = false
		}
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", name, value, err)
		}
		m[name] = n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if m["VmRSS"] == 0 {
		return nil, errors.New("no VmRSS in /proc/PID/status")
	}
	return m, nil
}
