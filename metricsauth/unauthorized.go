package metricsauth

import (
	"net/http"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// authFilter is controller-runtime's authentication and authorization
// filter, except that a request it refuses before reaching the metrics
// handler with 500 is answered 401. The filter reports a bearer token the
// API server's TokenReview rejects as an authenticator error, and answers
// every such error 500 "Authentication failed" (filters.go), so a scraper
// with a wrong or expired token would see a server fault instead of being
// told its credentials are refused. Errors of the metrics handler itself
// pass unchanged.
func authFilter(c *rest.Config, hc *http.Client) (metricsserver.Filter, error) {
	inner, err := filters.WithAuthenticationAndAuthorization(c, hc)
	if err != nil {
		return nil, err
	}
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		// The filter hands the handler the writer it was given.
		h, err := inner(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if aw, ok := w.(*authErrorWriter); ok {
				aw.reached = true
			}
			next.ServeHTTP(w, r)
		}))
		if err != nil {
			return nil, err
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&authErrorWriter{ResponseWriter: w}, r)
		}), nil
	}, nil
}

// authErrorWriter turns the filter's own 500 into 401.
type authErrorWriter struct {
	http.ResponseWriter
	reached, rewritten bool
}

func (w *authErrorWriter) WriteHeader(code int) {
	if code == http.StatusInternalServerError && !w.reached {
		code, w.rewritten = http.StatusUnauthorized, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *authErrorWriter) Write(b []byte) (int, error) {
	if w.rewritten {
		_, err := w.ResponseWriter.Write([]byte("Unauthorized\n"))
		return len(b), err
	}
	return w.ResponseWriter.Write(b)
}
