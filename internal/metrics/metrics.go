// Package metrics defines patchbay's Prometheus metrics on a registry of
// its own (no global state), served at /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector.
type Metrics struct {
	Registry *prometheus.Registry

	WebhooksAccepted prometheus.Counter
	WebhooksRejected *prometheus.CounterVec // by reason
	JobsFinished     *prometheus.CounterVec // by status
	StepDuration     *prometheus.HistogramVec
	StepAttempts     *prometheus.CounterVec // by outcome
}

// New registers the collectors on a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		WebhooksAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbay_webhooks_accepted_total", Help: "Webhook requests stored and answered 2xx.",
		}),
		WebhooksRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_webhooks_rejected_total", Help: "Webhook requests refused, by reason.",
		}, []string{"reason"}),
		JobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_jobs_finished_total", Help: "Jobs that reached a final status, by status.",
		}, []string{"status"}),
		StepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbay_step_duration_seconds", Help: "Duration of one step attempt.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"action"}),
		StepAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_step_attempts_total", Help: "Step attempts, by outcome (succeeded, retry, failed).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.WebhooksAccepted, m.WebhooksRejected, m.JobsFinished, m.StepDuration, m.StepAttempts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
