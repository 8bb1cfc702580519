#!/usr/bin/env bash
# Installs what building and testing Moments needs, only when it is missing.
#
#   scripts/install-deps.sh            the native libraries (librdkafka, jemalloc): building and `make demo`
#   scripts/install-deps.sh --python   also the Python modules the checks of `make test` use (jsonschema, PyYAML)
#
# Python modules go into the interpreter `python3` names when pip may install there (pyenv, a
# virtualenv); a Debian system Python refuses (PEP 668, "externally managed") or has no pip, so
# they then go into a virtual environment of the project's own, .build/python, which
# scripts/python runs the checks with.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    echo "installing $* (apt-get)" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
pkg-config --exists rdkafka 2>/dev/null || need_apt+=(librdkafka-dev)
# The moments executable links jemalloc as its allocator (Sources/MomentsApp/Daemon/Allocator.swift).
pkg-config --exists jemalloc 2>/dev/null || need_apt+=(libjemalloc-dev)
if [ "${1:-}" = "--python" ]; then command -v python3 >/dev/null 2>&1 || need_apt+=(python3); fi
[ ${#need_apt[@]} -eq 0 ] || apt_install "${need_apt[@]}"

[ "${1:-}" = "--python" ] || exit 0

has_modules() { "$1" -c 'import jsonschema, referencing, yaml' >/dev/null 2>&1; }
venv=.build/python
if has_modules python3 || { [ -x "$venv/bin/python3" ] && has_modules "$venv/bin/python3"; }; then exit 0; fi
echo "installing jsonschema and pyyaml (pip)" >&2
if python3 -m pip install --quiet 'jsonschema>=4.18' pyyaml 2>/dev/null && has_modules python3; then exit 0; fi
echo "python3 takes no pip installs here; into a virtual environment, $venv" >&2
if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
fi
"$venv/bin/python3" -m pip install --quiet 'jsonschema>=4.18' pyyaml
has_modules "$venv/bin/python3"
