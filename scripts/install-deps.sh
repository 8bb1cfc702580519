#!/usr/bin/env bash
# Installs what building and testing Moments needs, only when it is missing.
set -euo pipefail

need_apt=()
pkg-config --exists rdkafka 2>/dev/null || need_apt+=(librdkafka-dev)
# The moments executable links jemalloc as its allocator (Sources/MomentsApp/Daemon/Allocator.swift).
pkg-config --exists jemalloc 2>/dev/null || need_apt+=(libjemalloc-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "installing ${need_apt[*]} (apt-get)" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import jsonschema, referencing' >/dev/null 2>&1; then
    echo "installing jsonschema (pip)" >&2
    python3 -m pip install --quiet 'jsonschema>=4.18'
fi

if ! python3 -c 'import yaml' >/dev/null 2>&1; then
    echo "installing pyyaml (pip)" >&2
    python3 -m pip install --quiet pyyaml
fi
