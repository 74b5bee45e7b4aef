#!/usr/bin/env bash
# The web dashboard (issue 17, item 2) end to end: a site with three devices (two onboarded by
# BRSKI) serves its API and the dashboard; Debian's Chromium, driven by playwright-core
# (ui/e2e/dashboard.mjs), signs in as an operator, filters the inventory, opens a device,
# quarantines it through the confirmation dialog and sees its state change, follows a release made
# by the CLI without a reload, reads the onboarding and policy views, then signs in as a viewer
# and sees the refusal (api.role). Screenshots in GH_ARTIFACTS (build/artifacts/dashboard). Then
# the static files' limits with curl: no path out of the directory (.., encoded, a symbolic
# link), hidden files, a file over the size limit, methods other than GET.
source "$(dirname "$0")/lib.sh"

chromium=${GH_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then echo "skip: no $chromium (scripts/deps.sh installs it)"; exit 77; fi
ui_src=${GH_UI_SRC:?set GH_UI_SRC to the ui/ source directory}
artifacts=${GH_ARTIFACTS:-$T/artifacts}
built="$(dirname "$G")/ui"
[ -f "$built/index.html" ] || fail "the dashboard is not built in $built (cmake --build: target dashboard)"
[ -d "$ui_src/node_modules/playwright-core" ] || fail "no playwright-core in $ui_src/node_modules (npm ci)"
rm -rf "$artifacts"; mkdir -p "$artifacts"

mport=$(free_port); mudport=$(free_port)
murl="https://localhost:$mudport/th-1.json"
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 3 --out d --mud-url "$murl" > serials.txt
cat > th-1.json <<JSON
{"ietf-mud:mud":{"mud-version":1,"mud-url":"$murl","last-update":"2026-11-01T00:00:00Z","cache-validity":48,
 "is-supported":true,"systeminfo":"th-1","from-device-policy":{"access-lists":{"access-list":[{"name":"fr"}]}}},
 "ietf-access-control-list:acls":{"acl":[{"name":"fr","type":"ipv4-acl-type","aces":{"ace":[
  {"name":"cloud","matches":{"ipv4":{"protocol":6,"ietf-acldns:dst-dnsname":"cloud.example.com"},
   "tcp":{"destination-port":{"operator":"eq","port":443}}},"actions":{"forwarding":"accept"}}]}}]}}
JSON
"$G" factory publish-mud --state f --model th-1 --file th-1.json >/dev/null
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
s1=$(sed -n 1p serials.txt); s2=$(sed -n 2p serials.txt); s3=$(sed -n 3p serials.txt)
# Tokens go to 0600 files, never to the log.
(umask 077
 "$G" site operator add olivia --state s --role operator > operator.token 2>/dev/null
 "$G" site operator add vera --state s --role viewer > viewer.token 2>/dev/null)

start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport" --mud-listen "127.0.0.1:$mudport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --no-mud --mirror-interval 0
for _ in $(seq 100); do grep -q "^dashboard at" "$T/SITE.out" && break; sleep 0.05; done
reg=$(sed -n 's/^registrar listening on //p' "$T/SITE.out")
dash=$(sed -n 's/^dashboard at //p' "$T/SITE.out")
case "$dash" in https://127.0.0.1:*/ui/) ;; *) fail "no dashboard URL: $(cat "$T/SITE.out")" ;; esac
origin=${dash%/ui/}
for s in "$s1" "$s2"; do
  "$G" device onboard --state "d/$s" --brski "$reg" --timeout 20 >/dev/null || fail "$s did not onboard"
done
"$G" site mud show --state s "$s1" --fetch >/dev/null || fail "$s1's MUD file was not fetched"
ok "a site with $s1 (its MUD file verified) and $s2 onboarded and $s3 expected serves the dashboard at $dash (found beside the binary)"

# Chromium accepts the site's certificate (issued by the domain CA) by its SPKI hash alone.
hostport=${origin#https://}
spki=$(openssl s_client -connect "$hostport" -CAfile s/domain-ca.pem -verify_return_error </dev/null 2>/dev/null \
  | openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
[ -n "$spki" ] || fail "no certificate from $hostport"

rc=0
GH_DASH_URL=$origin GH_CHROMIUM=$chromium GH_SPKI=$spki GH_ARTIFACTS=$artifacts \
  GH_OPERATOR_TOKEN_FILE=$T/operator.token GH_VIEWER_TOKEN_FILE=$T/viewer.token \
  GH_SERIALS="$s1,$s2,$s3" GH_STATE=$T/s GATEHOUSE=$G \
  timeout -k 5 240 node "$ui_src/e2e/dashboard.mjs" || rc=$?
[ "$rc" -eq 0 ] || fail "the browser test failed ($rc); screenshots in $artifacts"
for p in inventory-filtered device-quarantined onboarding policy viewer-refused; do
  [ "$(head -c 8 "$artifacts/$p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "no screenshot $p.png"
done
ok "screenshots kept: $(cd "$artifacts" && echo *.png)"

# What the browser did is on record: the quarantine by olivia, the viewer's refusal changed nothing.
"$G" site events --state s --serial "$s1" --json \
  | jq -e '[.[] | select(.kind == "device.quarantine" and .detail.operator == "olivia")] | length == 1' >/dev/null \
  || fail "the dashboard's quarantine does not name olivia"
[ "$("$G" site devices show --state s "$s2" --json | jq -r .state)" = onboarded ] || fail "the viewer changed $s2"
ok "the evidence log names olivia for the quarantine; $s2 is still onboarded"

# The static files' limits, on a copy of the dashboard given by --ui-dir: a symbolic link out of
# it, a hidden file and a file over the 4 MiB limit.
cp -r "$built" ui
ln -s /etc/passwd ui/assets/leak.js
echo secret > ui/.hidden
head -c $((4 * 1024 * 1024 + 1)) /dev/zero > ui/assets/big.js
start_server SITE2 "$G" site serve --state s --api-listen 127.0.0.1:0 --ui-dir "$T/ui" --no-mud --mirror-interval 0
for _ in $(seq 100); do grep -q "^dashboard at" "$T/SITE2.out" && break; sleep 0.05; done
base=$(sed -n 's/^dashboard at //p' "$T/SITE2.out"); base=${base%/ui/}
get() { curl -sS --path-as-is --cacert s/domain-ca.pem -o "$T/body" -D "$T/head" -w '%{http_code}' "$@"; }
[ "$(get "$base/ui/")" = 200 ] && grep -qi '^content-type: text/html' "$T/head" \
  && grep -qi "^content-security-policy: .*script-src 'self'" "$T/head" && grep -qi '^x-frame-options: DENY' "$T/head" \
  || fail "/ui/: $(cat "$T/head")"
js=$(grep -o 'assets/index-[A-Za-z0-9_-]*\.js' "$T/body" | head -1)
[ "$(get "$base/ui/$js")" = 200 ] && grep -qi '^content-type: text/javascript' "$T/head" || fail "$js: $(cat "$T/head")"
! grep -q '<script>' "$T/body" || fail "an inline script"
[ "$(get "$base/ui")" = 302 ] && grep -qi '^location: /ui/' "$T/head" || fail "/ui does not lead to /ui/"
ok "--ui-dir: index.html as text/html with the CSP and X-Frame-Options, $js as text/javascript, /ui to /ui/"
for path in "/ui/../../../../etc/passwd" "/ui/%2e%2e/%2e%2e/etc/passwd" "/ui/assets/..%2f..%2f..%2fetc%2fpasswd" \
            "/ui/.hidden" "/ui/assets/%2e%2e%5cindex.html" "/ui/index.html%00.js"; do
  code=$(get "$base$path")
  [ "$code" = 400 ] && jq -e '.error.check == "ui.path"' "$T/body" >/dev/null || fail "$path: $code $(cat "$T/body")"
  ! grep -q root: "$T/body" || fail "$path leaked /etc/passwd"
done
[ "$(get "$base/ui/assets/leak.js")" = 404 ] && jq -e '.error.check == "ui.not-found"' "$T/body" >/dev/null || fail "symlink: $(cat "$T/body")"
[ "$(get "$base/ui/assets/big.js")" = 413 ] && jq -e '.error.check == "ui.size"' "$T/body" >/dev/null || fail "big file: $(cat "$T/body")"
[ "$(get "$base/ui/nothing.js")" = 404 ] || fail "a missing file"
[ "$(get -X POST "$base/ui/index.html")" = 405 ] && jq -e '.error.check == "ui.method"' "$T/body" >/dev/null || fail "POST"
ok "no way out of the directory (.., encoded .. and backslash, NUL, a symbolic link), no hidden file, 4 MiB at most, GET only"
finish
