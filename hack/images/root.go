package main

import "io/fs"

// baseRoot is what distroless/static gives the Containerfile's image, less
// CA certificates and tzdata (spo trusts only the cluster's CA, mounted by
// the kubelet): user and group names for 65532 so logs and `id` show
// "nonroot", a world-writable sticky /tmp for Go's os.TempDir, and an
// nsswitch.conf so the netgo resolver reads /etc/hosts before DNS.

const passwd = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
`

const group = `root:x:0:
nobody:x:65534:
nonroot:x:65532:
`

const nsswitch = "hosts: files dns\n"

// nonroot is distroless's unprivileged user, the one spo runs as.
const nonroot = 65532

func baseRoot() []entry {
	home := dir("home/nonroot", 0o700)
	home.uid, home.gid = nonroot, nonroot
	return []entry{
		dir("etc", 0o755),
		file("etc/passwd", 0o644, []byte(passwd)),
		file("etc/group", 0o644, []byte(group)),
		file("etc/nsswitch.conf", 0o644, []byte(nsswitch)),
		dir("home", 0o755),
		home,
		dir("root", 0o700),
		dir("tmp", fs.ModeSticky|0o777),
	}
}
