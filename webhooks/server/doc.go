// Package server wires `spo webhook`: the admission handlers (binding,
// recording), API version conversion, TLS (certs) and the webhook
// configuration objects (config), plus the cache settings they need. It
// only registers things; cmd/spo parses flags and the integration tests run
// exactly the same server.
package server
