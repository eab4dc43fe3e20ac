// Package ops tests what operators install next to the pipeline, with the
// real tools: the shipped Prometheus configuration and rules scrape a
// running cluster, alerts travel through Alertmanager to a receiver, and
// every metric a rule or dashboard names is one a running process exports.
// `make test-ops` runs it (with promtool's checks); Debian's prometheus and
// prometheus-alertmanager provide the binaries.
package ops
