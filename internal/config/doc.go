// Package config holds Symposium's settings.
//
// app.go reads the process settings (GitHub App credentials, webhook
// secrets, Redis, listen address, worker tuning) from environment variables,
// with command-line flags overriding them, and validates them at start-up
// with errors that name the variable. Secrets are read from the environment
// only (never from flags, so they stay out of argv) and never logged.
//
// repo.go reads the per-repository settings from .github/symposium.toml.
package config
