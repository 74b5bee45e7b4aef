#!/usr/bin/env bash
# Issue 13 item 4: a listening DPP enrollee (`device dpp listen`) is not ended by a stray peer. A
# port probe, garbage, an oversized frame and a peer that says nothing are each logged with the
# check that failed, and the enrollee goes on listening until a configurator configures it; with
# none, it gives up when its timeout ends.
source "$(dirname "$0")/lib.sh"

"$G" factory init --state f --name "Acme" --masa-url "https://localhost:1" >/dev/null
"$G" factory make --state f --model th-1 --count 2 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
d1=$(sed -n 1p serials.txt); d2=$(sed -n 2p serials.txt)

"$G" device dpp listen --state "d/$d1" --host 127.0.0.1 --port 0 --timeout 60 --json > l.json 2> l.err &
lpid=$!
cleanup_hooks+=("kill $lpid 2>/dev/null")
for _ in $(seq 100); do grep -q "listening on tcp port" l.err && break; sleep 0.05; done
port=$(sed -n 's/.*listening on tcp port \([0-9]*\).*/\1/p' l.err)
[ -n "$port" ] || fail "the enrollee did not say where it listens: $(cat l.err)"

# Waits until the enrollee's log has N lines about failed peers.
peers_logged() {
  for _ in $(seq 100); do
    [ "$(grep -c 'still listening' l.err)" -ge "$1" ] && return 0
    sleep 0.05
  done
  fail "expected $1 failed peers in the log: $(cat l.err)"
}

nc -z 127.0.0.1 "$port" || fail "port probe could not connect"
peers_logged 1
exec 3<>"/dev/tcp/127.0.0.1/$port"; printf 'GET / HTTP/1.0\r\n\r\n' >&3; exec 3>&-
peers_logged 2
exec 3<>"/dev/tcp/127.0.0.1/$port"; printf '\x00\x00\x00\x05hello' >&3; exec 3>&-
peers_logged 3
kill -0 "$lpid" 2>/dev/null || fail "the enrollee exited after stray peers: $(cat l.err)"
grep 'still listening' l.err | sed -n 1p | grep -Eq '\[dpp\.(closed|io)\]' || fail "the probe's check is not logged: $(cat l.err)"
grep 'still listening' l.err | sed -n 2p | grep -q '\[dpp.tcp.size\]' || fail "the oversized frame's check is not logged: $(cat l.err)"
ok "a port probe, an oversized frame and garbage were each logged with their check; still listening"

# A peer that connects and says nothing holds the enrollee a few seconds at most: a configurator
# that arrives meanwhile waits its turn and is served.
exec 4<>"/dev/tcp/127.0.0.1/$port"
sleep 0.2
start=$(date +%s)
"$G" site dpp add-uri --state s "$(cat "d/$d1/bootstrap/dpp-uri.txt")" --tcp "127.0.0.1:$port" > add.out \
  || fail "the configurator was not served after the silent peer: $(cat add.out) $(cat l.err)"
exec 4>&-
wait "$lpid" || fail "the enrollee failed: $(cat l.err)"
[ $(( $(date +%s) - start )) -lt 15 ] || fail "the silent peer held the enrollee too long"
grep 'still listening' l.err | sed -n 4p | grep -q '\[dpp.timeout\]' || fail "the silent peer is not logged as dpp.timeout: $(cat l.err)"
jq -e --arg s "$d1" '.serial == $s and .akm == "dpp"' l.json >/dev/null || fail "result: $(cat l.json)"
[ -e "d/$d1/onboarding/network.json" ] || fail "no onboarding/network.json"
ok "a configurator that came after a silent peer configured the listening enrollee"

# Nobody comes: the enrollee gives up when its timeout ends, naming the check, leaving nothing.
rc=0
"$G" device dpp listen --state "d/$d2" --host 127.0.0.1 --port 0 --timeout 2 > /dev/null 2> t.err || rc=$?
[ "$rc" -eq 1 ] || fail "expected exit 1 at the timeout, got $rc: $(cat t.err)"
tail -n 1 t.err | grep -q '\[dpp.timeout\]' || fail "the timeout is not named: $(cat t.err)"
[ ! -e "d/$d2/onboarding" ] && [ ! -e "d/$d2/keystore/dpp-netaccess.key" ] || fail "the timed-out enrollee left state"
ok "with no configurator, the enrollee gave up at its timeout [dpp.timeout]"
finish
