#!/usr/bin/env bash
# Builds the librdkafka that Moments runs on (Debian's source of the installed version) with
# symbols and frame pointers, for profiling only: Debian's library is stripped, so `perf` shows
# its share of a run as bare addresses, and a call graph through it stops there. Nothing is
# installed: the build stays in .build-librdkafka/, and a run picks it up with LD_LIBRARY_PATH.
#
# Usage: scripts/librdkafka-with-symbols.sh
#   then: LD_LIBRARY_PATH=$PWD/.build-librdkafka/src perf record -g .build/release/moments bench --suite e2e ...
#
# Debian's build options differ (SASL, compression libraries); the paths a benchmark runs
# through — produce, fetch, the mock cluster — are the same code.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
version=$(dpkg-query -W -f='${source:Upstream-Version}' librdkafka-dev)
out=.build-librdkafka
if [ -f "$out/src/librdkafka.so.1" ] && [ "$(cat "$out/VERSION-MOMENTS" 2>/dev/null)" = "$version" ]; then
    echo "already built: LD_LIBRARY_PATH=$PWD/$out/src" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
for tool in make gcc; do
    command -v "$tool" >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq build-essential >/dev/null; break; }
done
# The source package, through a sources list of its own (the system's has no deb-src line),
# downloaded into a scratch folder; apt's own lists and configuration are not touched.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
mkdir -p "$scratch/lists/partial" "$scratch/archives/partial"
echo "deb-src http://deb.debian.org/debian $codename main" > "$scratch/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$scratch/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$scratch/lists" -o Dir::Cache::Archives="$scratch/archives" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
(cd "$scratch" && apt-get "${apt_opts[@]}" source --download-only -qq "librdkafka=$(dpkg-query -W -f='${Version}' librdkafka-dev)" >/dev/null)
rm -rf "$out" && mkdir -p "$out"
tar xzf "$scratch"/librdkafka_"$version".orig.tar.gz -C "$out" --strip-components=1
# librdkafka's configure is mklove's, not autoconf's: it builds with -O2 -g by default, and
# reads every configure.* file beside it as a module (hence the logs' names). Frame pointers
# let perf's call graphs (-g) pass through librdkafka's functions.
(cd "$out" && ./configure --CFLAGS="-fno-omit-frame-pointer" >moments-configure.txt 2>&1 && nice make -j"$(nproc)" libs >moments-make.txt 2>&1)
echo "$version" > "$out/VERSION-MOMENTS"
echo "built librdkafka $version with symbols: LD_LIBRARY_PATH=$PWD/$out/src" >&2
