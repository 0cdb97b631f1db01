package spec

// AccessLogBucketName is the bucket that receives the S3 server access logs
// of every bucket of environment e (modules/storage, access_logs.tf). Its
// last part has a hyphen, as a service bucket's "<service>-<bucket>" does,
// so validation checks that no service bucket takes it (bucketNames).
func AccessLogBucketName(p *Platform, e *Environment) string {
	return p.Name + "-" + e.Name + "-s3-access-logs"
}

// HasBuckets reports whether the environments hold any bucket: a service's
// own, or the backup bucket of its database. Only then does a root call the
// storage module, and only then is there an access log bucket.
func (m *Model) HasBuckets() bool {
	for _, s := range m.Services {
		if len(s.Buckets) > 0 || s.Database != nil {
			return true
		}
	}
	return false
}
