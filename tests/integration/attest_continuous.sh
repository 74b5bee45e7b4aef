#!/usr/bin/env bash
# Attestation over the network with real processes (issue 14, items 5 and 6): the pledge attests
# on its BRSKI session before the voucher request and the policy requires it; the device agent
# (`device run`) attests over mutual TLS with its LDevID on the site's interval; altered firmware
# is revoked by the policy within a round, the CRL lists the LDevID and the agent is refused from
# then on; a device that stops sending evidence goes stale; a device whose firmware was altered
# before onboarding gets no voucher. The delay from altered firmware to revocation is measured.
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 4 --out d > serials.txt
S1=$(sed -n 1p serials.txt); S2=$(sed -n 2p serials.txt); S3=$(sed -n 3p serials.txt)
S4=$(sed -n 4p serials.txt)
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
cat > policy.yaml <<'YAML'
default: {action: allow, segment: general}
rules:
  # BRSKI onboarding only after affirming evidence on the pledge's own session.
  - {name: attest-first, match: {protocol: brski, attestation: [none, warning, stale, contraindicated]}, action: deny}
  # DPP has no slot for evidence: a device attests over its new connection; until then, restricted.
  - {name: unproven, match: {protocol: connect, attestation: [none, warning, stale]}, action: allow, segment: restricted}
assurance: {interval: 1, stale-after: 3, contraindicated: revoke, stale: quarantine}
YAML
"$G" site policy set --state s policy.yaml >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --dpp-listen 127.0.0.1:0 --akm dot1x --no-mud
for _ in $(seq 100); do grep -q "^dpp controller listening on" "$T/SITE.out" && break; sleep 0.05; done
SITE_URL=$(sed -n 's/^registrar listening on //p' "$T/SITE.out")
DPP_URL=$(sed -n 's/^dpp controller listening on //p' "$T/SITE.out")

# The manufacturer publishes its signed reference values (public, on the MASA's TLS port).
list=$(curl -s --cacert f/pki/root.pem "$MASA_URL/.well-known/gatehouse/reference-values/th-1")
[ "$(jq -r '.releases[0].version' <<<"$list")" = 1.0.0 ] || fail "reference values list: $list"
curl -s --cacert f/pki/root.pem -o rv.corim "$MASA_URL/.well-known/gatehouse/reference-values/th-1/1.0.0"
cmp -s rv.corim f/releases/th-1/1.0.0/reference-values.corim || fail "published CoRIM differs"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert f/pki/root.pem "$MASA_URL/.well-known/gatehouse/reference-values/..%2fpki")" = 404 ] \
  || fail "a path outside the releases answered"
ok "masa serve publishes the signed reference values (the release list and the CoRIM, verified TLS)"

state_of() { "$G" site devices --state s --json | jq -r --arg s "$1" '.[] | select(.serial==$s) | .state'; }
status_of() { "$G" site attest show --state s --serial "$1" --json | jq -r '.[0].status // "none"'; }

"$G" device onboard --state "d/$S1" --brski "$SITE_URL" --timeout 20 >/dev/null || fail "$S1 did not onboard"
[ "$(state_of "$S1")" = onboarded ] || fail "$S1 is $(state_of "$S1")"
[ "$(status_of "$S1")" = affirming ] || fail "$S1 attestation $(status_of "$S1")"
ok "BRSKI with attestation on the pledge's session: $S1 affirming, onboarded"

out=$("$G" device run --state "d/$S1" --rounds 3 --json)
[ "$(jq -r 'select(has("status")) | .status' <<<"$out" | sort -u)" = affirming ] || fail "device run: $out"
[ "$(jq -r 'select(has("interval")) | .interval' <<<"$out" | sort -u)" = 1 ] || fail "interval from the policy: $out"
[ "$("$G" site attest show --state s --serial "$S1" --json | jq length)" -ge 4 ] || fail "results not stored"
ok "device run: 3 rounds over the LDevID session, affirming, on the site's 1 s interval"

# Altered firmware on a running agent: revoked by the policy, CRL lists the LDevID, agent refused.
"$G" device run --state "d/$S1" --no-updates --json > run1.out 2>run1.err &  # attestation alone
RUN=$!
cleanup_hooks+=("kill $RUN 2>/dev/null")
sleep 1.5
echo "implant" >> "d/$S1/firmware/app.bin"
t0=$(date +%s.%N)
for _ in $(seq 100); do [ "$(state_of "$S1")" = revoked ] && break; sleep 0.05; done
t1=$(date +%s.%N)
[ "$(state_of "$S1")" = revoked ] || fail "$S1 not revoked: $(state_of "$S1") $(cat run1.out)"
delay=$(echo "$t1 - $t0" | bc)
grep -q '"check":"measurement.app"' run1.out || fail "the agent did not see its verdict: $(cat run1.out)"
ldevid_serial=$(openssl x509 -in "d/$S1/onboarding/ldevid.pem" -noout -serial | cut -d= -f2)
for _ in $(seq 60); do
  openssl crl -in s/crl.pem -noout -text 2>/dev/null | grep -qi "$ldevid_serial" && break; sleep 0.1
done
openssl crl -in s/crl.pem -noout -text | grep -qi "$ldevid_serial" || fail "the CRL does not list $ldevid_serial"
for _ in $(seq 100); do kill -0 $RUN 2>/dev/null || break; sleep 0.05; done
rc=0; wait $RUN || rc=$?
[ "$rc" -eq 1 ] || fail "the agent should end refused, exit $rc: $(cat run1.err)"
grep -q "attest.credential" run1.err || fail "agent: $(cat run1.err)"
ok "altered firmware: measurement.app, revoked in ${delay}s (interval 1 s), CRL lists $ldevid_serial, agent refused"
echo "attest_continuous: altered firmware to revocation ${delay}s" >&2

# A device that stops sending evidence goes stale, and the policy quarantines it.
"$G" device onboard --state "d/$S2" --brski "$SITE_URL" --timeout 20 >/dev/null || fail "$S2 did not onboard"
"$G" device run --state "d/$S2" --rounds 1 >/dev/null
for _ in $(seq 80); do [ "$(state_of "$S2")" = quarantined ] && break; sleep 0.1; done
[ "$(status_of "$S2")" = stale ] || fail "$S2 attestation $(status_of "$S2")"
[ "$(state_of "$S2")" = quarantined ] || fail "$S2 is $(state_of "$S2")"
ok "no evidence for 3 s: $S2 stale and quarantined"

# Altered before onboarding: the pledge's evidence is contraindicated; no voucher (and revoked).
echo "implant" >> "d/$S3/firmware/boot.bin"
if "$G" device onboard --state "d/$S3" --brski "$SITE_URL" --timeout 5 > onboard3.out 2>&1; then
  fail "$S3 onboarded with altered firmware"
fi
[ "$(status_of "$S3")" = contraindicated ] || fail "$S3 attestation $(status_of "$S3")"
[ ! -e "d/$S3/onboarding" ] || fail "$S3 got onboarding state"
"$G" site events --state s --json | jq -e --arg s "$S3" 'map(select(.serial==$s and .kind=="brski.voucher-request" and .outcome=="refused")) | length > 0' >/dev/null \
  || fail "no refused voucher request for $S3"
ok "altered before onboarding: contraindicated, no voucher: $(tail -1 onboard3.out)"
sleep 3.5  # past stale-after: silence does not turn a contraindicated verdict into "stale"
[ "$(status_of "$S3")" = contraindicated ] || fail "$S3's verdict became $(status_of "$S3")"

# A DPP device (802.1X configuration: an LDevID from its CSR) attests over its new connection; the
# policy keeps it in a restricted segment until its first affirming result.
"$G" device onboard --state "d/$S4" --dpp "$DPP_URL" >/dev/null || fail "$S4 did not onboard by DPP"
"$G" site policy check --state s "$S4" --protocol connect --json | jq -e '.segment == "restricted"' >/dev/null \
  || fail "an unattested DPP device is not restricted: $("$G" site policy check --state s "$S4" --protocol connect)"
"$G" device run --state "d/$S4" --rounds 1 >/dev/null 2>&1 && fail "device run without --site should need it for a DPP device"
"$G" device run --state "d/$S4" --site "$SITE_URL" --rounds 1 --json | jq -s -e 'any(.[]; .status == "affirming")' >/dev/null \
  || fail "$S4 did not attest over its DPP-issued LDevID"
"$G" site policy check --state s "$S4" --protocol connect --json | jq -e '.segment == "general"' >/dev/null \
  || fail "an affirming DPP device is still restricted"
ok "DPP: restricted until its first affirming attestation over the DPP-issued LDevID, then general"
finish
