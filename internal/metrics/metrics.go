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
	// Polling and schedule triggers.
	TriggerRuns     *prometheus.CounterVec // by kind (poll, tick) and outcome
	PollDuration    prometheus.Histogram
	PollRecords     *prometheus.CounterVec // by what became of them (job, remembered, seen_before)
	OAuth2Refreshes *prometheus.CounterVec // by outcome
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
			Name: "patchbay_step_attempts_total", Help: "Step attempts, by outcome (succeeded, retry, deferred, failed).",
		}, []string{"outcome"}),
		TriggerRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_trigger_runs_total", Help: "Polls and schedule ticks run by this process, by kind (poll, tick) and outcome (ok, failed).",
		}, []string{"kind", "outcome"}),
		PollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "patchbay_poll_duration_seconds", Help: "Duration of one poll, every page included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		PollRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_poll_records_total", Help: "Records polls found, by what became of them (job, remembered, seen_before).",
		}, []string{"result"}),
		OAuth2Refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_oauth2_token_requests_total", Help: "OAuth2 token requests to providers (refreshes and client-credentials grants), by outcome (ok, failed, reauthorization_needed).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.WebhooksAccepted, m.WebhooksRejected, m.JobsFinished, m.StepDuration, m.StepAttempts,
		m.TriggerRuns, m.PollDuration, m.PollRecords, m.OAuth2Refreshes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
