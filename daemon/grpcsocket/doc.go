// Package grpcsocket is how node-local spo processes talk gRPC: over Unix
// sockets in DefaultDir, created with mode 0600 so that only root (the
// daemon, the bpf-recorder and the log-enricher all run as root) can
// connect. There is no TLS and no authentication beyond the file mode:
// whoever can open the socket is trusted.
//
// Listen never exposes the socket with a wider mode, not even briefly: it
// binds in a private directory, chmods, then renames into place. Dial
// waits until the connection is up, so a missing server is reported at
// Dial rather than at the first call.
package grpcsocket
