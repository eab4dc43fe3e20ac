// Package validate checks the deployment files under deploy/ (the
// Dockerfile, the compose file, the Kubernetes manifests and the systemd
// units) against the tools' own types and schemas and against the flags of
// the aurigraph binary they run. It is a module of its own so that the
// Kubernetes and compose libraries stay out of the product's dependencies;
// `make check-deploy` runs it.
package validate
