#!/usr/bin/env bash
# The whole life of a device after the sale (issue 16; IR 8350 Figure 6), with real processes: a
# device onboards by BRSKI to site A and is commissioned; the site asks it to rekey and its agent
# renews its LDevID (EST /simplereenroll, confirmed with the new certificate before the old one is
# superseded and listed in the CRL), and renews again by itself when due; a policy rule puts an
# unsupported device in a segment of its own; site A decommissions it and its agent wipes it; the
# owner sells it on (the manufacturer transfers ownership, a resale without --transfer refused),
# site B imports the bundle and onboards the wiped device, the MASA refuses site A's registrar for
# a device it no longer owns, site A records the device transferred; site B retires it. Wrong
# states, unknown devices and the evidence export tampered with are refused with the check named.
source "$(dirname "$0")/lib.sh"

mport=$(free_port); mudport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://127.0.0.1:$mport" >/dev/null
"$G" factory make --state f --model cam-1 --count 2 --out d > serials.txt
s1=$(sed -n 1p serials.txt); s2=$(sed -n 2p serials.txt)
# An older model whose MUD file says its manufacturer no longer supports it (RFC 8520 is-supported).
oldurl="https://localhost:$mudport/cam-0.json"
s3=$("$G" factory make --state f --model cam-0 --count 1 --out d --mud-url "$oldurl")
echo "$s3" >> serials.txt
cat > cam0.json <<JSON
{"ietf-mud:mud":{"mud-version":1,"mud-url":"$oldurl","last-update":"2026-11-01T00:00:00Z","cache-validity":48,
 "is-supported":false,"systeminfo":"cam-0","from-device-policy":{"access-lists":{"access-list":[{"name":"fr"}]}}},
 "ietf-access-control-list:acls":{"acl":[{"name":"fr","type":"ipv4-acl-type","aces":{"ace":[
  {"name":"cloud","matches":{"ipv4":{"protocol":6,"ietf-acldns:dst-dnsname":"cloud.example.com"},
   "tcp":{"destination-port":{"operator":"eq","port":443}}},"actions":{"forwarding":"accept"}}]}}]}}
JSON
"$G" factory publish-mud --state f --model cam-0 --file cam0.json >/dev/null
"$G" site init --state a --name "Site A" >/dev/null
"$G" site init --state b --name "Site B" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert a/domain-ca.pem --bundle a.pem >/dev/null
"$G" site import --state a a.pem --trust-anchor f/pki/root.pem >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport" --mud-listen "127.0.0.1:$mudport"
start_server SITEA "$G" site serve --state a --listen 127.0.0.1:0 --mirror-interval 0 \
  --checkpoint-interval 1
for s in $s1 $s2; do
  "$G" device onboard --state "d/$s" --brski "$SITEA_URL" --timeout 20 >/dev/null || fail "$s did not onboard"
done
show() { "$G" site devices show --state "$1" "$2" --json; }
show a "$s1" > show1.json
[ "$(jq -r '.state + " " + .phase' show1.json)" = "onboarded commissioned" ] || fail "show: $(cat show1.json)"
old=$(jq -r '.credentials[] | select(.status=="active") | .certificate_serial' show1.json)
ok "$s1 onboarded at site A: commissioned, LDevID $old"

# Renewal asked by the site, with a new key; the old credential stays valid until the device
# confirms the new one over TLS with it.
"$G" site renew --state a "$s1" --rekey >/dev/null
[ "$(show a "$s1" | jq -r .renewal_requested)" = rekey ] || fail "renewal not recorded"
"$G" device run --state "d/$s1" --rounds 1 --no-updates --json > run1.out 2> run1.err || fail "device run: $(cat run1.err)"
grep -q "renewed LDevID $old" run1.out || fail "no renewal: $(cat run1.out run1.err)"
show a "$s1" > show2.json
new=$(jq -r '.credentials[] | select(.status=="active") | .certificate_serial' show2.json)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "renewal: $(cat show2.json)"
[ "$(jq -r --arg o "$old" '.credentials[] | select(.certificate_serial==$o) | .status' show2.json)" = superseded ] || fail "old: $(cat show2.json)"
[ "$(jq -r .renewal_requested show2.json)" = "" ] || fail "request not cleared"
[ ! -e "d/$s1/keystore/ldevid.key" ] || fail "the old key is still on the device"
newcert=$(jq -r .credential.certificate "d/$s1/onboarding/network.json")
newkey=$(jq -r .credential.key "d/$s1/onboarding/network.json" | sed 's/^keystore://')
[ "$(openssl x509 -in "d/$s1/onboarding/$newcert" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')" = "${new#0}" ] || fail "device holds another certificate"
for _ in $(seq 40); do
  openssl crl -in a/crl.pem -noout -text | tr A-F a-f | grep -q "${old#0}" && break; sleep 0.1
done
openssl crl -in a/crl.pem -noout -text | tr A-F a-f | grep -q "${old#0}" || fail "the old LDevID is not in the CRL"
ok "site renew --rekey: the agent renewed $old -> $new with a new key, confirmed it, the old one superseded and in the CRL"
# The old certificate renews nothing any more; the new one works.
code=$(curl -sk -o resp.txt -w '%{http_code}' --cert "d/$s1/onboarding/$newcert" --key "d/$s1/keystore/$newkey.key" \
  "$SITEA_URL/.well-known/gatehouse/attest/challenge")
[ "$code" = 200 ] || fail "the new LDevID is not taken: $code $(cat resp.txt)"
ok "the renewed LDevID is the device's credential at the site"

# Renewal by the agent itself once its certificate is past the given fraction of its lifetime.
"$G" device run --state "d/$s1" --rounds 1 --no-updates --renew-at 0.000001 > run2.out 2>&1 || fail "$(cat run2.out)"
grep -q "renewed LDevID $new" run2.out || fail "no due renewal: $(cat run2.out)"
[ "$(show a "$s1" | jq '[.credentials[] | select(.status=="active")] | length')" = 1 ] || fail "two active credentials"
ok "the agent renews by itself when due (--renew-at), one active credential at a time"

# Unsupported: the policy decides its segment.
cat > pol.yaml <<'YAML'
rules:
  - name: unsupported-devices
    match: {state: [unsupported]}
    action: allow
    segment: legacy
default: {action: allow, segment: iot}
YAML
"$G" site policy set --state a pol.yaml >/dev/null
[ "$("$G" site policy check --state a "$s2" --protocol connect --json | jq -r .segment)" = iot ] || fail "segment before"
"$G" site unsupported --state a "$s2" --reason "end of support announced" >/dev/null
[ "$("$G" site policy check --state a "$s2" --protocol connect --json | jq -r .segment)" = legacy ] || fail "segment after"
ok "an unsupported device lands in the segment the policy gives that state"
# The MUD manager reads the verified file of an onboarded device: is-supported false.
"$G" device onboard --state "d/$s3" --brski "$SITEA_URL" --timeout 20 >/dev/null || fail "$s3 did not onboard"
for _ in $(seq 60); do [ "$(show a "$s3" | jq -r .state)" = unsupported ] && break; sleep 0.25; done
[ "$(show a "$s3" | jq -r .state)" = unsupported ] || fail "$s3 is $(show a "$s3" | jq -r .state): $(tail -5 "$T/SITEA.err")"
"$G" site events --state a --serial "$s3" --json | jq -e '[.[] | select(.kind=="device.unsupported" and .detail.actor=="mud-manager")] | length == 1' >/dev/null \
  || fail "not on record: $("$G" site events --state a --serial "$s3" --json | jq -c '[.[].kind]')"
[ "$("$G" site policy check --state a "$s3" --protocol connect --json | jq -r .segment)" = legacy ] || fail "segment of $s3"
ok "a MUD file saying is-supported: false moves its onboarded device to unsupported (the MUD manager, on record), in the policy's segment"

# Wrong states and unknown devices change nothing.
expect_refused lifecycle.state "$G" site retire --state a "$s1"
expect_refused lifecycle.state "$G" site repurpose --state a "$s1"
expect_refused lifecycle.state "$G" site maintenance --state a "$s2" --end
expect_refused inventory.unknown "$G" site decommission --state a ACME-99999999 --reason nothing
expect_usage "$G" site decommission --state a "$s1"
[ "$(show a "$s1" | jq -r .state)" = onboarded ] || fail "a refusal changed $s1"

# Decommissioning: credentials revoked, the agent wipes the device at its next contact.
"$G" site decommission --state a "$s1" --reason "moved out of building 2" >/dev/null
[ "$(show a "$s1" | jq -r '[.credentials[] | select(.status=="active" or .status=="pending")] | length')" = 0 ] || fail "credentials left"
rc=0; "$G" device run --state "d/$s1" --rounds 1 --no-updates > run3.out 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "device.decommissioned" run3.out || fail "agent: $rc $(cat run3.out)"
[ ! -e "d/$s1/onboarding" ] && [ -e "d/$s1/bootstrap/idevid.pem" ] || fail "the device was not wiped"
[ "$(ls "d/$s1/keystore" | grep -c '^ldevid')" = 0 ] || fail "LDevID keys left: $(ls "d/$s1/keystore")"
ok "decommissioned: credentials revoked, the agent wiped the device to bootstrap/ at its next contact"
expect_refused policy.state "$G" device onboard --state "d/$s1" --brski "$SITEA_URL" --timeout 5

# Resale: without --transfer the manufacturer refuses; with it, site B owns the device.
expect_refused sell.owner "$G" factory sell --state f --serial "$s1" --owner-cert b/domain-ca.pem --bundle b.pem
"$G" factory sell --state f --serial "$s1" --serial "$s2" --owner-cert b/domain-ca.pem --bundle b.pem --transfer >/dev/null
"$G" site import --state b b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server SITEB "$G" site serve --state b --listen 127.0.0.1:0 --no-mud --mirror-interval 0
"$G" device onboard --state "d/$s1" --brski "$SITEB_URL" --timeout 20 >/dev/null || fail "$s1 did not onboard at site B"
[ "$(show b "$s1" | jq -r .state)" = onboarded ] || fail "site B: $(show b "$s1")"
"$G" site decommission --state a "$s1" --reason "sold to Site B" --transfer >/dev/null
[ "$(show a "$s1" | jq -r .state)" = transferred ] || fail "site A: $(show a "$s1")"
ok "resold: site B onboarded the wiped device with a fresh credential; site A records it transferred"
# A device site A still thinks it owns: the MASA refuses site A's registrar.
"$G" device reset --state "d/$s2" >/dev/null
"$G" site maintenance --state a "$s2" --begin other >/dev/null 2>&1 || true
rc=0; "$G" device onboard --state "d/$s2" --brski "$SITEA_URL" --timeout 10 > onb2.out 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -qi "masa" onb2.out || fail "site A still onboarded $s2: $(cat onb2.out)"
ok "the MASA refuses site A's registrar for a device the manufacturer transferred ($(grep -o '\[[a-z.-]*\]' onb2.out | tail -1))"

# End of life at site B.
"$G" site decommission --state b "$s1" --reason "end of service" >/dev/null
"$G" site retire --state b "$s1" >/dev/null
[ "$(show b "$s1" | jq -r .state)" = end-of-life ] || fail "retire"
expect_refused lifecycle.state "$G" site repurpose --state b "$s1"
"$G" site devices show --state b "$s1" --history --json > hist.json
for k in device.expected brski.voucher-request est.simpleenroll brski.enroll-status device.decommission device.retired; do
  jq -e --arg k "$k" '[.history[] | select(.kind==$k)] | length > 0' hist.json >/dev/null \
    || fail "history lacks $k: $(jq -c '[.history[].kind]' hist.json)"
done
ok "retired at site B (end-of-life); site devices show --history tells its whole life there"

# The evidence, checkpointed on site A's timer and exported, verified offline; one byte changed
# and a checkpoint checked against another site's key are refused.
[ "$(grep -c "^gatehouse/Site A/evidence" a/evidence/checkpoints.txt)" -ge 1 ] || fail "no timed checkpoint"
"$G" site evidence export --state a --out ea.jsonl >/dev/null
"$G" site evidence verify ea.jsonl --key a/evidence-signer.pem >/dev/null || fail "verify"
grep -q device.transferred ea.jsonl && grep -q ldevid.renew-confirmed ea.jsonl || fail "export lacks the life"
sed '5s/"ok"/"oK"/' ea.jsonl > eb.jsonl
cmp -s ea.jsonl eb.jsonl && fail "nothing was changed"
expect_refused evidence.changed "$G" site evidence verify eb.jsonl --key a/evidence-signer.pem
"$G" site evidence checkpoint --state b >/dev/null
expect_refused evidence.checkpoint "$G" site evidence verify ea.jsonl --key b/evidence-signer.pem
ok "site A's evidence (timed checkpoints; renewal, decommission, transfer) verified; one byte changed refused"
finish
