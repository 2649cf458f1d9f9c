#!/usr/bin/env bash
# Installs the pinned moto server (the local AWS API emulator) when missing.
set -euo pipefail
MOTO_VERSION="${MOTO_VERSION:-5.2.1}"
have="$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)"
if [[ "$have" != "$MOTO_VERSION" ]] || ! python3 -c 'import flask, flask_cors' 2>/dev/null || ! command -v moto_server >/dev/null; then
  python3 -m pip install --quiet "moto[server]==$MOTO_VERSION" >&2
fi
command -v moto_server
