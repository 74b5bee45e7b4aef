#!/usr/bin/env bash
# The authorization policy (issue 5, item 4) with real processes: `site policy check` names the
# rule; the registrar (BRSKI) and the DPP configurator both ask it, refuse with policy.denied and
# the rule's name, and record the decision; a broken policy file is refused whole by `site policy
# set`, and one written behind a running site's back is refused at reload while the running policy
# stays.
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 2 --out d > sensors.txt
"$G" factory make --state f --model cam-9 --count 2 --out d > cameras.txt
"$G" site init --state s --name "Example Site" >/dev/null
cat sensors.txt cameras.txt > all.txt
"$G" factory sell --state f --serials-from all.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
s1=$(sed -n 1p sensors.txt); s2=$(sed -n 2p sensors.txt); c1=$(sed -n 1p cameras.txt); c2=$(sed -n 2p cameras.txt)

cat > policy.yaml <<'YAML'
default:
  action: deny
  segment: quarantine
rules:
  - name: sensors
    match: {manufacturer: Acme, model: th-*, owner: Example Site}
    action: allow
    segment: sensors
  - name: cameras-only-by-dpp
    match: {model: cam-*, protocol: dpp}
    action: allow
    segment: cameras
YAML
expect_refused assets.no-view "$G" site assets check --state s
printf 'rules:\n  - name: x\n    action: sometimes\n' > broken.yaml
expect_refused policy.file "$G" site policy set --state s broken.yaml
[ ! -e s/policy.yaml ] || fail "a broken policy was installed"
"$G" site policy set --state s policy.yaml >/dev/null
"$G" site policy check --state s "$s1" --json | jq -e '.decision=="allow" and .rule=="sensors" and .segment=="sensors"' >/dev/null \
  || fail "policy check for a sensor"
"$G" site policy check --state s "$c1" | grep -q "deny, segment quarantine (rule 'default'" || fail "camera by BRSKI should be denied"
"$G" site policy check --state s "$c1" --protocol dpp | grep -q "allow, segment cameras (rule 'cameras-only-by-dpp'" || fail "camera by DPP"
ok "site policy check prints each decision and the rule that made it"

start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --dpp-listen 127.0.0.1:0
reg=$(sed -n 's/^registrar listening on //p' "$T/SITE.out")
ctl=$(sed -n 's/^dpp controller listening on //p' "$T/SITE.out")

"$G" device onboard --state "d/$s1" --brski "$reg" --timeout 10 >/dev/null || fail "sensor by BRSKI"
"$G" site events --state s --serial "$s1" --json | jq -e '[.[] | select(.kind=="brski.voucher-request" and .detail.policy.rule=="sensors")] | length == 1' >/dev/null \
  || fail "the allow decision is not on record"
expect_refused policy.denied "$G" device onboard --state "d/$c1" --brski "$reg" --timeout 5
[ ! -e "d/$c1/onboarding" ] || fail "a denied device got credentials"
"$G" device onboard --state "d/$c1" --dpp "$ctl" >/dev/null || fail "camera by DPP"
"$G" site events --state s --serial "$c1" --json | jq -e '[.[] | select(.kind=="dpp.configure" and .outcome=="ok" and .detail.policy.segment=="cameras")] | length == 1' >/dev/null \
  || fail "the DPP decision is not on record"
ok "registrar and DPP configurator follow the policy: a camera is refused by BRSKI (policy.denied) and configured by DPP"

# A broken file written behind the running site's back: refused at reload, the running policy stays.
cp broken.yaml s/policy.yaml
"$G" device onboard --state "d/$s2" --brski "$reg" --timeout 10 >/dev/null || fail "the running policy did not stay"
"$G" site events --state s --json | jq -e '[.[] | select(.kind=="policy.reload" and .outcome=="refused")] | length >= 1' >/dev/null \
  || fail "the refused reload is not in the evidence log"
# A good change is picked up without a restart: now deny everything.
printf 'default: {action: deny}\n' > s/policy.yaml.new && mv s/policy.yaml.new s/policy.yaml
# DPP carries no reason: the enrollee sees CONFIGURE_FAILURE, the site's log names the rule.
expect_refused dpp.peer-status "$G" device onboard --state "d/$c2" --dpp "$ctl" --timeout 5
"$G" site events --state s --serial "$c2" --json | jq -e '[.[] | select(.kind=="dpp.configure" and .reason=="policy.denied" and .detail.policy.rule=="default")] | length == 1' >/dev/null \
  || fail "the DPP refusal does not name the policy rule"
ok "a broken policy file is refused at reload and the running policy stays; a good one applies without a restart"
finish
