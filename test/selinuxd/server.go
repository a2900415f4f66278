// Package selinuxd is a stand-in for selinuxd (github.com/containers/selinuxd)
// for tests on machines without SELinux. It follows selinuxd's protocol:
// it watches a directory for <name>.cil files, "installs" each new or
// changed file, forgets deleted ones, and serves the same status API on a
// Unix socket (GET /policies/, GET /policies/{name}, GET /ready). Where
// selinuxd runs semodule, the stand-in compiles the module with secilc
// against the stub base policy and the modules already installed (and
// nothing else: spo's seed modules count only once the daemon has
// installed them), so a module that would not load gets "Failed" with
// secilc's message.
package selinuxd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server is a running stand-in.
type Server struct {
	dir, secilc string
	interval    time.Duration

	mu      sync.Mutex
	modules map[string]*module
	ready   bool

	http   *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

type module struct {
	content []byte
	Status  string `json:"status"`
	Msg     string `json:"msg"`
}

// Start watches dir and serves status on socket until Close. secilc is
// the compiler's path (see RequireSecilc).
func Start(dir, socket, secilc string) (*Server, error) {
	_ = os.Remove(socket)
	lst, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{dir: dir, secilc: secilc, interval: 20 * time.Millisecond,
		modules: map[string]*module{}, cancel: cancel, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /policies/{$}", s.list)
	mux.HandleFunc("GET /policies/{name}", s.status)
	mux.HandleFunc("GET /ready", s.readyz)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.http.Serve(lst) }()
	go s.watch(ctx)
	return s, nil
}

// Close stops serving and watching.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	return s.http.Close()
}

// watch polls the directory (selinuxd uses inotify; polling keeps the
// stand-in simple and is just as correct, only slower to notice).
func (s *Server) watch(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		s.scan()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Server) scan() {
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.cil"))
	sort.Strings(files)
	present := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".cil")
		present[name] = true
		content, err := os.ReadFile(f)
		if err != nil {
			continue // replaced or removed meanwhile: next scan
		}
		s.install(name, content)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.modules {
		if !present[name] {
			delete(s.modules, name) // semodule -r, then datastore removal
		}
	}
	s.ready = true
}

// install compiles content with the other installed modules, as semodule
// would load it into the node's policy; unchanged content is skipped, as
// selinuxd skips files whose checksum it has.
func (s *Server) install(name string, content []byte) {
	s.mu.Lock()
	if m, ok := s.modules[name]; ok && bytes.Equal(m.content, content) {
		s.mu.Unlock()
		return
	}
	var others [][]byte
	for n, m := range s.modules {
		if n != name && m.Status == "Installed" {
			others = append(others, m.content)
		}
	}
	s.mu.Unlock()
	m := &module{content: content, Status: "Installed"}
	if err := CompileBare(s.secilc, append(others, content)...); err != nil {
		m.Status, m.Msg = "Failed", err.Error()
	}
	s.mu.Lock()
	s.modules[name] = m
	s.mu.Unlock()
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.modules))
	for n := range s.modules {
		names = append(names, n)
	}
	s.mu.Unlock()
	sort.Strings(names)
	writeJSON(w, names)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.modules[r.PathValue("name")]
	var st module
	if ok {
		st = *m
	}
	s.mu.Unlock()
	if !ok {
		// selinuxd's words for a policy it has no status for.
		http.Error(w, "couldn't find requested policy", http.StatusNotFound)
		return
	}
	writeJSON(w, st)
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	writeJSON(w, map[string]bool{"ready": ready})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
