#!/usr/bin/env bash
# Installs every Debian package Gatehouse needs to build, test and demo. Idempotent: installs only
# what is missing, and runs apt-get update only when something is. `deps.sh fuzz` installs what the
# fuzz targets need instead (clang and libFuzzer; `make fuzz`).
set -euo pipefail

packages=(
  # build
  g++ make cmake ninja-build ccache pkg-config clang-format git
  libssl-dev libsqlite3-dev nlohmann-json3-dev libqrencode-dev zlib1g-dev libp11-kit-dev
  libgtest-dev libgmock-dev libyaml-cpp-dev libnftables-dev libcbor-dev libtss2-dev
  # real components the product and its tests drive
  openssl sqlite3 jq zbar-tools wpasupplicant hostapd nftables
  python3-cbor2 python3-cryptography python3-jwt
  iproute2 dnsmasq-base busybox iputils-ping conntrack curl netcat-openbsd
  softhsm2 libengine-pkcs11-openssl opensc
  swtpm swtpm-tools tpm2-openssl tpm2-tools
  # the Debian package (make package; tests/integration/package.sh): dpkg-shlibdeps, lintian,
  # systemd-analyze for the units
  dpkg-dev lintian systemd
  # promtool, which checks the metrics' text format (tests/integration/metrics.sh)
  prometheus
  # independent peers from npm (tests/node: tuf-js, the TUF client the update tests run)
  nodejs
  # the dashboard's end-to-end test (tests/integration/dashboard.sh): Debian's Chromium, driven by
  # playwright-core from ui/node_modules (npm ci by the build's dashboard target)
  chromium
)
if [ "${1:-}" = fuzz ]; then
  packages=(clang-14 libclang-rt-14-dev)
fi

# The npm peers the tests run (pinned by tests/node/package-lock.json), once Node is there.
node_peers() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
  [ -d "$dir/node_modules/tuf-js" ] && return 0
  command -v npm >/dev/null || return 0
  echo "deps: npm ci in tests/node"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's npm, unless the installed Node brings its own (NodeSource's nodejs does).
if [ "${1:-}" != fuzz ] && ! command -v npm >/dev/null; then missing+=(npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  [ "${1:-}" = fuzz ] || node_peers
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${1:-}" = fuzz ] || node_peers
echo "deps: done"
