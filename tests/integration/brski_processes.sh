#!/usr/bin/env bash
# BRSKI with real processes on loopback: masa serve, site serve, device onboard; OpenSSL and curl
# as independent checkers and EST clients (issue 3, "done when").
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 24 --out d > serials.txt
"$G" factory make --state f --model th-1 --count 1 --out d > unsold.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0
echo "masa $MASA_URL site $SITE_URL"

# Three devices.
for s in $(sed -n 1,3p serials.txt); do
  "$G" device onboard --state "d/$s" --brski "$SITE_URL" --timeout 20 >/dev/null || fail "$s did not onboard"
  on=d/$s/onboarding
  for f in ldevid.pem domain-ca.pem voucher.cms network.json; do [ -s "$on/$f" ] || fail "$s: no $f"; done
  openssl verify -CAfile s/domain-ca.pem "$on/ldevid.pem" >/dev/null || fail "$s: LDevID does not verify"
  openssl cms -verify -inform DER -in "$on/voucher.cms" -CAfile f/pki/masa.pem -partial_chain -purpose any \
    -out voucher.json 2>/dev/null || fail "$s: voucher does not verify with the MASA certificate"
  jq -e --arg s "$s" '."ietf-voucher:voucher"."serial-number" == $s and ."ietf-voucher:voucher".assertion == "proximity"' \
    voucher.json >/dev/null || fail "$s: voucher JSON"
  pinned=$(jq -r '."ietf-voucher:voucher"."pinned-domain-cert"' voucher.json | base64 -d | openssl x509 -inform DER -noout -fingerprint -sha256)
  [ "$pinned" = "$(openssl x509 -in s/domain-ca.pem -noout -fingerprint -sha256)" ] || fail "$s: pinned cert is not the domain CA"
  [ "$("$G" site devices --state s --json | jq -r --arg s "$s" '.[] | select(.serial==$s) | .state')" = onboarded ] \
    || fail "$s: not onboarded in the inventory"
done
ok "3 devices onboarded; openssl verifies each LDevID and voucher; the voucher pins the domain CA"

# EST with curl and openssl as the client.
s=$(head -1 serials.txt)
host=${SITE_URL#https://}
# (outputs captured before grep -q: with pipefail an early-quitting grep could fail the writer)
cacerts=$(curl -sf --cacert s/domain-ca.pem --resolve "localhost:${host##*:}:127.0.0.1" "https://localhost:${host##*:}/.well-known/est/cacerts" \
  | base64 -d | openssl pkcs7 -inform DER -print_certs -noout)
grep -q "Example Site Domain CA" <<< "$cacerts" || fail "curl /cacerts"
csrattrs=$(curl -sf -k "$SITE_URL/.well-known/est/csrattrs" | base64 -d | openssl asn1parse -inform DER)
grep -q "ecdsa-with-SHA256" <<< "$csrattrs" || fail "curl /csrattrs"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout new.key -subj "/CN=$s/serialNumber=$s" \
  -outform DER 2>/dev/null | base64 > new.csr.b64
code=$(curl -s -k -o /dev/null -w '%{http_code}' --data-binary @new.csr.b64 -H "Content-Type: application/pkcs10" \
  "$SITE_URL/.well-known/est/simpleenroll")
[ "$code" = 401 ] || fail "simpleenroll without a client certificate answered $code"
code=$(curl -s -k -o /dev/null -w '%{http_code}' --cert "d/$s/onboarding/ldevid.pem" --key "d/$s/keystore/ldevid.key" \
  --data-binary @new.csr.b64 -H "Content-Type: application/pkcs10" "$SITE_URL/.well-known/est/simpleenroll")
[ "$code" = 403 ] || fail "simpleenroll without a voucher on the session answered $code"
curl -sf -k --cert "d/$s/onboarding/ldevid.pem" --key "d/$s/keystore/ldevid.key" --data-binary @new.csr.b64 \
  -H "Content-Type: application/pkcs10" "$SITE_URL/.well-known/est/simplereenroll" > renewed.b64 || fail "curl simplereenroll"
base64 -d renewed.b64 | openssl pkcs7 -inform DER -print_certs > renewed.pem
openssl verify -CAfile s/domain-ca.pem renewed.pem >/dev/null || fail "re-enrolled certificate does not verify"
diff <(openssl x509 -in renewed.pem -noout -pubkey) <(openssl pkey -in new.key -pubout) >/dev/null || fail "wrong key certified"
ok "EST /cacerts, /csrattrs and /simplereenroll work with curl and openssl; /simpleenroll without a certificate is 401, without a voucher 403"

# Reset and onboard again: a fresh LDevID; the old one is superseded.
s=$(sed -n 2p serials.txt)
old=$(openssl x509 -in "d/$s/onboarding/ldevid.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
"$G" device reset --state "d/$s" >/dev/null
[ ! -e "d/$s/onboarding" ] || fail "reset left onboarding/"
"$G" device onboard --state "d/$s" --brski "$SITE_URL" >/dev/null || fail "re-onboarding"
new=$(openssl x509 -in "d/$s/onboarding/ldevid.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
[ "$old" != "$new" ] || fail "same LDevID after reset"
[ "$(sqlite3 s/inventory.db "select status from credentials where serial_hex='$old'")" = superseded ] || fail "old LDevID not superseded"
[ "$(sqlite3 s/inventory.db "select status from credentials where serial_hex='$new'")" = active ] || fail "new LDevID not active"
ok "reset then onboard: new LDevID, the old one superseded"

# A device the site never bought; an unreachable MASA.
expect_refused policy.unknown-device "$G" device onboard --state "d/$(cat unsold.txt)" --brski "$SITE_URL" --timeout 2
s=$(sed -n 24p serials.txt)
kill "$MASA_PID"; wait "$MASA_PID" 2>/dev/null || true
expect_refused masa.unreachable "$G" device onboard --state "d/$s" --brski "$SITE_URL" --timeout 2
[ "$("$G" site devices --state s --json | jq -r --arg s "$s" '.[] | select(.serial==$s) | .state')" = expected ] || fail "state changed"
[ ! -e "d/$s/onboarding" ] || fail "device kept something"
"$G" site events --state s --json | jq -e --arg s "$s" '[.[] | select(.serial==$s and .reason=="masa.unreachable")] | length >= 1' >/dev/null \
  || fail "no evidence of the unreachable MASA"
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
"$G" device onboard --state "d/$s" --brski "$SITE_URL" >/dev/null || fail "onboarding once the MASA is back"
ok "unreachable MASA: refused, nothing recorded as onboarded; works once it is back"

# The MASA's audit trail has every voucher it issued.
issued=$(sqlite3 f/registry.db "select count(*) from masa_log where outcome='issued'")
[ "$issued" -ge 5 ] || fail "MASA logged $issued vouchers"
ok "MASA logged $issued issued vouchers"

# Kill the site mid-flow: no LDevID may exist on a device without its inventory entry.
pids=()
for s in $(sed -n 4,23p serials.txt); do
  "$G" device onboard --state "d/$s" --brski "$SITE_URL" --timeout 3 >/dev/null 2>&1 &
  pids+=($!)
done
sleep 0.15
kill -9 "$SITE_PID"
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
checked=0
for s in $(sed -n 4,23p serials.txt); do
  [ -e "d/$s/onboarding/ldevid.pem" ] || continue
  hex=$(openssl x509 -in "d/$s/onboarding/ldevid.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
  [ "$(sqlite3 s/inventory.db "select count(*) from credentials where serial_hex='$hex'")" = 1 ] || fail "$s holds an unrecorded LDevID"
  checked=$((checked + 1))
done
# The site comes back with its records intact and finishes the rest.
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0
for s in $(sed -n 4,23p serials.txt); do
  [ -e "d/$s/onboarding/ldevid.pem" ] && continue
  rm -rf "d/$s/onboarding.partial"
  "$G" device onboard --state "d/$s" --brski "$SITE_URL" --timeout 20 >/dev/null || fail "$s after restart"
done
onboarded=$("$G" site devices --state s --json | jq '[.[] | select(.state=="onboarded")] | length')
enrolled=$("$G" site devices --state s --json | jq '[.[] | select(.state=="enrolled")] | length')
[ $((onboarded + enrolled)) -eq 24 ] || fail "$onboarded onboarded + $enrolled enrolled, expected 24 with an LDevID"
ok "site killed mid-flow: $checked LDevIDs already on devices were all recorded; after restart all 24 hold one ($onboarded reported success, $enrolled lost their report with the site)"
finish
