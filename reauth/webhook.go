package reauth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// DefaultMaxWebhookBytes caps a webhook body (1 MiB): provider deliveries are
// a few KiB, and a larger body is refused before it is read whole.
const DefaultMaxWebhookBytes = 1 << 20

// WebhookVerifier authenticates one webhook delivery and normalises it.
//
// Verify receives the request (for its headers and path) and the raw body,
// already read and capped by [NewWebhookHandler]: a verifier trusts the
// body it is given and caps nothing itself. It checks authenticity before it parses anything. It returns
// an error wrapping [ErrInvalidSignature] for a delivery that is not
// authentic, [ErrInvalidPayload] for an authentic one it cannot parse, and
// any other error when it could not decide (a key or consent lookup failed),
// in which case the provider should retry.
type WebhookVerifier interface {
	Verify(ctx context.Context, r *http.Request, body []byte) (*Event, error)
}

// WebhookHandlerOption configures [NewWebhookHandler].
type WebhookHandlerOption func(*webhookHandler)

// WithMaxWebhookBytes caps the body size; larger deliveries get 413. The
// default is DefaultMaxWebhookBytes; n <= 0 keeps it.
func WithMaxWebhookBytes(n int64) WebhookHandlerOption {
	return func(h *webhookHandler) {
		if n > 0 {
			h.maxBytes = n
		}
	}
}

// WithWebhookLogger logs refused deliveries and handler errors (never the
// body or headers). By default the handler logs nothing.
func WithWebhookLogger(l *slog.Logger) WebhookHandlerOption {
	return func(h *webhookHandler) { h.logger = l }
}

type webhookHandler struct {
	verifier WebhookVerifier
	handle   func(context.Context, Event) error
	maxBytes int64
	logger   *slog.Logger
}

// NewWebhookHandler returns an http.Handler for a provider's webhook
// deliveries. It answers:
//
//   - 405 to anything but POST;
//   - 413 to a body over the cap (read no further);
//   - 401 when the verifier says the delivery is not authentic, and always
//     when v is nil or a nil pointer: a handler without a verifier accepts
//     nothing;
//   - 400 to an authentic delivery that cannot be parsed;
//   - 503 when the verifier could not decide, and 500 when handle returned
//     an error, so that the provider delivers again;
//   - 200 only after handle returned nil.
//
// handle receives the request's context. A nil handle acknowledges every
// authentic delivery.
func NewWebhookHandler(v WebhookVerifier, handle func(context.Context, Event) error, opts ...WebhookHandlerOption) http.Handler {
	if isNil(v) {
		v = nil
	}
	h := &webhookHandler{verifier: v, handle: handle, maxBytes: DefaultMaxWebhookBytes}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	return h
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r == nil || w == nil {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed", nil)
		return
	}
	if h.verifier == nil {
		h.refuse(w, r, http.StatusUnauthorized, "no webhook verifier configured", nil)
		return
	}
	src := r.Body
	if src == nil {
		src = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, src, h.maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, "webhook body too large", nil)
			return
		}
		h.refuse(w, r, http.StatusBadRequest, "webhook body unreadable", err)
		return
	}
	ev, err := h.verifier.Verify(r.Context(), r, body)
	switch {
	case errors.Is(err, ErrInvalidSignature):
		h.refuse(w, r, http.StatusUnauthorized, "webhook not authentic", err)
		return
	case errors.Is(err, ErrInvalidPayload):
		h.refuse(w, r, http.StatusBadRequest, "webhook payload invalid", err)
		return
	case err != nil:
		h.refuse(w, r, http.StatusServiceUnavailable, "webhook could not be verified", err)
		return
	case ev == nil:
		h.refuse(w, r, http.StatusServiceUnavailable, "webhook verifier returned no event", nil)
		return
	}
	if h.handle != nil {
		if err := h.handle(r.Context(), *ev); err != nil {
			h.refuse(w, r, http.StatusInternalServerError, "webhook handler failed", err)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (h *webhookHandler) refuse(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if h.logger != nil {
		attrs := []any{slog.Int("status", status)}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		h.logger.WarnContext(r.Context(), "reauth: "+msg, attrs...)
	}
	http.Error(w, msg, status)
}
