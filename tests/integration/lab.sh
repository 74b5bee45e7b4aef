#!/usr/bin/env bash
# The lab (issue 5) with real traffic: namespaces, veth pairs, a router with nftables, dnsmasq and
# hostapd (802.1X) on every device port; before onboarding a device port reaches only DHCP, DNS and
# the onboarding services; BRSKI and DPP onboarding through the router; the port opens only after
# 802.1X EAP-TLS with the new LDevID; MUD enforced; quarantine; a rogue credential and a revoked
# or superseded LDevID refused; the asset check; renewal without a gap in traffic; decommissioning
# (cut off, wiped, its LDevID refused by 802.1X); `lab down` leaves nothing behind.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "the lab needs root (CI runs as root)"
L="$T/lab"
cleanup_hooks+=("'$G' lab down --dir '$L' >/dev/null 2>&1")
"$G" lab up --devices 3 --dir "$L" > up.txt || fail "lab up: $(cat up.txt)"
"$G" lab up --devices 3 --dir "$L" > up2.txt || fail "lab up is not idempotent"
"$G" lab status --dir "$L" --json > status.json
for ns in gh-router gh-site gh-inet gh-dev1 gh-dev2 gh-dev3; do
  grep -q "^$ns" <<< "$(ip netns list)" || fail "namespace $ns missing"
done
jq -e '.up and ([.namespaces[] | select(.role=="device")] | length) == 3
       and ([.devices[] | select(.serial != "" and .state_dir != "" and (.address | startswith("10.78.")))] | length) == 3
       and (.hosts | any(.name=="telemetry.lab" and (.permitted_by | length) == 1))' status.json >/dev/null \
  || fail "lab status: $(cat status.json)"
ok "lab up: 6 namespaces, devices with DHCP leases from the router, status lists roles, addresses, devices, hosts"

dev() { ip netns exec "gh-dev$1" "$@"; }
d1=$(jq -r '.devices[0].state_dir' status.json); d2=$(jq -r '.devices[1].state_dir' status.json)
d3=$(jq -r '.devices[2].state_dir' status.json)
a2=$(jq -r '.devices[1].address' status.json); a2=${a2%/*}
ip netns exec gh-dev1 getent hosts site.lab | grep -q 10.77.0.2 || fail "DNS from a device"
[ "$(ip netns exec gh-dev1 curl -sk -o /dev/null -w '%{http_code}' https://site.lab:8443/.well-known/est/cacerts)" = 200 ] \
  || fail "the registrar is not reachable from the onboarding segment"
ip netns exec gh-dev1 nc -z -w 2 site.lab 8908 || fail "the DPP controller is not reachable"
ip netns exec gh-dev1 curl -s -m 3 -o /dev/null http://telemetry.lab/ && fail "an internet host answered a device that is not onboarded"
ip netns exec gh-dev1 nc -z -w 2 masa.lab 8444 && fail "the MASA answered a device directly"
# Listeners that answer when reached, so that "not reached" means the router refused: one on the
# second device, one on the MUD-permitted host but on a port the MUD file does not permit.
mkdir -p www && echo open > www/index.html
# (started detached: lab down kills every process in the lab's namespaces)
(ip netns exec gh-dev2 busybox httpd -f -p "$a2:8000" -h www &)
(ip netns exec gh-inet busybox httpd -f -p 10.77.1.10:8080 -h www &)
for _ in $(seq 40); do
  ip netns exec gh-dev2 curl -s -m 1 -o /dev/null "http://$a2:8000/" &&
    ip netns exec gh-inet curl -s -m 1 -o /dev/null http://10.77.1.10:8080/ && break
  sleep 0.1
done
ip netns exec gh-dev2 curl -sf -m 1 -o /dev/null "http://$a2:8000/" || fail "the listener on gh-dev2 does not answer locally"
ip netns exec gh-site curl -sf -m 2 -o /dev/null http://10.77.1.10:8080/ || fail "port 8080 on telemetry.lab does not answer the site"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null "http://$a2:8000/" && fail "a device reached another device"
ip netns exec gh-inet curl -s -m 3 -o /dev/null http://10.77.1.10/ || fail "the host itself does not serve"
ok "onboarding segment: a device reaches DHCP, DNS, the registrar and the DPP controller, and nothing else"

ip netns exec gh-dev1 "$G" device onboard --state "$d1" --brski https://site.lab:8443 --timeout 20 >/dev/null \
  || fail "BRSKI onboarding through the router"
ip netns exec gh-dev2 "$G" device onboard --state "$d2" --dpp tcp:site.lab:8908 >/dev/null \
  || fail "DPP onboarding through the router"
"$G" site devices --state "$L/site" --json | jq -e '[.[] | select(.state=="onboarded")] | length == 2' >/dev/null \
  || fail "inventory: $("$G" site devices --state "$L/site")"
ok "a device onboarded by BRSKI (registrar to MASA across the router) and one by DPP (802.1X configuration)"

# Onboarded is not connected: until the device authenticates with its LDevID, its port stays in
# the onboarding segment.
sleep 1.5
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ && fail "an onboarded device reached a host before 802.1X"
ip netns exec gh-dev1 "$G" device connect --state "$d1" --server-name eap.lab --json > c1.json 2> c1.err \
  || fail "802.1X with the BRSKI LDevID: $(cat c1.err) $(grep -E 'authsrv|CTRL-EVENT|TLS: |EAPOL' "$L/router/auth/hostapd-r-dev1.log" | tail -12) $(tail -8 "$d1/run/wpa_supplicant.log")"
ip netns exec gh-dev2 "$G" device connect --state "$d2" --json > c2.json 2> c2.err \
  || fail "802.1X with the DPP LDevID: $(cat c2.err) $(tail -8 "$d2/run/wpa_supplicant.log") $(grep -E 'authsrv|CTRL-EVENT|TLS: ' "$L/router/auth/hostapd-r-dev2.log" | tail -12)"
jq -e --arg s "$(openssl x509 -in "$d1/onboarding/ldevid.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" \
  '.certificate_serial == $s' c1.json >/dev/null || fail "connect: $(cat c1.json)"
jq -e '.server_name == "eap.lab"' c2.json >/dev/null || fail "the DPP device did not use the configuration's EAP server name: $(cat c2.json)"
for _ in $(seq 40); do
  "$G" site events --state "$L/site" --json > ev.json
  jq -e '[.[] | select(.kind=="network.8021x" and .outcome=="ok" and (.reason | startswith("authenticated")))] | length >= 2' ev.json >/dev/null && break
  sleep 0.25
done
jq -e --arg s "$(jq -r '.devices[1].serial' status.json)" \
  '[.[] | select(.kind=="network.8021x" and .serial==$s and .outcome=="ok")] | length >= 1' ev.json >/dev/null \
  || fail "the 802.1X sessions are not in the evidence log: $(jq -c '[.[] | select(.kind=="network.8021x")]' ev.json)"
grep -q "authsrv: peer certificate: depth=0" "$L/router/auth/hostapd-r-dev1.log" || fail "the authenticator's log has no client certificate line"
grep -qiE "hexdump|Derived key|Session-Id" <<< "$(cat "$L"/router/auth/*.log)" && fail "key material in the authenticator's log"
ok "802.1X EAP-TLS (hostapd on the router, wpa_supplicant -D wired on the devices) with each device's LDevID; sessions in the evidence log, no key material in the authenticator's log"

# After connecting: the site's MUD manager fetches each device's MUD file (HTTPS to mud.lab, the
# signature verified against the manufacturer root) and the router agent compiles it into that
# device's chains, bound to the port and MAC that authenticated: the MUD-permitted host answers,
# the others still do not.
for i in 1 2; do
  for _ in $(seq 60); do
    ip netns exec "gh-dev$i" curl -s -m 1 -o /dev/null http://telemetry.lab/ && break
    sleep 0.25
  done
  [ "$(ip netns exec "gh-dev$i" curl -s -m 2 http://telemetry.lab/)" = telemetry.lab ] \
    || fail "gh-dev$i: the MUD-permitted host does not answer after onboarding"
  ip netns exec "gh-dev$i" curl -s -m 2 -o /dev/null http://updates.lab/ && fail "gh-dev$i reached a host its MUD file does not permit"
  ip netns exec "gh-dev$i" curl -s -m 2 -o /dev/null http://telemetry.lab:8080/ && fail "gh-dev$i reached a port its MUD file does not permit"
done
"$G" site events --state "$L/site" --json | jq -e '[.[] | select(.kind=="mud.fetch" and .outcome=="ok")] | length >= 1' >/dev/null \
  || fail "the MUD fetch is not in the evidence log"
# (outputs captured first: with pipefail, grep -q quitting early could fail the writer)
grep -q 'tcp dport 80 return comment "telemetry"' <<< "$("$G" site mud show --state "$L/site" "$(jq -r '.devices[0].serial' status.json)")" \
  || fail "site mud show does not show the compiled rule"
# The device's station is a member of its MUD file's set, which the router dispatches to that file's chain.
rt=$(ip netns exec gh-router nft list table inet gh_lab)
grep -q "iifname . ether saddr @m[0-9a-f]*_st jump m[0-9a-f]*_fr" <<< "$rt" || fail "no MUD file dispatch on the router: $rt"
grep -q "\"r-dev1\" . $(ip netns exec gh-dev1 cat /sys/class/net/eth0/address)" <<< "$(ip netns exec gh-router nft list set inet gh_lab "$(grep -o '@m[0-9a-f]*_st' <<< "$rt" | head -1 | tr -d @)")" \
  || fail "gh-dev1's station is not in its MUD file's set"
ok "after onboarding, MUD enforced on the router: telemetry.lab:80 answers both devices, other hosts and ports do not"

# MUD URLs in DHCP (RFC 8520 option 161): each lab device announces its model's URL when it asks
# for an address; dnsmasq hands it to the router agent (router dhcp-event). gh-dev1's birth
# credentials name the same URL: nothing is recorded. Another URL is refused as a conflict (on
# record, in the asset check) and changes nothing the router enforces.
s1=$(jq -r '.devices[0].serial' status.json)
m1=$(ip netns exec gh-dev1 cat /sys/class/net/eth0/address)
jq -e --arg m "$m1" '.dhcp_mud_urls | any(.mac==$m and .port=="r-dev1" and .mud_url=="https://mud.lab/lab-sensor.json")' "$L/site/router-view.json" >/dev/null \
  || fail "the router did not report gh-dev1's DHCP MUD URL: $(jq -c .dhcp_mud_urls "$L/site/router-view.json")"
jq -e '.devices[2].mud_url_from == "dhcp" and .devices[0].mud_url_from == "birth credentials"' status.json >/dev/null || fail "lab status: MUD URL sources"
"$G" site devices --state "$L/site" --json | jq -e --arg s "$s1" '.[] | select(.serial==$s) | .mud_url_claimed == null' >/dev/null \
  || fail "announcing the birth URL recorded a claim"
announce() {  # announce NS URL: DHCP again with option 161
  ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$L/udhcpc.sh" -x "0xa1:$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')" >/dev/null 2>&1
}
# wait_events SERIAL FILE FILTER: the site's events about SERIAL, into FILE, until FILTER holds
# (at most 10 s; the caller then checks what it needs).
wait_events() {
  for _ in $(seq 40); do
    "$G" site events --state "$L/site" --serial "$1" --json > "$2"
    jq -e "$3" "$2" >/dev/null && return 0
    sleep 0.25
  done
  return 0
}
announce gh-dev1 https://mud.other.example/open.json || fail "DHCP with another MUD URL"
wait_events "$s1" ev1.json '[.[] | select(.kind=="mud.claim" and .outcome=="refused")] | length == 1'
jq -e '[.[] | select(.kind=="mud.claim" and .reason=="mud.url-conflict" and .detail.url=="https://mud.other.example/open.json" and .detail.source=="dhcp")] | length == 1' ev1.json >/dev/null \
  || fail "the conflicting DHCP MUD URL is not on record: $(jq -c '[.[] | select(.kind=="mud.claim")]' ev1.json)"
# The router writes its view (router-view.json) after it offers the claim, in the same round or
# the next: the asset check reads that view, so give it a few rounds.
mismatch=no
for _ in $(seq 20); do
  if "$G" site assets check --state "$L/site" --fail-on none --json | jq -e --arg s "$s1" '.mud_url_mismatches | any(.serial==$s and .announced=="https://mud.other.example/open.json" and .enforced=="https://mud.lab/lab-sensor.json")' >/dev/null; then
    mismatch=yes
    break
  fi
  sleep 0.25
done
[ "$mismatch" = yes ] || fail "the asset check does not show the announced MUD URL mismatch"
[ "$(ip netns exec gh-dev1 curl -s -m 2 http://telemetry.lab/)" = telemetry.lab ] || fail "a conflicting announcement changed gh-dev1's access"
announce gh-dev1 https://mud.lab/lab-sensor.json || fail "DHCP with the right MUD URL"
# (--fail-on: the check exits 1 while there is a mismatch, 0 once there is none)
for _ in $(seq 20); do
  "$G" site assets check --state "$L/site" --fail-on mud_url_mismatches >/dev/null 2>&1 && break; sleep 0.25
done
"$G" site assets check --state "$L/site" --fail-on mud_url_mismatches --json | jq -e '.mud_url_mismatches | length == 0' >/dev/null || fail "the mismatch stays after the device announced its URL again"
ok "DHCP option 161 reaches the router (dnsmasq script); the birth URL stands: a conflicting announcement is refused, on record and in the asset check"

# RFC 8520 abstractions, filled by the router: same-manufacturer is the admitted devices whose MUD
# URL has the same authority (gh-dev1 reaches gh-dev2's port 7000, nothing else of it);
# my-controller is what the site's policy names for this MUD URL (updates.lab, refused above,
# answers once the policy names it, and is refused again when the policy no longer does).
ip2=$(ip netns exec gh-dev2 ip -4 -j addr show dev eth0 | jq -r '.[0].addr_info[0].local')
ip1=$(ip netns exec gh-dev1 ip -4 -j addr show dev eth0 | jq -r '.[0].addr_info[0].local')
mkdir -p "$L/peer-www" && echo peer > "$L/peer-www/index.html"
ip netns exec gh-dev2 busybox httpd -p 7000 -h "$L/peer-www"
ip netns exec gh-dev2 busybox httpd -p 7001 -h "$L/peer-www"
[ "$(ip netns exec gh-dev1 curl -s -m 2 "http://$ip2:7000/")" = peer ] || fail "same-manufacturer: gh-dev1 does not reach gh-dev2:7000"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null "http://$ip2:7001/" && fail "gh-dev1 reached gh-dev2 on a port no MUD file permits"
mfr=$(ip netns exec gh-router nft -j list table inet gh_lab | jq -r '.nftables[] | select(.set and (.set.comment // "" | startswith("manufacturer mud.lab"))) | .set.name' | grep _v4)
members=$(ip netns exec gh-router nft -j list set inet gh_lab "$mfr" | jq -r '[.nftables[] | select(.set) | .set.elem[]?] | sort | join(" ")')
[ "$members" = "$(printf '%s\n' "$ip1" "$ip2" | sort | paste -sd' ')" ] || fail "the manufacturer set holds '$members', not the two admitted devices"
# The same policy carries a local overlay: a deny before the file's rules (telemetry.lab closed)
# and an allow after them (elsewhere.lab:80 opened).
cat > "$L/policy-ctl.yaml" <<EOF
default: {action: allow}
mud:
  my-controllers:
    "https://mud.lab/lab-sensor.json": [10.77.1.11]
  overlay:
    - {name: no-telemetry, mud-url: "https://mud.lab/*", action: deny, to: 10.77.1.10, protocol: tcp, port: 80}
    - {name: elsewhere, action: allow, to: [10.77.1.12/32], protocol: tcp, port: 80}
EOF
"$G" site policy set --state "$L/site" "$L/policy-ctl.yaml" >/dev/null || fail "policy with a controller refused"
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 1 -o /dev/null http://updates.lab/ && break; sleep 0.25; done
[ "$(ip netns exec gh-dev1 curl -s -m 2 http://updates.lab/)" = updates.lab ] || fail "my-controller: updates.lab does not answer once the policy names it"
[ "$(ip netns exec gh-dev1 curl -s -m 2 http://elsewhere.lab/)" = elsewhere.lab ] || fail "overlay: the allow did not open elsewhere.lab"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ && fail "overlay: the deny did not close telemetry.lab"
grep -q 'comment "overlay no-telemetry"' <<< "$("$G" site mud show --state "$L/site" "$(jq -r '.devices[0].serial' status.json)")" \
  || fail "site mud show does not show the overlay"
# Segments: the policy puts gh-dev1 in another segment than gh-dev2; the router then drops
# gh-dev1's traffic to gh-dev2 even where their MUD file allows it (and telemetry.lab still answers).
cat > "$L/policy-seg.yaml" <<EOF
default: {action: allow, segment: sensors}
rules:
  - name: dev1-alone
    match: {serial: "$(jq -r '.devices[0].serial' status.json)"}
    action: allow
    segment: lab-a
EOF
"$G" site policy set --state "$L/site" "$L/policy-seg.yaml" >/dev/null || fail "policy with segments refused"
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 1 -o /dev/null "http://$ip2:7000/" || break; sleep 0.25; done
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null "http://$ip2:7000/" && fail "gh-dev1 reached gh-dev2 across segments"
[ "$(ip netns exec gh-dev1 curl -s -m 2 http://telemetry.lab/)" = telemetry.lab ] || fail "gh-dev1 lost telemetry.lab in its own segment"
grep -q 'comment "segment lab-a"' <<< "$(ip netns exec gh-router nft list table inet gh_lab)" || fail "no set for segment lab-a on the router"
printf 'default: {action: allow}\n' > "$L/policy-open.yaml"
"$G" site policy set --state "$L/site" "$L/policy-open.yaml" >/dev/null || fail "policy refused"
sleep 1
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://updates.lab/ && fail "updates.lab still answers after the policy stopped naming it"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://elsewhere.lab/ && fail "elsewhere.lab still answers without the overlay"
[ "$(ip netns exec gh-dev1 curl -s -m 2 "http://$ip2:7000/")" = peer ] || fail "gh-dev1 does not reach gh-dev2 again in one segment"
ok "same-manufacturer (gh-dev1 reaches gh-dev2:7000 only; the set holds the admitted devices), my-controller (from the site's policy, on and off), a local overlay (a deny before the file's rules, an allow after), segments (the policy separates the two devices, then joins them)"

# The router agent crashes (SIGKILL) and is started again: it adopts the running authenticators,
# rebuilds the sessions from their logs without recording them twice, and the devices stay admitted.
n_before=$("$G" site events --state "$L/site" --json | jq '[.[] | select(.kind=="network.8021x")] | length')
rargs=$(tr '\0' ' ' < "/proc/$(pgrep -f "router serve --site-state $L/site" | head -1)/cmdline")
pkill -9 -f "router serve --site-state $L/site"
ip netns exec gh-router nft list table inet gh_lab >/dev/null || fail "the rules went with the agent"
(ip netns exec gh-router $rargs >> "$L/logs/router.log" 2>&1 &)
for _ in $(seq 20); do grep -q "listening on" <<< "$(tail -3 "$L/logs/router.log")" && break; sleep 0.1; done
sleep 1
[ "$(pgrep -c -f "hostapd -d $L/router/auth")" -eq 3 ] || fail "authenticators restarted or lost: $(pgrep -af hostapd)"
for i in 1 2; do
  ip netns exec "gh-dev$i" curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "gh-dev$i lost its admission with the agent restart"
done
n_after=$("$G" site events --state "$L/site" --json | jq '[.[] | select(.kind=="network.8021x")] | length')
[ "$n_after" -eq "$n_before" ] || fail "sessions recorded again after the restart ($n_before -> $n_after)"
ok "router agent killed and restarted: authenticators adopted, sessions kept, nothing recorded twice"

# Quarantine cuts a device off within a second; release restores it.
s1=$(jq -r '.devices[0].serial' status.json)
"$G" site quarantine --state "$L/site" "$s1" --reason "lab test: suspicious traffic" >/dev/null
t0=$(date +%s%N); cut=""
for _ in $(seq 20); do
  if ! ip netns exec gh-dev1 curl -s -m 0.2 -o /dev/null http://telemetry.lab/; then cut=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.05
done
[ -n "$cut" ] && [ "$cut" -lt 1000 ] || fail "quarantine did not cut the device off within one second (${cut:-never} ms)"
ip netns exec gh-dev2 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "quarantining one device cut off another"
[ "$(ip netns exec gh-dev1 curl -sk -o /dev/null -w '%{http_code}' https://site.lab:8443/.well-known/est/cacerts)" = 200 ] \
  || fail "a quarantined device lost the onboarding services"
"$G" site events --state "$L/site" --serial "$s1" --json | jq -e '[.[] | select(.kind=="device.quarantine" and .reason=="lab test: suspicious traffic")] | length == 1' >/dev/null \
  || fail "quarantine not in the evidence log"
grep -q "\"r-dev1\" . $m1" <<< "$(ip netns exec gh-router nft list set inet gh_lab quarantined)" || fail "gh-dev1's station is not in the quarantine set"
# The policy names the lifecycle service (here the update server): the quarantined device reaches
# it and nothing else, not even the site's services any more.
cat > "$L/policy-q.yaml" <<EOF
default: {action: allow}
quarantine:
  reach:
    - {name: update-server, to: 10.77.1.11, protocol: tcp, port: 80}
EOF
"$G" site policy set --state "$L/site" "$L/policy-q.yaml" >/dev/null || fail "policy with a quarantine section refused"
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 0.5 -o /dev/null http://updates.lab/ && break; sleep 0.1; done
[ "$(ip netns exec gh-dev1 curl -s -m 2 http://updates.lab/)" = updates.lab ] || fail "the quarantined device does not reach the lifecycle service the policy names"
ip netns exec gh-dev1 curl -sk -m 2 -o /dev/null https://site.lab:8443/.well-known/est/cacerts && fail "the quarantined device reached the site beyond the policy's lifecycle service"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ && fail "the quarantined device reached its MUD host"
ip netns exec gh-dev2 curl -s -m 2 -o /dev/null http://updates.lab/ && fail "the quarantine's lifecycle service opened updates.lab to a device not quarantined"
"$G" site policy set --state "$L/site" "$L/policy-open.yaml" >/dev/null || fail "policy refused"
"$G" site release --state "$L/site" "$s1" >/dev/null
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 0.5 -o /dev/null http://telemetry.lab/ && break; sleep 0.1; done
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "release did not restore the device"
ok "quarantine cut gh-dev1 off in ${cut} ms into the quarantine segment (others unaffected; the site's services, or the lifecycle service the policy names, only); release restored it"

# Continuous assurance through the router: gh-dev1's agent attests every second over its LDevID
# session; its application is altered; the next evidence is contraindicated, the policy
# quarantines it and the router cuts it off. Measured from the alteration (the evidence follows
# within one interval) to its traffic blocked.
printf 'default: {action: allow}\nassurance: {interval: 1, stale-after: 600, contraindicated: quarantine}\n' > "$L/policy-attest.yaml"
"$G" site policy set --state "$L/site" "$L/policy-attest.yaml" >/dev/null || fail "policy refused"
cp "$d1/firmware/app.bin" app.bin.orig
# (--no-updates: the agent would otherwise onboard its application in its first round and might
# reinstall the manufacturer's signed release over the alteration before the site saw it.)
(ip netns exec gh-dev1 "$G" device run --state "$d1" --no-updates --json > run-dev1.out 2>&1 &)
for _ in $(seq 50); do grep -q '"status":"affirming"' run-dev1.out && break; sleep 0.1; done
grep -q '"status":"affirming"' run-dev1.out || fail "gh-dev1's agent did not attest: $(cat run-dev1.out)"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "an affirming device was cut off"
echo "implant" >> "$d1/firmware/app.bin"
t0=$(date +%s%N); cut=""
for _ in $(seq 60); do
  if ! ip netns exec gh-dev1 curl -s -m 0.2 -o /dev/null http://telemetry.lab/; then cut=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.05
done
[ -n "$cut" ] && [ "$cut" -lt 2000 ] || fail "altered firmware did not cut the device off within 2 s (${cut:-never} ms): $(cat run-dev1.out)"
grep -q '"check":"measurement.app"' run-dev1.out || fail "the agent did not get its verdict"
"$G" site attest show --state "$L/site" --serial "$s1" --json | jq -e '.[0].status == "contraindicated"' >/dev/null \
  || fail "no contraindicated result on record"
pkill -f "device run --state $d1" || true
cp app.bin.orig "$d1/firmware/app.bin"
"$G" site policy set --state "$L/site" "$L/policy-open.yaml" >/dev/null || fail "policy refused"
"$G" site release --state "$L/site" "$s1" >/dev/null
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 0.5 -o /dev/null http://telemetry.lab/ && break; sleep 0.1; done
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "release did not restore the device"
ok "continuous assurance: altered firmware to traffic blocked at the router in ${cut} ms (agent interval 1 s; target 2 s); released after repair"
echo "lab: altered firmware to traffic blocked ${cut} ms" >&2

before=$(ip netns exec gh-router nft -j list chain inet gh_lab forward | jq '[.nftables[].rule? | select(. != null) | .expr[] | .counter? | select(. != null) | .packets] | add')
ip netns exec gh-dev3 curl -s -m 2 -o /dev/null http://updates.lab/ && fail "a device without credentials reached a host"
after=$(ip netns exec gh-router nft -j list chain inet gh_lab forward | jq '[.nftables[].rule? | select(. != null) | .expr[] | .counter? | select(. != null) | .packets] | add')
[ "$after" -gt "$before" ] || fail "the router's drop counter did not count the attempt"
ok "a device without credentials reaches nothing else and is counted by the router ($before -> $after)"

# A rogue credential: gh-dev3 tries 802.1X with a certificate from a CA the site never trusted.
mkdir -p rogue
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue/key.pem -out rogue/cert.pem \
  -subj "/CN=$(jq -r '.devices[0].serial' status.json)" -days 2 2>/dev/null
cat > rogue/wpa.conf <<EOF
ctrl_interface=$T/rogue/ctrl
ap_scan=0
network={
  key_mgmt=IEEE8021X
  eap=TLS
  eapol_flags=0
  identity="$(jq -r '.devices[0].serial' status.json)"
  ca_cert="$L/site/domain-ca.pem"
  client_cert="$T/rogue/cert.pem"
  private_key="$T/rogue/key.pem"
}
EOF
(ip netns exec gh-dev3 wpa_supplicant -D wired -i eth0 -c rogue/wpa.conf > rogue/wpa.log 2>&1 &)
for _ in $(seq 40); do
  jq -e '.authenticator_failures | any(.port=="r-dev3")' "$L/site/router-view.json" >/dev/null 2>&1 && break
  sleep 0.25
done
jq -e '.authenticator_failures | any(.port=="r-dev3" and (.reason | test("self-signed|issuer|unknown ca"; "i")))' "$L/site/router-view.json" >/dev/null \
  || fail "the rogue certificate's refusal is not in the router's view: $(jq -c .authenticator_failures "$L/site/router-view.json")"
jq -e '.authenticator_sessions | any(.port=="r-dev3") | not' "$L/site/router-view.json" >/dev/null || fail "the rogue certificate got a session"
ip netns exec gh-dev3 curl -s -m 2 -o /dev/null http://telemetry.lab/ && fail "the rogue device reached a host"
pkill -f "rogue/wpa.conf" || true
ok "a certificate from an untrusted CA fails 802.1X ($(jq -r '[.authenticator_failures[] | select(.port=="r-dev3")][0].reason' "$L/site/router-view.json")) and reaches nothing"

# The asset check (the router's report against the inventory): gh-dev3 is an expected device on
# the network without onboarding; gh-dev1's attempt to a host its MUD file does not allow is a
# violation; a device with a MAC no inventory knows, plugged into port 3, is unknown.
ip netns exec gh-dev1 curl -s -m 1 -o /dev/null http://elsewhere.lab/ || true
ip netns exec gh-dev3 ip link set eth0 down
ip netns exec gh-dev3 ip link set eth0 address 02:de:ad:be:ef:01
ip netns exec gh-dev3 ip link set eth0 up
ip netns exec gh-dev3 busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$L/udhcpc.sh" >/dev/null 2>&1 || true
ip netns exec gh-dev3 ping -c1 -W1 "$(jq -r '.devices[2].address' status.json | cut -d/ -f1 | sed 's/\.[0-9]*$/.1/')" >/dev/null 2>&1 || true
for _ in $(seq 40); do
  "$G" site assets check --state "$L/site" --fail-on none --json > assets.json 2>/dev/null &&
    jq -e '(.unknown | any(.mac=="02:de:ad:be:ef:01")) and (.mud_violations | length) >= 1' assets.json >/dev/null && break
  sleep 0.25
done
s1=$(jq -r '.devices[0].serial' status.json); s3=$(jq -r '.devices[2].serial' status.json)
jq -e --arg s "$s3" '.not_onboarded_seen | any(.serial==$s)' assets.json >/dev/null || fail "assets: $s3 not reported: $(cat assets.json)"
jq -e '.unknown | any(.mac=="02:de:ad:be:ef:01")' assets.json >/dev/null || fail "assets: the unknown device is not reported: $(cat assets.json)"
jq -e --arg s "$s1" '.mud_violations | any(.serial==$s and .dropped_packets > 0)' assets.json >/dev/null \
  || fail "assets: the MUD violation is not reported: $(cat assets.json)"
jq -e '(.onboarded_not_seen | length) == 0' assets.json >/dev/null || fail "assets: onboarded devices reported missing: $(cat assets.json)"
expect_refused assets.problems "$G" site assets check --state "$L/site" --fail-on unknown
"$G" site assets check --state "$L/site" --fail-on onboarded_not_seen >/dev/null || fail "assets: --fail-on a kind not found exits non-zero"
ok "asset check: an expected device seen without onboarding, an unknown MAC on a device port, a MUD violation"

"$G" lab demo --devices 3 --dir "$L" --json > demo.json || fail "lab demo"
jq -e '[.devices[0,1] | select(.onboarded and .after["telemetry.lab"] and (.after["updates.lab"] | not))] | length == 2' demo.json >/dev/null \
  || fail "lab demo: $(cat demo.json)"
# gh-dev3 (never onboarded until now) shows the whole path: nothing before, nothing when only
# onboarded, its MUD-permitted host once 802.1X admitted it.
jq -e '.devices[2] | .onboarded and .connected and (.before["telemetry.lab"] | not)
       and (.onboarded_not_connected["telemetry.lab"] | not) and .after["telemetry.lab"] and (.after["updates.lab"] | not)' demo.json >/dev/null \
  || fail "lab demo (connect): $(jq -c '.devices[2]' demo.json) $(grep -E 'authsrv|CTRL-EVENT|EAPOL' "$L/router/auth/hostapd-r-dev3.log" | tail -15) $(tail -5 "$L/logs/router.log")"
# gh-dev3's birth credentials name no MUD URL: what it reaches after 802.1X came from the URL it
# announced in DHCP, accepted once the file proved signed under its own manufacturer's root.
s3=$(jq -r '.devices[2].serial' status.json)
"$G" site devices --state "$L/site" --json | jq -e --arg s "$s3" '.[] | select(.serial==$s) | .mud_url == "" and .mud_url_claimed.source == "dhcp"
    and .mud_url_claimed.status == "accepted" and .mud_url_enforced == "https://mud.lab/lab-sensor.json"' >/dev/null \
  || fail "gh-dev3's DHCP MUD URL: $("$G" site devices --state "$L/site" --json | jq -c --arg s "$s3" '.[] | select(.serial==$s)')"
"$G" site events --state "$L/site" --serial "$s3" --json | jq -e '[.[] | select(.kind=="mud.claim" and .outcome=="ok")] | length == 2' >/dev/null \
  || fail "gh-dev3's claim and its acceptance are not on record"
ok "lab demo reports, per device, what it reaches before onboarding, onboarded but not connected, and after 802.1X (gh-dev3 by the MUD URL it announced in DHCP)"

# Revocation: the site revokes gh-dev2's LDevID: the router cuts it off at once, the CRL lists it
# (OpenSSL agrees), and its next 802.1X attempt fails on the router's CRL check.
s2=$(jq -r '.devices[1].serial' status.json)
ip netns exec gh-dev2 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "gh-dev2 is not connected before the revocation"
"$G" site revoke --state "$L/site" "$s2" --reason "lab test: key compromised" >/dev/null || fail "site revoke"
t0=$(date +%s%N); cut=""
for _ in $(seq 20); do
  if ! ip netns exec gh-dev2 curl -s -m 0.2 -o /dev/null http://telemetry.lab/; then cut=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.05
done
[ -n "$cut" ] && [ "$cut" -lt 1000 ] || fail "revocation did not cut the device off within one second (${cut:-never} ms)"
openssl verify -crl_check -CAfile "$L/site/domain-ca.pem" -CRLfile "$L/site/crl.pem" "$d2/onboarding/ldevid.pem" > v.txt 2>&1 \
  && fail "OpenSSL accepts the revoked LDevID against the site's CRL"
grep -q "certificate revoked" v.txt || fail "openssl verify: $(cat v.txt)"
expect_refused eap.failed ip netns exec gh-dev2 "$G" device connect --state "$d2" --timeout 20
# (the router records the refusal within its interval after hostapd logs it)
wait_events "$s2" ev2.json '[.[] | select(.kind=="network.8021x" and .outcome=="refused")] | length >= 1'
jq -e '[.[] | select(.kind=="network.8021x" and .outcome=="refused" and .reason=="eap.failed" and (.detail.message == "certificate revoked"))] | length >= 1' ev2.json >/dev/null \
  || fail "the revoked LDevID's refusal is not in the evidence log: $(jq -c '[.[] | select(.kind=="network.8021x")]' ev2.json) $(tail -8 "$L/logs/router.log")"
ip netns exec gh-dev2 curl -s -m 2 -o /dev/null http://telemetry.lab/ && fail "the revoked device reached a host"
"$G" site assets check --state "$L/site" --fail-on none --json > assets2.json
jq -e --arg s "$s2" '.authentication_failures | any(.reason=="certificate revoked")' assets2.json >/dev/null \
  || fail "assets: the 802.1X refusal is not reported: $(cat assets2.json)"
jq -e --arg s "$(jq -r '.devices[0].serial' status.json)" '.onboarded_not_connected | any(.serial==$s) | not' assets2.json >/dev/null \
  || fail "assets: a connected device reported as not connected: $(cat assets2.json)"
ok "revocation: cut off in ${cut} ms, listed in the CRL (openssl verify agrees), 802.1X refused with 'certificate revoked'"

# Re-onboarding supersedes the old LDevID: after a factory reset and a new BRSKI onboarding, the
# old certificate (kept aside here, as a thief would) fails 802.1X; the new one works.
mkdir -p old1 && cp "$d1/onboarding/ldevid.pem" "$d1/keystore/ldevid.key" old1/
"$G" device reset --state "$d1" >/dev/null
ip netns exec gh-dev1 "$G" device onboard --state "$d1" --brski https://site.lab:8443 --timeout 20 >/dev/null || fail "re-onboarding"
old_serial=$(openssl x509 -in old1/ldevid.pem -noout -serial | cut -d= -f2)
for _ in $(seq 20); do grep -qi "$old_serial" <<< "$(openssl crl -in "$L/site/crl.pem" -noout -text)" && break; sleep 0.5; done
openssl verify -crl_check -CAfile "$L/site/domain-ca.pem" -CRLfile "$L/site/crl.pem" old1/ldevid.pem >/dev/null 2>&1 \
  && fail "the superseded LDevID is not in the CRL"
# try_8021x DIR CERT KEY REASON: wpa_supplicant on gh-dev1 with this certificate and key (as a
# thief holding them would) until the router records a new refusal on r-dev1 whose reason matches
# REASON (a regular expression); whether it did.
try_8021x() {
  local dir=$1 cert=$2 key=$3 reason=$4 before i
  refusals() { jq --arg r "$reason" '[.authenticator_failures[] | select(.port=="r-dev1" and (.reason|test($r)))] | length' "$L/site/router-view.json"; }
  before=$(refusals)
  sed -e "s#$T/rogue/cert.pem#$cert#; s#$T/rogue/key.pem#$key#; s#$T/rogue/ctrl#$T/$dir/ctrl#" rogue/wpa.conf > "$dir/wpa.conf"
  (ip netns exec gh-dev1 wpa_supplicant -D wired -i eth0 -c "$dir/wpa.conf" > "$dir/wpa.log" 2>&1 &)
  for i in $(seq 60); do
    [ "$(refusals)" -gt "$before" ] && break
    # (the authenticator may miss the first EAPOL-Start right after the previous session's logoff)
    [ $((i % 8)) -eq 0 ] && ip netns exec gh-dev1 wpa_cli -p "$T/$dir/ctrl" -i eth0 reassociate >/dev/null 2>&1
    sleep 0.25
  done
  pkill -f "$dir/wpa.conf" || true
  [ "$(refusals)" -gt "$before" ]
}
try_8021x old1 "$T/old1/ldevid.pem" "$T/old1/ldevid.key" "^certificate revoked$" \
  || fail "the superseded LDevID was not refused: $(jq -c .authenticator_failures "$L/site/router-view.json")"
ip netns exec gh-dev1 "$G" device connect --state "$d1" --server-name eap.lab >/dev/null || fail "802.1X with the new LDevID"
for _ in $(seq 40); do ip netns exec gh-dev1 curl -s -m 0.5 -o /dev/null http://telemetry.lab/ && break; sleep 0.1; done
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "the re-onboarded device is not admitted"
ok "re-onboarding: the superseded LDevID is in the CRL and refused by 802.1X; the new one is admitted"

# Application-layer onboarding and an update campaign through the router (issue 15): the site
# mirrors the manufacturer's repository (site to MASA across the router), gh-dev1 (connected by
# 802.1X) app-onboards over its LDevID and is updated by a campaign, keeping its network.
ip netns exec gh-site "$G" site mirror sync --state "$L/site" --json > lmirror.json || fail "mirror sync in the lab: $(cat lmirror.json)"
ip netns exec gh-dev1 "$G" device app-onboard --state "$d1" --json > lapp.json 2>&1 || fail "app-onboard in the lab: $(cat lapp.json)"
[ "$(jq -r .path lapp.json)" = streamlined ] || fail "lab app-onboarding: $(cat lapp.json)"
printf '#!/bin/sh\necho "lab sensor application $GATEHOUSE_APP_VERSION"\n' > lab-app-1.1.sh
"$G" factory release --state "$L/factory" --model lab-sensor --version 1.1.0 --file lab-app-1.1.sh >/dev/null
ip netns exec gh-site "$G" site mirror sync --state "$L/site" >/dev/null || fail "second mirror sync"
lcid=$("$G" site campaign create --state "$L/site" --model lab-sensor --version 1.1.0 --groups 1 --approve --json | jq -r .id)
ip netns exec gh-dev1 "$G" device run --state "$d1" --rounds 2 --interval 1 > lrun.out 2>&1 || true
[ "$("$G" site campaign status --state "$L/site" "$lcid" | jq -r .state)" = finished ] \
  || fail "lab campaign: $("$G" site campaign status --state "$L/site" "$lcid" | jq -c '{state, members}') $(cat lrun.out)"
[ "$(jq -r .version "$d1/firmware/release.json")" = 1.1.0 ] || fail "gh-dev1 was not updated"
ip netns exec gh-dev1 curl -s -m 2 -o /dev/null http://telemetry.lab/ || fail "the updated device lost its network"
ok "through the router: the site mirrored the update repository, gh-dev1 app-onboarded (streamlined) and campaign $lcid updated it to 1.1.0; it keeps its network"

# Renewal without a gap (issue 16): while gh-dev1 keeps reaching telemetry.lab, the site asks it
# to rekey; its agent renews over EST, confirms with the new certificate, and its supplicant
# re-authenticates with it while the port stays authorized: the router's session moves to the
# new certificate, the old one goes into the CRL, and not one request fails.
old_serial=$(openssl x509 -in "$d1/onboarding/$(jq -r .credential.certificate "$d1/onboarding/network.json")" -noout -serial | cut -d= -f2 | tr A-F a-f)
( for _ in $(seq 80); do
    if ip netns exec gh-dev1 curl -s -m 1 -o /dev/null http://telemetry.lab/; then echo ok; else echo FAIL; fi
    sleep 0.05
  done > gap.txt ) &
gap_pid=$!
sleep 0.5
"$G" site renew --state "$L/site" "$s1" --rekey >/dev/null
ip netns exec gh-dev1 "$G" device run --state "$d1" --rounds 1 --no-updates > lrenew.out 2>&1 || fail "renewal in the lab: $(cat lrenew.out)"
grep -q "renewed LDevID" lrenew.out || fail "no renewal: $(cat lrenew.out)"
new_serial=$(openssl x509 -in "$d1/onboarding/$(jq -r .credential.certificate "$d1/onboarding/network.json")" -noout -serial | cut -d= -f2 | tr A-F a-f)
[ "$new_serial" != "$old_serial" ] || fail "the device still holds its old certificate"
for _ in $(seq 60); do
  jq -e --arg n "${new_serial#0}" '.authenticator_sessions | any(.port=="r-dev1" and (.certificate_serial|ltrimstr("0"))==$n)' "$L/site/router-view.json" >/dev/null 2>&1 && break
  sleep 0.25
done
jq -e --arg n "${new_serial#0}" '.authenticator_sessions | any(.port=="r-dev1" and (.certificate_serial|ltrimstr("0"))==$n)' "$L/site/router-view.json" >/dev/null \
  || fail "the router's session did not move to the renewed LDevID: $(jq -c .authenticator_sessions "$L/site/router-view.json")"
for _ in $(seq 20); do openssl crl -in "$L/site/crl.pem" -noout -text | tr A-F a-f | grep -q "${old_serial#0}" && break; sleep 0.25; done
openssl crl -in "$L/site/crl.pem" -noout -text | tr A-F a-f | grep -q "${old_serial#0}" || fail "the old LDevID is not in the CRL"
wait "$gap_pid"
[ "$(grep -c ok gap.txt)" -ge 60 ] && ! grep -q FAIL gap.txt || fail "traffic stopped during the renewal: $(sort gap.txt | uniq -c | tr '\n' ' ')"
ok "renewal through the router: $old_serial -> $new_serial, 802.1X re-authenticated with it, the old one in the CRL; $(grep -c ok gap.txt) requests during it, none failed"

# Decommissioning (issue 16): the device is cut off at once, its agent wipes it, and its old
# credentials (kept aside, as a thief would) fail 802.1X on the CRL.
mkdir -p dec1 && cp "$d1/onboarding/$(jq -r .credential.certificate "$d1/onboarding/network.json")" dec1/ldevid.pem \
  && cp "$d1/keystore/$(jq -r .credential.key "$d1/onboarding/network.json" | sed 's/^keystore://').key" dec1/ldevid.key
"$G" site decommission --state "$L/site" "$s1" --reason "lab test: taken out of service" >/dev/null
t0=$(date +%s%N); cut=""
for _ in $(seq 20); do
  if ! ip netns exec gh-dev1 curl -s -m 0.2 -o /dev/null http://telemetry.lab/; then cut=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.05
done
[ -n "$cut" ] && [ "$cut" -lt 1000 ] || fail "decommissioning did not cut the device off within one second (${cut:-never} ms)"
rc=0; ip netns exec gh-dev1 "$G" device run --state "$d1" --rounds 1 --no-updates > ldec.out 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q device.decommissioned ldec.out && [ ! -e "$d1/onboarding" ] || fail "the agent did not wipe gh-dev1: $rc $(cat ldec.out)"
try_8021x dec1 "$T/dec1/ldevid.pem" "$T/dec1/ldevid.key" "^certificate revoked$" \
  || fail "the decommissioned device's LDevID was not refused: $(jq -c .authenticator_failures "$L/site/router-view.json")"
ip netns exec gh-dev1 curl -s -m 1 -o /dev/null http://telemetry.lab/ && fail "the decommissioned device reached a host"
ok "decommissioning: cut off in ${cut} ms, wiped by its agent, its old LDevID refused by 802.1X (certificate revoked)"

# An LDevID past its notAfter fails 802.1X: one from the site's own domain CA, for gh-dev1's
# serial, never revoked, but expired (made here with `openssl ca` and the CA's key file).
mkdir -p exp && : > exp/index.txt && echo 01 > exp/serial
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\nnew_certs_dir=%s\nserial=%s\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\nserialNumber=optional\n' \
  "$T/exp/index.txt" "$T/exp" "$T/exp/serial" > exp/ca.cnf
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout exp/key.pem -subj "/CN=$s1/serialNumber=$s1" -out exp/req.pem 2>/dev/null
openssl ca -batch -config exp/ca.cnf -cert "$L/site/domain-ca.pem" -keyfile "$L/site/keys/domain-ca.key" -in exp/req.pem \
  -out exp/cert.pem -startdate 20250101000000Z -enddate 20250102000000Z -notext >/dev/null 2>&1 || fail "openssl ca"
openssl verify -CAfile "$L/site/domain-ca.pem" exp/cert.pem > exp/verify.txt 2>&1 && fail "openssl accepts the expired certificate"
grep -q "expired" exp/verify.txt || fail "the test certificate is not expired: $(cat exp/verify.txt)"
try_8021x exp "$T/exp/cert.pem" "$T/exp/key.pem" "expired" \
  || fail "an expired LDevID was not refused: $(jq -c .authenticator_failures "$L/site/router-view.json")"
ip netns exec gh-dev1 curl -s -m 1 -o /dev/null http://telemetry.lab/ && fail "a device with an expired LDevID reached a host"
ok "an expired LDevID from the site's own CA fails 802.1X ($(jq -r '[.authenticator_failures[] | select(.port=="r-dev1" and (.reason|test("expired")))][-1].reason' "$L/site/router-view.json"))"

# Every change above after the first was an incremental transaction the kernel accepted (none fell
# back to rebuilding the table, which would have reset the counters).
applied=$(grep -c "ruleset applied" "$L/logs/router.log" || true)
[ "$applied" -ge 5 ] || fail "the router applied only $applied changes"
if grep -q "incremental change refused" "$L/logs/router.log"; then
  fail "an incremental change was refused: $(grep -A2 'incremental change refused' "$L/logs/router.log" | head -5)"
fi
ok "the router applied $applied changes, each an incremental transaction"

# The router agent's own metrics (router serve --metrics-listen, on the router's loopback).
ip netns exec gh-router curl -sf -m 5 http://127.0.0.1:9108/metrics > router-metrics.txt || fail "the router's /metrics"
# (promtool comes with Debian's prometheus package, which scripts/deps.sh installs for make test:
# its absence is a failure, not a check quietly left out)
command -v promtool >/dev/null || fail "promtool is not installed (bash scripts/deps.sh)"
promtool check metrics < router-metrics.txt > promtool.out 2>&1 || fail "promtool: $(cat promtool.out)"
# (counted since the agent's restart above)
awk '$1 == "gatehouse_router_8021x_sessions_total{outcome=\"admitted\"}" && $2 >= 1 { a = 1 }
     $1 == "gatehouse_router_ruleset_applications_total{mode=\"incremental\"}" && $2 >= 1 { i = 1 }
     END { exit !(a && i) }' router-metrics.txt || fail "router metrics: $(grep -E '8021x_sessions_total|ruleset_app' router-metrics.txt)"
ok "the router's /metrics: admitted 802.1X sessions and incremental ruleset applications counted; promtool accepts it"

# The dashboard on the lab's data, as `make demo` leaves it: a second serve on the host with
# --no-upkeep, its pid among the lab's, an admin's token in a 0600 file that nothing printed.
"$G" lab dashboard --dir "$L" --listen 127.0.0.1:0 --json > dash.json || fail "lab dashboard: $(cat dash.json)"
durl=$(jq -r .url dash.json)
tokf=$(jq -r .token_file dash.json)
[ "$(stat -c %a "$tokf")" = 600 ] || fail "the dashboard's token file is not 0600"
! grep -qF "$(cat "$tokf")" dash.json || fail "lab dashboard printed the token"
curl -sf --cacert "$L/site/domain-ca.pem" -H "Authorization: Bearer $(cat "$tokf")" "${durl%/ui/}/api/v1/devices" > dash-devices.json \
  || fail "the dashboard's API at $durl"
jq -e '.total >= 1' dash-devices.json >/dev/null || fail "the dashboard's API lists no device: $(cat dash-devices.json)"
dpid=$(jq -r .pid dash.json)
tr '\0' ' ' < "/proc/$dpid/cmdline" | grep -q -- "--no-upkeep" \
  || fail "the dashboard's serve keeps the site's upkeep too: $(tr '\0' ' ' < "/proc/$dpid/cmdline")"
"$G" lab status --dir "$L" --json > status.json
jq -e --argjson p "$dpid" '.pids | index($p) != null' status.json >/dev/null || fail "the dashboard's pid is not among the lab's"
ok "lab dashboard serves the API on the lab's data with --no-upkeep; its pid is the lab's, its token only in a 0600 file"

pids=$(jq -r '.pids[]' status.json)
"$G" lab down --dir "$L" >/dev/null || fail "lab down"
grep -q "^gh-" <<< "$(ip netns list)" && fail "namespaces left: $(ip netns list)"
sleep 0.5
for p in $pids; do  # (a zombie is not running: in a container PID 1 may not reap it)
  st=$(ps -o stat= -p "$p" 2>/dev/null || true)
  [ -n "$st" ] && [ "${st#Z}" = "$st" ] && fail "process $p left running ($st)"
done
ls /etc/netns 2>/dev/null | grep -q "^gh-" && fail "resolver files left in /etc/netns"
"$G" lab down --dir "$L" >/dev/null || fail "lab down twice"
expect_refused lab.down "$G" lab status --dir "$L"
ok "lab down leaves no namespace, process or file behind (and is idempotent)"
finish
