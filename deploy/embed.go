// Package deploy holds the files that deploy Symposium: the container image,
// the Compose and Kubernetes manifests, and the GitHub App manifest.
//
// The Go side only exposes the GitHub App manifest, which
// internal/appmanifest reads, so the YAML file stays the one source of truth.
package deploy

import _ "embed"

// GitHubAppManifest is deploy/github-app.yml: the GitHub App manifest with
// placeholder URLs.
//
//go:embed github-app.yml
var GitHubAppManifest []byte
