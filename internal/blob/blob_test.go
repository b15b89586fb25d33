package blob_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/blob/blobtest"
)

func TestLocal(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLocalLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.Put(ctx, "t/a", blobtest.CutOff(blobtest.Pattern(1<<20), 5000))
	if _, err := s.Put(ctx, "t/b", blobtest.Pattern(10)); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestS3 runs the same suite against a real S3-compatible server
// (versitygw with its posix backend), started here.
func TestS3(t *testing.T) {
	srv := blobtest.StartS3(t)
	blobtest.Run(t, func(t *testing.T) blob.Store {
		bucket := "t-" + strings.ToLower(rand.Text()[:12])
		s, err := blob.Open(context.Background(), srv.URL(bucket), "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestParseS3URL(t *testing.T) {
	ok := []struct {
		in   string
		want blob.S3Config
	}{
		{"s3://AK:SK@minio.local:9000/renrakucho?secure=false", blob.S3Config{Endpoint: "minio.local:9000", AccessKey: "AK", SecretKey: "SK", Bucket: "renrakucho"}},
		{"s3://AK:S%2FK@10.0.0.5:443/my.bucket-1", blob.S3Config{Endpoint: "10.0.0.5:443", AccessKey: "AK", SecretKey: "S/K", Bucket: "my.bucket-1", Secure: true}},
		{"s3://AK:SK@s3.example.jp:443/bkt?region=ap-northeast-1", blob.S3Config{Endpoint: "s3.example.jp:443", AccessKey: "AK", SecretKey: "SK", Bucket: "bkt", Secure: true, Region: "ap-northeast-1"}},
	}
	for _, tc := range ok {
		got, err := blob.ParseS3URL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseS3URL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"s3://minio:9000/bucket",            // no keys
		"s3://AK@minio:9000/bucket",         // no secret
		"s3://AK:SK@minio/bucket",           // no port
		"s3://AK:SK@minio:0/bucket",         // bad port
		"s3://AK:SK@minio:9000/",            // no bucket
		"s3://AK:SK@minio:9000/Bad_Bucket",  // bad bucket
		"s3://AK:SK@minio:9000/b?secure=ja", // bad secure
		"s3://AK:SK@minio:9000/bkt?x=1",     // unknown parameter
		"http://AK:SK@minio:9000/bkt",       // not s3
	}
	for _, in := range bad {
		_, err := blob.ParseS3URL(in)
		if err == nil {
			t.Errorf("ParseS3URL(%q) succeeded", in)
			continue
		}
		if strings.Contains(err.Error(), "SK") && strings.Contains(in, ":SK@") {
			t.Errorf("ParseS3URL(%q) error shows the secret: %v", in, err)
		}
	}
	for _, in := range []string{"", "/var/lib/blobs", "file:///var/lib/blobs", "s3://AK:SK@h:1/bkt"} {
		if err := blob.Check(in); err != nil {
			t.Errorf("Check(%q) = %v", in, err)
		}
	}
	for _, in := range []string{"relative/dir", "ftp://x", "file://host/x", "s3://h:1/bkt"} {
		if err := blob.Check(in); err == nil {
			t.Errorf("Check(%q) succeeded", in)
		}
	}
}
