#!/usr/bin/env bash
# Builds kube-apiserver and etcd from Go modules (no prebuilt downloads) into a
# per-version cache outside the repo, and reuses them while present.
#   K8S_VERSION   k8s.io/kubernetes version (default below)
#   MRC_CACHE     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller)
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.34.4}"
CACHE_ROOT="${MRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller}"
OUT="$CACHE_ROOT/k8s-$K8S_VERSION"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# k8s's own go.mod replaces every staging module with ./staging/src/...; outside
# that tree each must point at the published v0.<minor>.<patch> instead.
go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >"$work/dl.json"
kmod="$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' "$work/dl.json")"
staging_version="v0.${K8S_VERSION#v1.}"
etcd_version="$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$kmod")"
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"

build_apiserver() {
  local d="$work/apiserver"
  mkdir -p "$d"
  {
    echo "module multiregion.dev/k8s-build"
    echo "go 1.24.0"
    echo "require k8s.io/kubernetes $K8S_VERSION"
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$kmod" |
      awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } >"$d/go.mod"
  cat >"$d/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  (cd "$d" && go mod tidy >/dev/null 2>&1 || true)
  (cd "$d" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" >/dev/null)
  local pkg=k8s.io/component-base/version
  (cd "$d" && go build -trimpath -o "$OUT/kube-apiserver.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
}

build_etcd() {
  local d="$work/etcd"
  mkdir -p "$d"
  cat >"$d/go.mod" <<MOD
module multiregion.dev/etcd-build
go 1.24.0
require go.etcd.io/etcd/server/v3 $etcd_version
MOD
  cat >"$d/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$d" && go mod tidy >/dev/null && go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" .)
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

echo "building etcd $etcd_version and kube-apiserver $K8S_VERSION into $OUT (first time: 10-20 min)" >&2
[[ -x "$OUT/etcd" ]] || build_etcd
[[ -x "$OUT/kube-apiserver" ]] || build_apiserver
echo "$OUT"
