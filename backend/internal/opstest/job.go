package opstest

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// JobEnv is what a backup or drill Job finds in a cluster, on this
// machine: the S3 server at endpoint (through [AWSEnv], in eu-west-1) with
// bucket created, a Pushgateway stand-in, an empty scratch folder, and the
// Job's environment pointing at them (BACKUP_BUCKET, BACKUP_PREFIX,
// PUSHGATEWAY_URL, POD_NAMESPACE, DRILL_SCRATCH).
func JobEnv(t *testing.T, endpoint, bucket, prefix, namespace string) (Bucket, *Pushgateway) {
	t.Helper()
	AWSEnv(t, endpoint, "eu-west-1")
	client := S3(t)
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &bucket,
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	pgw := NewPushgateway(t)
	scratch, err := os.MkdirTemp("", "pgops-scratch-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(scratch) })
	os.Chmod(scratch, 0o755) // the scratch server runs as postgres when we are root
	for k, v := range map[string]string{
		"BACKUP_BUCKET": bucket, "BACKUP_PREFIX": prefix, "PUSHGATEWAY_URL": pgw.URL,
		"POD_NAMESPACE": namespace, "DRILL_SCRATCH": scratch,
	} {
		t.Setenv(k, v)
	}
	return Bucket{Client: client, Name: bucket}, pgw
}
