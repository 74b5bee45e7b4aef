#!/usr/bin/env bash
# The site's REST API (issue 17, item 1) with real processes and curl: `site serve --api-listen`
# serves /api/v1/ over TLS with a certificate from the domain CA; operators made with `site
# operator add` (tokens printed once, stored hashed); a viewer lists devices and is refused an
# action (403 api.role), no token is 401 api.auth, an operator quarantines a device (the evidence
# log names the operator), the events export as CSV, and a removed operator's token stops working.
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 3 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
s1=$(sed -n 1p serials.txt); s2=$(sed -n 2p serials.txt)

admin=$("$G" site operator add ada --state s --role admin 2>/dev/null)
op=$("$G" site operator add olivia --state s --role operator 2>/dev/null)
viewer=$("$G" site operator add vera --state s --role viewer 2>/dev/null)
[ "${#op}" -eq 43 ] || fail "a token is 256 bits in base64url (43 characters): '$op'"
expect_usage "$G" site operator add root --state s --role root
expect_refused operator.exists "$G" site operator add vera --state s --role admin
[ "$(stat -c %a s/operators.json)" = 600 ] || fail "operators.json is not 0600"
! grep -qF "$op" s/operators.json || fail "a token is stored in the clear"
"$G" site operator list --state s --json | jq -e 'length == 3 and (map(.role) | sort) == ["admin","operator","viewer"] and all(has("token_sha256") | not)' >/dev/null \
  || fail "site operator list: $("$G" site operator list --state s --json)"
ok "three operators made; tokens printed once, kept as SHA-256 in a 0600 file"

start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --no-mud --mirror-interval 0
reg=$(sed -n 's/^registrar listening on //p' "$T/SITE.out")
api=$(sed -n 's/^api listening on //p' "$T/SITE.out")
case "$api" in https://127.0.0.1:*/api/v1/) ;; *) fail "no API URL: $(cat "$T/SITE.out")" ;; esac
"$G" device onboard --state "d/$s1" --brski "$reg" --timeout 20 >/dev/null || fail "$s1 did not onboard"

# curl TOKEN METHOD PATH [curl args]: the body to $T/body, the status on stdout.
call() {
  local token=$1 method=$2 path=$3; shift 3
  local auth=()
  [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
  curl -sS --cacert s/domain-ca.pem -X "$method" "${auth[@]}" -o "$T/body" -w '%{http_code}' \
    "$@" "${api}${path}"
}
[ "$(call "" GET health)" = 200 ] && jq -e '.status == "ok"' "$T/body" >/dev/null || fail "health: $(cat "$T/body")"
[ "$(call "" GET openapi.json)" = 200 ] && jq -e '.openapi == "3.0.3" and (.paths | has("/devices/{serial}/quarantine"))' "$T/body" >/dev/null \
  || fail "openapi.json"
ok "health and the OpenAPI document answer without a token, over TLS verified against domain-ca.pem"

[ "$(call "" GET devices)" = 401 ] && jq -e '.error.check == "api.auth"' "$T/body" >/dev/null || fail "no token: $(cat "$T/body")"
[ "$(call "not-a-token" GET devices)" = 401 ] || fail "a wrong token was accepted"
[ "$(call "" GET devices -H "Cookie: session=1")" = 401 ] && jq -e '.error.check == "api.auth"' "$T/body" >/dev/null || fail "cookie"
ok "no token, a wrong token, or cookies alone: 401 api.auth"

[ "$(call "$viewer" GET "devices?sort=-serial&limit=2")" = 200 ] || fail "viewer list: $(cat "$T/body")"
jq -e '.total == 3 and (.devices | length) == 2 and .devices[0].serial > .devices[1].serial' "$T/body" >/dev/null \
  || fail "list: $(cat "$T/body")"
[ "$(call "$viewer" GET "devices?state=onboarded")" = 200 ] && jq -e --arg s "$s1" '.total == 1 and .devices[0].serial == $s' "$T/body" >/dev/null \
  || fail "filter: $(cat "$T/body")"
[ "$(call "$viewer" GET "devices/$s1")" = 200 ] && jq -e '.state == "onboarded" and (.credentials | length) == 1 and (.history | length) > 0' "$T/body" >/dev/null \
  || fail "detail: $(cat "$T/body")"
ok "a viewer lists, filters, sorts and pages the inventory and reads a device whole"

[ "$(call "$viewer" GET me)" = 200 ] && jq -e '.name == "vera" and .role == "viewer" and (has("token") | not)' "$T/body" >/dev/null \
  || fail "me: $(cat "$T/body")"
[ "$(call "$viewer" GET "devices?protocol=brski")" = 200 ] && jq -e --arg s "$s1" '.total == 1 and .devices[0].serial == $s and .devices[0].segment == "default"' "$T/body" >/dev/null \
  || fail "protocol filter: $(cat "$T/body")"
[ "$(call "$viewer" GET "devices?segment=default&protocol=none")" = 200 ] && jq -e '.total == 2' "$T/body" >/dev/null || fail "segment filter: $(cat "$T/body")"
[ "$(call "$viewer" GET "devices?protocol=carrier-pigeon")" = 400 ] && jq -e '.error.check == "api.filter"' "$T/body" >/dev/null || fail "a bad protocol"
[ "$(call "$viewer" GET "stats/onboarding?minutes=10")" = 200 ] \
  && jq -e '.totals.brski.ok == 1 and (.per_minute.brski.ok | length) == 10 and (.per_minute.brski.ok | add) == 1 and .truncated == false' "$T/body" >/dev/null \
  || fail "stats: $(cat "$T/body")"
[ "$(call "$viewer" GET "stats/onboarding?minutes=99999")" = 400 ] && jq -e '.error.check == "api.query"' "$T/body" >/dev/null || fail "stats window"
[ "$(call "$viewer" GET "policy/decision?serial=$s1&protocol=brski")" = 200 ] || fail "decision: $(cat "$T/body")"
"$G" site policy check --state s "$s1" --protocol brski --json | jq -S . > "$T/cli.json"
jq -S . "$T/body" | diff - "$T/cli.json" >/dev/null || fail "the API's decision differs from site policy check: $(cat "$T/body")"
[ "$(call "$viewer" GET "policy/decision?serial=NOPE-00000000")" = 404 ] && jq -e '.error.check == "policy.unknown-device"' "$T/body" >/dev/null \
  || fail "decision for an unknown serial: $(cat "$T/body")"
redirect=$(curl -sS --cacert s/domain-ca.pem -o /dev/null -w '%{http_code} %{redirect_url}' "${api%/api/v1/}/")
[ "$redirect" = "302 ${api%/api/v1/}/ui/" ] || fail "/ does not lead to the dashboard: $redirect"
ok "me; filters by protocol and segment; onboardings per minute (1 BRSKI); the policy's decision as site policy check gives it; / leads to /ui/"

code=$(call "$viewer" POST "devices/$s1/quarantine" -H 'Content-Type: application/json' -d '{"reason":"viewer tries"}')
[ "$code" = 403 ] && jq -e '.error.check == "api.role"' "$T/body" >/dev/null || fail "viewer acted: $code $(cat "$T/body")"
[ "$("$G" site devices show --state s "$s1" --json | jq -r .state)" = onboarded ] || fail "the refused action changed the device"
ok "a viewer's action is refused: 403 api.role, nothing changed"

code=$(call "$op" POST "devices/$s1/quarantine" -H 'Content-Type: application/json' -d '{"reason":"scans, then \"beacons\""}')
[ "$code" = 200 ] && jq -e '.from == "onboarded" and .to == "quarantined"' "$T/body" >/dev/null || fail "quarantine: $code $(cat "$T/body")"
[ "$("$G" site devices show --state s "$s1" --json | jq -r .state)" = quarantined ] || fail "not quarantined"
"$G" site events --state s --serial "$s1" --json \
  | jq -e '[.[] | select(.kind == "device.quarantine" and .detail.operator == "olivia" and .detail.actor == "operator")] | length == 1' >/dev/null \
  || fail "the quarantine does not name the operator"
code=$(call "$op" POST "devices/$s2/release" -H 'Content-Type: application/json' -d '{}')
[ "$code" = 409 ] && jq -e '.error.check == "device.state"' "$T/body" >/dev/null || fail "release of a device not quarantined: $code"
[ "$(call "$op" PUT policy -H 'Content-Type: application/yaml' --data-binary 'default: {action: deny}')" = 403 ] || fail "an operator changed the policy"
ok "an operator quarantines $s1 (the evidence log names olivia); a wrong state is 409; the policy is the admin's"

code=$(call "$op" POST actions/quarantine -H 'Content-Type: application/json' -d '{"filter":{},"reason":"all"}')
[ "$code" = 400 ] && jq -e '.error.check == "api.filter"' "$T/body" >/dev/null || fail "an empty filter was accepted: $code"
ok "a bulk action with an empty filter is refused (api.filter)"

# A body over the server's 256 KiB reaches the bundle import with an admin's token only (the
# import's own check); anyone else's is answered 413 from the head, before the body is read (curl
# sends the head alone first, with Expect: 100-continue, and stops at the answer).
head -c 307200 /dev/zero | tr '\0' x > big.txt
[ "$(call "$admin" POST bundles -H 'Content-Type: application/x-pem-file' -H 'Expect: 100-continue' --data-binary @big.txt)" = 400 ] \
  && jq -e '.error.check | startswith("bundle")' "$T/body" >/dev/null || fail "an admin's large bundle: $(head -c 300 "$T/body")"
for who in "$op" "$viewer" ""; do
  [ "$(call "$who" POST bundles -H 'Content-Type: application/x-pem-file' -H 'Expect: 100-continue' --data-binary @big.txt)" = 413 ] \
    || fail "a large body without an admin's token was not refused 413: $(head -c 300 "$T/body")"
done
[ "$(call "$admin" PUT policy -H 'Content-Type: application/yaml' -H 'Expect: 100-continue' --data-binary @big.txt)" = 413 ] \
  || fail "a large policy was not refused 413"
ok "a 300 KiB body reaches the bundle import with an admin's token; an operator's, a viewer's, none, or another route: 413"

[ "$(call "$viewer" GET "events?serial=$s1&format=csv")" = 200 ] || fail "csv: $(cat "$T/body")"
python3 - "$T/body" "$s1" <<'PY' || fail "CSV export: $(cat "$T/body")"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["id", "at", "serial", "kind", "outcome", "reason", "detail"], rows[0]
assert all(len(r) == 7 for r in rows), rows
q = [r for r in rows[1:] if r[3] == "device.quarantine"]
assert len(q) == 1 and q[0][2] == sys.argv[2], q
assert q[0][5] == 'scans, then "beacons"', q[0][5]
assert json.loads(q[0][6])["operator"] == "olivia"
PY
[ "$(call "$viewer" GET "events?serial=NOPE-00000000")" = 404 ] && jq -e '.error.check == "inventory.unknown"' "$T/body" >/dev/null || fail "unknown serial"
ok "the evidence log exports as CSV (header row, RFC 4180 quoting read back by Python's csv)"

# The event feed as curl reads it: one held connection (chunked), each entry as it commits.
curl -sS -N --cacert s/domain-ca.pem -H "Authorization: Bearer $viewer" --max-time 30 \
  "${api}events/stream?serial=$s1&hold=20" > stream.txt 2> stream.err &
cpid=$!
cleanup_hooks+=("kill $cpid 2>/dev/null")
for _ in $(seq 100); do grep -q '^retry: 500' stream.txt && break; sleep 0.05; done
grep -q '^retry: 500' stream.txt || fail "the stream did not start: $(cat stream.txt stream.err)"
[ "$(call "$op" POST "devices/$s1/revoke" -H 'Content-Type: application/json' -d '{"reason":"streamed"}')" = 200 ] \
  || fail "revoke: $(cat "$T/body")"
for _ in $(seq 60); do grep -q '"device.revoke"' stream.txt && break; sleep 0.05; done
grep '^data: ' stream.txt | sed 's/^data: //' | jq -se --arg s "$s1" 'map(select(.kind == "device.revoke" and .serial == $s and .detail.by == "operator")) | length == 1' >/dev/null \
  || fail "the revocation did not come down the open stream within 3 s: $(cat stream.txt)"
kill -0 "$cpid" 2>/dev/null || fail "the stream ended instead of staying open"
kill "$cpid"; wait "$cpid" 2>/dev/null || true
ok "curl holds /events/stream open and reads the revocation of $s1 as it commits"

# A second serve on the same state with --no-upkeep answers the API and leaves the CRL alone (a
# serve with upkeep rewrites it on its first tick, a second after it starts).
kill "$SITE_PID"; wait "$SITE_PID" 2>/dev/null || true
crl_before=$(sha256sum < s/crl.pem)
start_server SITE2 "$G" site serve --state s --api-listen 127.0.0.1:0 --no-mud --no-upkeep
api2=$(sed -n 's/^api listening on //p' "$T/SITE2.out")
api=$api2
[ "$(call "$op" POST "devices/$s2/quarantine" -H 'Content-Type: application/json' -d '{"reason":"two"}')" = 200 ] \
  || fail "the second serve's API: $(cat "$T/body")"
sleep 2.5
[ "$(sha256sum < s/crl.pem)" = "$crl_before" ] || fail "a --no-upkeep serve rewrote the CRL"
! grep -q "CRL published" "$T/SITE2.err" || fail "a --no-upkeep serve published the CRL"
ok "a second serve with --no-upkeep answers the API and leaves the CRL and the sweeps to the first"

"$G" site operator remove vera --state s >/dev/null
[ "$(call "$viewer" GET devices)" = 401 ] || fail "a removed operator's token still works"
[ "$(call "$admin" GET operators)" = 200 ] && jq -e '.operators | length == 2' "$T/body" >/dev/null || fail "operators: $(cat "$T/body")"
ok "a removed operator's token is refused at once"
finish
