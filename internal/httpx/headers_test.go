package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestLoggedPathHidesTheWebhookToken(t *testing.T) {
	mux := http.NewServeMux()
	var got string
	record := func(w http.ResponseWriter, r *http.Request) { got = LoggedPath(r) }
	mux.HandleFunc("/webhooks/rest/{token}/{event}", record)
	mux.HandleFunc("GET /api/v1/jobs/{id}", record)
	for _, tc := range []struct{ path, want string }{
		{"/webhooks/rest/6f1c2c0e-6a63-4b7e-9a43-1f2d3c4b5a69/order", "/webhooks/rest/****/order"},
		{"/webhooks/rest/w/webhooks", "/webhooks/rest/****/webhooks"},
		{"/webhooks/rest/a%2Fb/order", "/webhooks/rest/****/order"},
		{"/api/v1/jobs/42", "/api/v1/jobs/42"},
	} {
		got = ""
		mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.path, nil))
		if got != tc.want {
			t.Errorf("LoggedPath(%s) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
