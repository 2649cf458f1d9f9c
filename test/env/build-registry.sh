#!/usr/bin/env bash
# Builds a small OCI registry (go-containerregistry's in-memory `registry`) from its Go module
# into a per-version cache outside the repo, reuses it while present, and prints the binary's
# path. The release tests push the Helm chart to it on loopback and install from it.
#   REGISTRY_VERSION  github.com/google/go-containerregistry version (default below)
#   MRC_CACHE         cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller)
set -euo pipefail

REGISTRY_VERSION="${REGISTRY_VERSION:-v0.22.1}"
CACHE_ROOT="${MRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller}"
OUT="$CACHE_ROOT/registry-$REGISTRY_VERSION"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

if [[ -x "$OUT/registry" ]]; then
  echo "$OUT/registry"
  exit 0
fi
mkdir -p "$OUT"
gobin="$(mktemp -d)"
trap 'rm -rf "$gobin"' EXIT

echo "building the OCI registry (go-containerregistry $REGISTRY_VERSION) into $OUT (first time: under a minute)" >&2
# The module's go.mod has no replace directives, so `go install pkg@version` builds it as released.
GOBIN="$gobin" go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/registry@$REGISTRY_VERSION" >&2
mv "$gobin/registry" "$OUT/registry.tmp"
mv "$OUT/registry.tmp" "$OUT/registry"
echo "$OUT/registry"
