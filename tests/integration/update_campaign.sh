#!/usr/bin/env bash
# Application-layer onboarding and a staged update campaign with real processes (issue 15): four
# devices onboard by BRSKI; the site mirrors the manufacturer's update repository (TUF, from the
# root in the bundle) and imports the new release's reference values; each device agent
# (`device run`) app-onboards (streamlined: LDevID, the site's lifecycle service), then follows a
# campaign in two groups: download, install into its inactive slot, health check (the app starts
# and the site's attestation of the new release is affirming), confirm. A release whose
# application does not start fails its health check on every device of the first group: the
# error threshold stops that campaign and the group rolls back; a target tampered with in the
# site's mirror is refused by the devices (tuf.hash) and changes nothing on them.
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://127.0.0.1:$mport" >/dev/null
"$G" factory make --state f --model cam-1 --count 4 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --no-mud --mirror-interval 0
for s in $(cat serials.txt); do
  "$G" device onboard --state "d/$s" --brski "$SITE_URL" --timeout 20 >/dev/null || fail "$s did not onboard"
done
ok "4 devices onboarded by BRSKI"

"$G" site mirror sync --state s --json > sync.json || fail "mirror sync: $(cat sync.json)"
[ "$(jq '.[0].targets' sync.json)" -ge 5 ] || fail "mirror: $(cat sync.json)"
ok "the site mirrors the manufacturer's repository ($(jq '.[0].targets' sync.json) targets verified)"

app_of() { "$G" site devices --state s --json | jq -r --arg s "$1" '.[] | select(.serial==$s) | "\(.app_status) \(.app_path) \(.app_version)"'; }
run_all() {  # run_all ROUNDS: every device agent, in parallel
  local pids=() s
  for s in $(cat serials.txt); do
    "$G" device run --state "d/$s" --rounds "$1" --interval 1 > "run-$s.out" 2> "run-$s.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
}
# The first device onboards its application independently (IDevID, the manufacturer's service)
# and tells the site; the others through the site (device run: streamlined).
s1=$(head -1 serials.txt)
"$G" device app-onboard --state "d/$s1" --independent --json > app1.json || fail "independent: $(cat app1.json)"
[ "$(jq -r .site_told app1.json)" = true ] || fail "the site was not told: $(cat app1.json)"
[ "$(app_of "$s1")" = "operational independent 1.0.0" ] || fail "$s1: $(app_of "$s1")"
run_all 1
for s in $(tail -n +2 serials.txt); do
  [ "$(app_of "$s")" = "operational streamlined 1.0.0" ] || fail "$s: $(app_of "$s") $(cat "run-$s.err")"
  [ "$(jq -r .path "d/$s/onboarding/app.json")" = streamlined ] || fail "$s app.json"
done
[ "$(app_of "$s1")" = "operational independent 1.0.0" ] || fail "device run app-onboarded $s1 again"
ok "app-onboarded: $s1 independently (the site sees the path), 3 streamlined; 1.0.0 verified against the signed metadata, started, operational"

# A device's own word sets its version once; afterwards only the site's attestation does.
s2=$(sed -n 2p serials.txt)
code=$(curl -sk -o resp.txt -w '%{http_code}' --cert "d/$s2/onboarding/ldevid.pem" --key "d/$s2/keystore/ldevid.key" \
  -H 'Content-Type: application/json' -d '{"kind":"app","status":"operational","version":"9.9.9"}' "$SITE_URL/lifecycle/v1/report")
[ "$code" = 403 ] && grep -q "app.reported" resp.txt || fail "a device rewrote its version: $code $(cat resp.txt)"
[ "$(app_of "$s2")" = "operational streamlined 1.0.0" ] || fail "$s2: $(app_of "$s2")"
ok "a device cannot claim another version by itself (app.reported)"

printf '#!/bin/sh\necho "camera app $GATEHOUSE_APP_VERSION running"\n' > app-1.1.sh
"$G" factory release --state f --model cam-1 --version 1.1.0 --file app-1.1.sh >/dev/null
expect_refused campaign.release "$G" site campaign create --state s --model cam-1 --version 1.1.0
"$G" site mirror sync --state s --json > sync.json
jq -e '.[0]."reference-values" | index("cam-1 1.1.0")' sync.json >/dev/null || fail "reference values: $(cat sync.json)"
id=$("$G" site campaign create --state s --model cam-1 --version 1.1.0 --groups 2 --approve --json | jq -r .id)
ok "release 1.1.0: published, mirrored with its reference values, campaign $id in 2 groups"
for _ in 1 2 3; do
  run_all 2
  [ "$("$G" site campaign status --state s "$id" | jq -r .state)" = finished ] && break
done
"$G" site campaign status --state s "$id" > status.json
[ "$(jq -r .state status.json)" = finished ] || fail "campaign: $(cat status.json)"
for s in $(cat serials.txt); do
  [ "$(jq -r .version "d/$s/firmware/release.json")" = 1.1.0 ] || fail "$s runs $(jq -r .version "d/$s/firmware/release.json")"
  app_of "$s" | grep -q "^operational .* 1.1.0$" || fail "$s: $(app_of "$s")"
done
"$G" site events --state s --json > events.json
[ "$(jq '[.[] | select(.kind=="campaign.report")] | length' events.json)" -ge 12 ] || fail "campaign reports not in the evidence log"
ok "campaign $id finished: every device downloaded, installed, attested affirming and confirmed 1.1.0"

# A release whose application does not start.
printf '#!/bin/sh\necho "crash"\nexit 3\n' > app-1.2.sh
"$G" factory release --state f --model cam-1 --version 1.2.0 --file app-1.2.sh >/dev/null
"$G" site mirror sync --state s >/dev/null
id2=$("$G" site campaign create --state s --model cam-1 --version 1.2.0 --groups 2 --max-failures 40 --approve --json | jq -r .id)
run_all 2
"$G" site campaign status --state s "$id2" > status2.json
[ "$(jq -r .state status2.json)" = failed ] || fail "campaign 2: $(cat status2.json)"
for s in $(cat serials.txt); do
  [ "$(jq -r .version "d/$s/firmware/release.json")" = 1.1.0 ] || fail "$s runs $(jq -r .version "d/$s/firmware/release.json")"
done
grep -qh "app.health" run-*.err run-*.out || fail "the health check failure is not named"
ok "release 1.2.0 fails its health check: the error threshold stopped campaign $id2, every device still runs 1.1.0"

# A tampered target in the site's mirror (the mirror is not trusted: devices check every byte).
printf '#!/bin/sh\necho "camera app $GATEHOUSE_APP_VERSION running"\n# 1.3\n' > app-1.3.sh
"$G" factory release --state f --model cam-1 --version 1.3.0 --file app-1.3.sh >/dev/null
"$G" site mirror sync --state s >/dev/null
for f in s/mirror/*/repository/targets/cam-1/1.3.0/*.app.bin; do
  size=$(stat -c %s "$f")
  head -c "$size" /dev/zero | tr '\0' 'X' > "$f.new" && mv "$f.new" "$f"   # same length, other bytes
done
id3=$("$G" site campaign create --state s --model cam-1 --version 1.3.0 --groups 1 --max-failures 0 --approve --json | jq -r .id)
run_all 1
[ "$("$G" site campaign status --state s "$id3" | jq -r .state)" = failed ] || fail "campaign 3 not stopped"
"$G" site campaign status --state s "$id3" | jq -e '[.members[] | select(.check=="tuf.hash")] | length > 0' >/dev/null \
  || fail "tuf.hash not reported: $("$G" site campaign status --state s "$id3")"
for s in $(cat serials.txt); do
  [ "$(jq -r .version "d/$s/firmware/release.json")" = 1.1.0 ] || fail "$s changed"
done
ok "a target tampered with in the mirror: refused by the devices (tuf.hash), campaign $id3 stopped, nothing installed"
finish
