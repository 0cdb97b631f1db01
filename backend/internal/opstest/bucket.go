package opstest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Bucket is a backup bucket of a test's S3 server, for reading what pgops
// wrote and planting what it must refuse (a corrupt or truncated dump).
type Bucket struct {
	Client *s3.Client
	Name   string
}

// Get is the content of key; a missing key fails the test.
func (b Bucket) Get(t testing.TB, key string) []byte {
	t.Helper()
	out, err := b.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &b.Name, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Put writes body at key.
func (b Bucket) Put(t testing.TB, key string, body []byte) {
	t.Helper()
	if _, err := b.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &b.Name, Key: &key, Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

// PutJSON writes v as JSON at key (a manifest the test changed).
func (b Bucket) PutJSON(t testing.TB, key string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	b.Put(t, key, data)
}

// Keys lists every key of the bucket, in S3's (lexical) order.
func (b Bucket) Keys(t testing.TB) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(b.Client, &s3.ListObjectsV2Input{Bucket: &b.Name})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, *o.Key)
		}
	}
	return keys
}
