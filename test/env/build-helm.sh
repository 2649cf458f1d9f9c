#!/usr/bin/env bash
# Builds the helm CLI from its Go module (no prebuilt download) into a per-version
# cache outside the repo, reuses it while present, and prints the binary's path.
#   HELM_VERSION  helm.sh/helm/v3 version (default below)
#   MRC_CACHE     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller)
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.19.5}"
CACHE_ROOT="${MRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller}"
OUT="$CACHE_ROOT/helm-$HELM_VERSION"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

if [[ -x "$OUT/helm" ]]; then
  echo "$OUT/helm"
  exit 0
fi
mkdir -p "$OUT"
gobin="$(mktemp -d)"
trap 'rm -rf "$gobin"' EXIT

echo "building helm $HELM_VERSION into $OUT (first time: a few minutes)" >&2
# Like helm's own Makefile: without these ldflags `helm version` says v3.x-dev and
# `helm template`/`helm lint` assume Kubernetes v1.20 (the chart needs a newer one).
# The Kubernetes version is the one helm's client-go release targets (v0.34 -> 1.34).
gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
client_go="$(awk '$1=="k8s.io/client-go"{print $2; exit}' "$gomod")"
k8s_minor="$(echo "$client_go" | cut -d. -f2)"
[[ -n "$k8s_minor" ]] || { echo "build-helm: no k8s.io/client-go in $gomod" >&2; exit 1; }
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done
# helm's go.mod has no replace directives, so `go install pkg@version` builds it as released.
GOBIN="$gobin" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
mv "$gobin/helm" "$OUT/helm.tmp"
mv "$OUT/helm.tmp" "$OUT/helm"
echo "$OUT/helm"
