#!/usr/bin/env bash
# The manufacturer's update repository against an independent TUF client: npm's tuf-js refreshes
# the repository `masa serve` publishes (from the root a device is made with), verifies and
# downloads a release's application; after a key rotation (a new root signed by the old and new
# root keys) it follows the new root; a target changed on the server is refused. Then the
# device's own agent onboards its application independently (IDevID, the manufacturer's service
# named in bootstrap/app-bootstrap.json), installing the newest release into its inactive slot.
source "$(dirname "$0")/lib.sh"
NODE_CLIENT="$GH_TESTS/integration/tuf_js_client.js"
[ -d "$GH_TESTS/node/node_modules/tuf-js" ] || fail "tuf-js is not installed (scripts/deps.sh)"
port=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://127.0.0.1:$port" >/dev/null
serial=$("$G" factory make --state f --model cam-1 --count 1 --out d)
dev="d/$serial"
[ -f "$dev/bootstrap/tuf-root.json" ] || fail "the device was made without its update root"
printf '#!/bin/sh\necho "camera app $GATEHOUSE_APP_VERSION running"\n' > app-1.1.sh
"$G" factory release --state f --model cam-1 --version 1.1.0 --file app-1.1.sh >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$port"
export NODE_EXTRA_CA_CERTS="$T/f/pki/root.pem"

tufjs() {  # tufjs DIR TARGET
  mkdir -p "$1/meta" "$1/targets"
  [ -f "$1/meta/root.json" ] || cp "$dev/bootstrap/tuf-root.json" "$1/meta/root.json"
  node "$NODE_CLIENT" "$MASA_URL/tuf/metadata" "$MASA_URL/tuf/targets" "$1/meta" "$1/targets" "$2"
}
out=$(tufjs c1 cam-1/1.1.0/app.bin) || fail "tuf-js refused our repository: $out"
want=$(sha256sum app-1.1.sh | cut -d' ' -f1)
[ "$(jq -r .sha256 <<<"$out")" = "$want" ] || fail "tuf-js got other bytes: $out"
ok "tuf-js refreshed root, timestamp, snapshot and targets and verified the release's app"
out=$(tufjs c1 cam-1/1.0.0/release.json) || fail "tuf-js: $out"
ok "tuf-js reads the release manifest of 1.0.0 too"

"$G" factory rotate-keys --state f --role root --role timestamp >/dev/null
printf '#!/bin/sh\necho "camera app $GATEHOUSE_APP_VERSION running"\n# 1.2\n' > app-1.2.sh
"$G" factory release --state f --model cam-1 --version 1.2.0 --file app-1.2.sh >/dev/null
out=$(tufjs c1 cam-1/1.2.0/app.bin) || fail "tuf-js did not follow the rotation: $out"
[ "$(jq -r .signed.version c1/meta/root.json)" = 2 ] || fail "tuf-js did not keep root version 2"
ok "after rotating the root and timestamp keys tuf-js walks to root version 2 and refreshes"

# A target changed on the server after it was signed.
f=$(ls f/tuf/repository/targets/cam-1/1.2.0/*.app.bin)
cp "$f" saved; printf 'tampered' > "$f"
if out=$(tufjs c2 cam-1/1.2.0/app.bin); then fail "tuf-js accepted a tampered target: $out"; fi
grep -qi "length\|hash\|digest" <<<"$out" || fail "tuf-js refused for another reason: $out"
cp saved "$f"
ok "tuf-js refuses a target changed after signing ($(jq -r .error <<<"$out" | cut -c1-60))"

# Our own client agrees, from the device: independent application-layer onboarding.
"$G" device app-onboard --state "$dev" --independent --json > app.json || fail "app-onboard: $(cat app.json)"
[ "$(jq -r .path app.json)" = independent ] || fail "path: $(cat app.json)"
[ "$(jq -r .version app.json)" = 1.2.0 ] || fail "version: $(cat app.json)"
[ "$(jq -r .version "$dev/firmware/release.json")" = 1.2.0 ] || fail "not running 1.2.0"
[ "$(readlink "$dev/firmware")" != "" ] || fail "the firmware is not a slot"
cmp "$dev/firmware/app.bin" app-1.2.sh || fail "the installed app is not the released one"
[ "$(jq -r .path "$dev/onboarding/app.json")" = independent ] || fail "not recorded on the device"
ok "the device app-onboarded independently: 1.2.0 verified, installed in slot $(readlink "$dev/firmware"), started, reported"

# A manufacturer service whose certificate does not chain to the anchor the device was made with.
"$G" factory init --state evil --name "Acme" --masa-url "https://127.0.0.1:$port" >/dev/null
kill "$MASA_PID"; wait "$MASA_PID" 2>/dev/null || true
"$G" factory make --state evil --model cam-1 --count 1 --out ed >/dev/null
start_server EVIL "$G" masa serve --state evil --listen "127.0.0.1:$port"
rm -rf "$dev/onboarding/app.json"
expect_refused tls.server-certificate "$G" device app-onboard --state "$dev" --independent
ok "an application service under another root is refused before anything is fetched"
finish
