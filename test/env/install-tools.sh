#!/usr/bin/env bash
# Installs the Debian tools the packaging tests run, only when missing:
#   lua5.4        runs the Argo CD health scripts in deploy/argocd/
#   promtool      (package prometheus) checks and unit-tests deploy/prometheus/rules.yaml
#   libjemalloc2  the allocator the image preloads: the tests and the bench that run dist/main.js
#                 as the image does preload this machine's copy (test/env/image-env.ts)
# Runs as root (CI and the dev machines are root); otherwise uses sudo when present.
set -euo pipefail

missing=()
command -v lua5.4 >/dev/null 2>&1 || missing+=(lua5.4)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
/sbin/ldconfig -p 2>/dev/null | grep -q 'libjemalloc\.so\.2 ' || missing+=(libjemalloc2)
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-tools: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-tools: apt-get install ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# The prometheus package would also start a server; policy-rc.d forbids that during the
# install, and is removed again however the install ends.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
  $sudo chmod +x $policy
  trap '$sudo rm -f $policy' EXIT
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
