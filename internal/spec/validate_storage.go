package spec

import "fmt"

// bucketNames checks the access log bucket of every environment that has
// buckets: short enough for S3, and the name of no other bucket the
// platform makes (a service's bucket, a database's backups, the Terraform
// state), in any environment. S3 bucket names are global, so a collision
// would fail the apply of whichever root comes second.
func (c *checker) bucketNames(m *Model) {
	p := m.Platform
	if p == nil || !m.HasBuckets() {
		return
	}
	type owner struct {
		src  *Source
		path string
		what string
	}
	taken := map[string]owner{}
	if p.Cloud.StateBucket != "" {
		taken[p.Cloud.StateBucket] = owner{p.Source, "cloud.stateBucket", "the Terraform state bucket"}
	}
	for _, e := range m.Environments {
		for _, s := range m.Services {
			for i, b := range s.Buckets {
				if b.Name != "" {
					taken[BucketName(p, e, s, b)] = owner{s.Source, fmt.Sprintf("buckets[%d].name", i), fmt.Sprintf("the bucket %s of %s", b.Name, s.Name)}
				}
			}
			if s.Database != nil {
				taken[BackupBucketName(p, e, s)] = owner{s.Source, "database", "the backup bucket of " + s.Name + "'s database"}
			}
		}
	}
	reported := map[string]bool{}
	for _, e := range m.Environments {
		n := AccessLogBucketName(p, e)
		if len(n) > maxBucketName {
			c.errorf(e.Source, KindValue, "name", "the bucket of %s's S3 access logs, %q, is %d characters; S3 allows %d: shorten the environment or platform name", e.Name, n, len(n), maxBucketName)
			continue
		}
		o, ok := taken[n]
		if !ok {
			continue
		}
		if key := o.src.Path + "\x00" + o.path; !reported[key] {
			reported[key] = true
			c.errorf(o.src, KindValue, o.path, "%s would be named %q, the bucket of %s's S3 access logs; give it another name", o.what, n, e.Name)
		}
	}
}
