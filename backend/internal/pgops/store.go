package pgops

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// store is the backup bucket. It sets no encryption headers: the bucket's
// default encryption (SSE-KMS with the storage key, set by Terraform)
// applies to every object, and a header here could only disagree with it.
type store struct {
	client *s3.Client
	bucket string
}

// newStore is the bucket's client. pathStyle addresses the bucket in the
// path, not the host name, which an S3 server on 127.0.0.1 (the tests' gofakes3 or moto) needs.
// The SDK's note that a download carried no checksum to validate is kept
// out of the Job's log, whose last line must be pgops's own: the drill
// checks the dump's sha256 against the manifest itself.
func newStore(cfg aws.Config, bucket string, pathStyle bool) *store {
	return &store{
		client: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = pathStyle
			o.DisableLogOutputChecksumValidationSkipped = true
		}),
		bucket: bucket,
	}
}

func (s *store) url(key string) string { return "s3://" + s.bucket + "/" + key }

// putFile uploads a file in one request (S3 takes up to 5 GiB so).
func (s *store) putFile(ctx context.Context, key, path string, size int64) error {
	if size > 5<<30 {
		return fmt.Errorf("upload %s: the dump is %d bytes, over the 5 GiB a single upload takes; pgops needs a multipart upload for this database", s.url(key), size)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &key, Body: f, ContentLength: &size,
		ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w (check BACKUP_BUCKET, and that the job's role may s3:PutObject there and use the bucket's KMS key)", s.url(key), err)
	}
	return nil
}

func (s *store) putJSON(ctx context.Context, key string, v any) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w (check BACKUP_BUCKET, and that the job's role may s3:PutObject there and use the bucket's KMS key)", s.url(key), err)
	}
	return nil
}

// list returns every key under prefix.
func (s *store) list(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w (check BACKUP_BUCKET and BACKUP_PREFIX, and that the job's role may s3:ListBucket on it)", s.url(prefix), err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

func (s *store) getJSON(ctx context.Context, key string, v any) error {
	out, err := s.get(ctx, key)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := json.NewDecoder(out).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", s.url(key), err)
	}
	return nil
}

// download writes an object to path and returns its size and sha256.
func (s *store) download(ctx context.Context, key, path string) (int64, string, error) {
	body, err := s.get(ctx, key)
	if err != nil {
		return 0, "", err
	}
	defer body.Close()
	f, err := os.Create(path)
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, "", fmt.Errorf("download %s: %w", s.url(key), err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func (s *store) get(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("download %s: %w (check that the job's role may s3:GetObject there and use the bucket's KMS key)", s.url(key), err)
	}
	return out.Body, nil
}
