#!/usr/bin/env bash
# Issue 13 items 4 and 6: a DPP enrollee that initiates to a controller (`device onboard --dpp`)
# retries with back-off, as the BRSKI pledge does, when the controller is not up yet or dies
# mid-exchange, until its overall timeout; a refusal by the configurator ends it at once.
source "$(dirname "$0")/lib.sh"

"$G" factory init --state f --name "Acme" --masa-url "https://localhost:1" >/dev/null
"$G" factory make --state f --model th-1 --count 3 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
d1=$(sed -n 1p serials.txt); d2=$(sed -n 2p serials.txt); d3=$(sed -n 3p serials.txt)
port=$(free_port)

# 1. The device starts before its controller.
"$G" device onboard --state "d/$d1" --dpp "tcp:127.0.0.1:$port" --timeout 30 --json > o1.json 2> o1.err &
dpid=$!
cleanup_hooks+=("kill $dpid 2>/dev/null")
sleep 2
start_server SITE "$G" site serve --state s --dpp-listen "127.0.0.1:$port"
wait "$dpid" || fail "the device did not onboard once the controller came up: $(cat o1.err)"
grep -q 'retrying in' o1.err || fail "no retry was logged: $(cat o1.err)"
grep -q '\[net.connect\]' o1.err || fail "the failed attempts do not name net.connect: $(cat o1.err)"
jq -e --arg s "$d1" '.serial == $s' o1.json >/dev/null || fail "result: $(cat o1.json)"
ok "a device started before its controller retried and onboarded"

# 2. The controller dies mid-exchange: stopped, it still completes connections in the kernel, so
# the device's presence announcement goes out and waits for an answer; killed, the connection is
# reset under the device; restarted on the same port, it configures the device.
kill -STOP "$SITE_PID"
"$G" device onboard --state "d/$d2" --dpp "tcp:127.0.0.1:$port" --timeout 40 --json > o2.json 2> o2.err &
dpid=$!
cleanup_hooks+=("kill $dpid 2>/dev/null")
sleep 1.5
kill -0 "$dpid" 2>/dev/null || fail "the device did not wait for the stopped controller: $(cat o2.err)"
kill -KILL "$SITE_PID"
wait "$SITE_PID" 2>/dev/null || true
start_server SITE2 "$G" site serve --state s --dpp-listen "127.0.0.1:$port"
wait "$dpid" || fail "the device did not onboard after the controller came back: $(cat o2.err)"
grep -Eq 'attempt 1 failed .*\[dpp\.(io|closed)\]' o2.err || fail "the first attempt's failure is not a transport one: $(cat o2.err)"
jq -e --arg s "$d2" '.serial == $s' o2.json >/dev/null || fail "result: $(cat o2.json)"
[ -e "d/$d2/onboarding/network.json" ] || fail "no onboarding/network.json"
ok "a controller killed mid-exchange and restarted configured the retrying device"

# 3. A refusal by the configurator (its policy denies DPP) is not retried: the device ends at once
# with the configurator's status, the site's log names policy.denied.
cat > deny.yaml <<'YAML'
default: {action: allow}
rules:
  - {name: no-dpp, match: {protocol: dpp}, action: deny}
YAML
"$G" site policy set --state s deny.yaml >/dev/null
start=$(date +%s)
expect_refused dpp.peer-status "$G" device onboard --state "d/$d3" --dpp "tcp:127.0.0.1:$port" --timeout 30
[ $(( $(date +%s) - start )) -lt 10 ] || fail "a definite refusal was retried"
"$G" site events --state s --serial "$d3" --json | jq -e '[.[] | select(.kind=="dpp.configure" and .reason=="policy.denied")] | length == 1' >/dev/null \
  || fail "policy.denied not recorded once"
[ ! -e "d/$d3/onboarding" ] && [ ! -e "d/$d3/keystore/dpp-netaccess.key" ] || fail "the refused device kept state"
finish
