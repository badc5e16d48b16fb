// Package sim is the plumbing every simulated provider (atto/attotest,
// truelayer/truelayertest, ...) shares: an httptest server on loopback with
// a request log, a count of accepted TCP connections, and injectable faults
// (429 with Retry-After, 5xx, HTML proxy pages, slow answers, dropped
// connections, truncated or oversized bodies). It is public so that your
// tests can hand a simulator's Inject a [Fault]:
//
//	srv := finchtest.NewServer()
//	srv.Inject("POST /auth/token", 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
package sim

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Entry is one request the server received.
type Entry struct {
	Method string
	Path   string // escaped path, without the server's prefix stripped
	Query  string
	Header http.Header
	Body   []byte
	// Fault is the kind of fault injected for this request, empty when none.
	Fault FaultKind
}

// FaultKind names an injected fault.
type FaultKind string

// The faults a Server can inject.
const (
	// FaultStatus answers Status (default 503) with a JSON body (Body, or a
	// generic error) and Retry-After when set.
	FaultStatus FaultKind = "status"
	// FaultHTML answers Status (default 502) with an HTML page, as a proxy
	// in front of the provider would.
	FaultHTML FaultKind = "html"
	// FaultDelay waits Delay (or until the client gives up) and then lets
	// the real handler answer.
	FaultDelay FaultKind = "delay"
	// FaultDropBeforeRead closes the connection without reading the request.
	FaultDropBeforeRead FaultKind = "drop-before-read"
	// FaultDropAfterRead reads the whole request, lets the real handler act
	// on it, then closes the connection without answering: the provider did
	// the work, the client never learns.
	FaultDropAfterRead FaultKind = "drop-after-read"
	// FaultTruncate answers 200 with a JSON body cut in half (Content-Length
	// promises more).
	FaultTruncate FaultKind = "truncate"
	// FaultHugeBody answers 200 with a JSON-looking body of Size bytes
	// (default 20 MiB), streamed.
	FaultHugeBody FaultKind = "huge-body"
)

// Fault is one injected misbehaviour.
type Fault struct {
	Kind       FaultKind
	Status     int
	RetryAfter string // Retry-After header value, for FaultStatus
	Body       string // body for FaultStatus
	Delay      time.Duration
	Size       int64
}

type rule struct {
	route string // "METHOD /path" (path below the server root), or "" for any
	left  int
	fault Fault
}

// Server is an httptest server with faults and a request log. It is safe
// for concurrent use.
type Server struct {
	*httptest.Server
	handler http.Handler

	mu    sync.Mutex
	rules []*rule
	log   []Entry

	conns atomic.Int64
}

// NewServer starts a loopback server that serves h behind the fault and log
// layer.
func NewServer(h http.Handler) *Server {
	s := &Server{handler: h}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Server.Start()
	return s
}

// Inject makes the next n requests to route ("POST /v1/reauthuri"; "" for
// every route) misbehave as f. Rules are consumed in the order they were
// added.
func (s *Server) Inject(route string, n int, f Fault) {
	s.mu.Lock()
	s.rules = append(s.rules, &rule{route: route, left: n, fault: f})
	s.mu.Unlock()
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.rules = nil
	s.mu.Unlock()
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.log...)
}

// Count returns how many requests hit route ("POST /path"); "" counts all.
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.log {
		if route == "" || e.Method+" "+e.Path == route {
			n++
		}
	}
	return n
}

// Connections returns how many TCP connections the server has accepted.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// ResetLog forgets the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

func (s *Server) take(route string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.rules {
		if r.route != "" && r.route != route {
			continue
		}
		r.left--
		if r.left <= 0 {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
		}
		return r.fault, true
	}
	return Fault{}, false
}

// maxLoggedBody caps what the log keeps of a request body.
const maxLoggedBody = 1 << 20

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.EscapedPath()
	f, faulty := s.take(route)
	if faulty && f.Kind == FaultDropBeforeRead {
		s.record(r, nil, f.Kind)
		hijackClose(w)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxLoggedBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.record(r, body, f.Kind)
	if !faulty {
		s.handler.ServeHTTP(w, r)
		return
	}
	switch f.Kind {
	case FaultStatus:
		status := cmp.Or(f.Status, http.StatusServiceUnavailable)
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		msg := f.Body
		if msg == "" {
			msg = `{"error":"simulated_fault","message":"simulated fault ` + strconv.Itoa(status) + `"}`
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, msg)
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(cmp.Or(f.Status, http.StatusBadGateway))
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>")
	case FaultDelay:
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
		s.handler.ServeHTTP(w, r)
	case FaultDropAfterRead:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		hijackClose(w)
	case FaultTruncate:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		full := rec.Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(full)+10))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(full[:len(full)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		hijackClose(w)
	case FaultHugeBody:
		size := f.Size
		if size <= 0 {
			size = 20 << 20
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte(" "), 64<<10)
		chunk[0] = '{'
		for written := int64(0); written < size; {
			n := min(int64(len(chunk)), size-written)
			if _, err := w.Write(chunk[:n]); err != nil {
				return // the client stopped reading: that is the point
			}
			chunk[0] = ' '
			written += n
		}
	default:
		s.handler.ServeHTTP(w, r)
	}
}

func (s *Server) record(r *http.Request, body []byte, kind FaultKind) {
	e := Entry{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  r.URL.RawQuery,
		Header: r.Header.Clone(),
		Body:   body,
		Fault:  kind,
	}
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
}

func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// WriteJSON writes v as a JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) string {
	const p = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
		return h[len(p):]
	}
	return ""
}

// NewID returns a random hex id with a prefix, for simulated resources.
func NewID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// NewSecret returns a random URL-safe token with a prefix, for simulated
// access tokens and codes.
func NewSecret(prefix string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}
