package blob

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config is where and how to reach an S3-compatible bucket.
type S3Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // "" lets the client discover it
	Secure    bool   // HTTPS; true unless ?secure=false
	// PartSize is the size of each part of a multipart upload, and so the
	// memory one upload of unknown length holds (8 MiB unless set; S3
	// requires at least 5 MiB).
	PartSize uint64
}

// ParseS3URL reads "s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false&region=R".
// The access and secret keys are URL-escaped if they hold reserved
// characters.
func ParseS3URL(raw string) (S3Config, error) {
	bad := func(why string) (S3Config, error) {
		return S3Config{}, fmt.Errorf("blob: %s: %s (want s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false)", Redact(raw), why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, fmt.Errorf("blob: the S3 URL does not parse (want s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false)")
	}
	if u.Scheme != "s3" {
		return bad("the scheme must be s3")
	}
	if u.User == nil || u.User.Username() == "" {
		return bad("the access key is missing")
	}
	secret, ok := u.User.Password()
	if !ok || secret == "" {
		return bad("the secret key is missing")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return bad("the host must be HOST:PORT")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return bad("the port must be 1–65535")
	}
	bucket := strings.Trim(u.Path, "/")
	if !validBucket(bucket) {
		return bad("the bucket must be 3–63 characters of a–z, 0–9, '.' and '-'")
	}
	c := S3Config{Endpoint: u.Host, AccessKey: u.User.Username(), SecretKey: secret, Bucket: bucket, Secure: true}
	q := u.Query()
	for k := range q {
		switch k {
		case "secure", "region":
		default:
			return bad("unknown parameter " + strconv.Quote(k))
		}
	}
	if s := q.Get("secure"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("secure must be true or false")
		}
		c.Secure = b
	}
	c.Region = q.Get("region")
	return c, nil
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i, r := range b {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (r == '-' || r == '.') && i > 0 && i < len(b)-1
		if !ok {
			return false
		}
	}
	return true
}

// S3 keeps blobs as objects of one bucket. Uploads of unknown length go
// up as multipart uploads of PartSize parts, so one upload holds one part
// in memory; an upload that fails is aborted, and its parts never become
// an object.
type S3 struct {
	c   *minio.Client
	cfg S3Config
}

// NewS3 connects to the bucket, creating it when it does not exist.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.PartSize == 0 {
		cfg.PartSize = 8 << 20
	}
	tr, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 transport: %w", err)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure, Region: cfg.Region,
		BucketLookup: minio.BucketLookupPath, Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 %s: bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, fmt.Errorf("blob: s3 %s: create bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
		}
	}
	return &S3{c: c, cfg: cfg}, nil
}

// Describe names the store.
func (s *S3) Describe() string { return "s3 " + s.cfg.Endpoint + "/" + s.cfg.Bucket }

// Client returns the underlying client, for benchmarks that compare with
// raw object transfers.
func (s *S3) Client() *minio.Client { return s.c }

// Bucket returns the bucket's name.
func (s *S3) Bucket() string { return s.cfg.Bucket }

// Put uploads the blob, multipart beyond one part.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	info, err := s.c.PutObject(ctx, s.cfg.Bucket, key, sourceReader{ctxReader{ctx, r}}, -1, minio.PutObjectOptions{
		PartSize: s.cfg.PartSize, ContentType: "application/octet-stream", NumThreads: 1,
	})
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return info.Size, nil
}

func notFoundS3(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

// Get starts the object's download.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	// GetObject is lazy: Stat sends the request, so a missing object is
	// known now rather than at the first read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if notFoundS3(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return obj, nil
}

// Delete removes the object.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil && !notFoundS3(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Stat returns the object's length.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	info, err := s.c.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if notFoundS3(err) {
			return 0, ErrNotFound
		}
		return 0, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return info.Size, nil
}

// sourceReader wraps every failure of the source but io.EOF: the client
// library reads parts with io.ReadFull and takes io.ErrUnexpectedEOF for
// the end of the stream, which would complete the upload of a stream that
// was cut off.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("blob: source: %w", err)
	}
	return n, err
}
