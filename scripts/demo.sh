#!/usr/bin/env bash
# `make demo`: the main job end to end, as far as Gatehouse goes today: a manufacturer makes a
# batch of devices, sells part of it to a freshly initialised site, the site imports the bundle,
# and the devices onboard: four by BRSKI against the site's registrar and the manufacturer's MASA
# (attesting on the way), one by Wi-Fi Easy Connect (DPP over TCP) against the site's controller;
# a device whose firmware is altered is caught by its next attestation and revoked; applications
# onboarded and updated by a staged campaign; one device's whole life (renewed, decommissioned,
# resold to a second site, the first refused by the MASA, retired) and the auditor's evidence.
set -euo pipefail
G=${1:-build/gatehouse}
G=$(readlink -f "$G")
D=${DEMO_DIR:-$(pwd)/demo-out}
# The last demo left its lab up for the dashboard: take it down before its directory goes.
if [ -f "$D/lab/lab.json" ] && [ "$(id -u)" -eq 0 ]; then "$G" lab down --dir "$D/lab" >/dev/null 2>&1 || true; fi
rm -rf "$D"
mkdir -p "$D"
cd "$D"
if [ -t 1 ]; then step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else step() { printf '\n== %s\n' "$*"; }; fi

step "Manufacturer: create the CA hierarchy (root, IDevID CA, MASA, MUD and declaration signers)"
# The MASA URL goes into every IDevID; here the MASA runs on this machine's loopback.
MASA_PORT=${MASA_PORT:-$(( 20000 + RANDOM % 20000 ))}
"$G" factory init --state factory --name "Acme Sensors" --masa-url "https://localhost:$MASA_PORT"

step "Manufacturer: check the MUD file for model th-100 (RFC 8520) and publish it (detached CMS signature)"
cat > th-100.mud.json <<'MUD'
{
  "ietf-mud:mud": {
    "mud-version": 1,
    "mud-url": "https://mud.acme.example/th-100.json",
    "last-update": "2026-11-01T00:00:00Z",
    "cache-validity": 48,
    "is-supported": true,
    "systeminfo": "Acme TH-100 temperature and humidity sensor",
    "mfg-name": "Acme Sensors",
    "from-device-policy": {"access-lists": {"access-list": [{"name": "from-th100"}]}},
    "to-device-policy": {"access-lists": {"access-list": [{"name": "to-th100"}]}}
  },
  "ietf-access-control-list:acls": {"acl": [
    {"name": "from-th100", "type": "ipv4-acl-type", "aces": {"ace": [
      {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "telemetry.acme.example"},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "destination-port": {"operator": "eq", "port": 443}}},
       "actions": {"forwarding": "accept"}}]}},
    {"name": "to-th100", "type": "ipv4-acl-type", "aces": {"ace": [
      {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": "telemetry.acme.example"},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "source-port": {"operator": "eq", "port": 443}}},
       "actions": {"forwarding": "accept"}}]}}]}
}
MUD
"$G" mud check th-100.mud.json | head -20
"$G" factory publish-mud --state factory --model th-100 --file th-100.mud.json

step "Manufacturer: production line, 8 devices (keys generated on each device, IDevID signed from its CSR)"
"$G" factory make --state factory --model th-100 --count 8 --out devices \
  --mud-url https://mud.acme.example/th-100.json | tee serials.txt
first=$(head -1 serials.txt)
echo "device image of $first:"
find "devices/$first" -maxdepth 2 | sort | sed 's/^/  /'
echo "its IDevID:"
openssl x509 -in "devices/$first/bootstrap/idevid.pem" -noout -subject -issuer -enddate | sed 's/^/  /'
echo "its DPP URI: $(cat "devices/$first/bootstrap/dpp-uri.txt")"
if command -v zbarimg >/dev/null; then
  echo "its QR label reads back as: $(zbarimg --quiet --raw "devices/$first/bootstrap/dpp-qr.png" 2>/dev/null)"
fi

step "Network owner: initialise the site (domain CA = the owner certificate)"
"$G" site init --state site --name "Example Hospital"

step "Manufacturer: sell 5 of the 8 devices to the site (re-signed declarations, signed bundle)"
head -5 serials.txt > sold.txt
"$G" factory sell --state factory --serials-from sold.txt --owner-cert site/domain-ca.pem --bundle bundle.pem

step "Network owner: import without having trusted the manufacturer yet (refused, names the check)"
"$G" site import --state site bundle.pem || echo "(refused as expected)"

step "Network owner: import, trusting the manufacturer root whose fingerprint was confirmed out of band"
"$G" site import --state site bundle.pem --trust-anchor factory/pki/root.pem

step "Network owner: a device it did not buy is not in its inventory"
"$G" site devices --state site

step "Start the manufacturer's MASA, the site's registrar and DPP controller (real servers on loopback)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
"$G" masa serve --state factory --listen "127.0.0.1:$MASA_PORT" > masa.log 2>&1 &
pids+=($!)
"$G" site serve --state site --listen 127.0.0.1:0 --dpp-listen 127.0.0.1:0 --ssid hospital-iot > registrar.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ "$(grep -c "listening on" registrar.log masa.log 2>/dev/null | awk -F: '{s+=$2} END {print s}')" = 3 ] && break; sleep 0.05; done
REGISTRAR=$(sed -n 's/^registrar listening on //p' registrar.log)
CONTROLLER=$(sed -n 's/^dpp controller listening on //p' registrar.log)
echo "MASA            https://127.0.0.1:$MASA_PORT"
echo "registrar       $REGISTRAR"
echo "DPP controller  $CONTROLLER"

step "Devices onboard by BRSKI: voucher from the MASA (ownership checked), LDevID by EST"
for s in $(head -4 sold.txt); do "$G" device onboard --state "devices/$s" --brski "$REGISTRAR"; done

step "A device onboards by DPP: it announces itself, the site knows its key from the bundle"
dpp_dev=$(sed -n 5p sold.txt)
"$G" device onboard --state "devices/$dpp_dev" --dpp "$CONTROLLER"
echo "its network configuration (the netAccessKey stays in its keystore):"
jq '{method, ssid, akm: .credential.akm, csign_kid: .credential.csign.kid, netAccessKey: .credential.netAccessKey}' \
  "devices/$dpp_dev/onboarding/network.json" | sed 's/^/  /'

step "A device the site did not buy is refused (names the check)"
"$G" device onboard --state "devices/$(sed -n 6p serials.txt)" --brski "$REGISTRAR" --timeout 2 || echo "(refused as expected)"

step "What a device holds now ($first)"
find "devices/$first/onboarding" | sort | sed 's/^/  /'
openssl x509 -in "devices/$first/onboarding/ldevid.pem" -noout -subject -issuer -enddate | sed 's/^/  /'
echo "  the voucher, verified by OpenSSL with the manufacturer root:"
openssl cms -verify -inform DER -in "devices/$first/onboarding/voucher.cms" -CAfile factory/pki/root.pem -purpose any 2>/dev/null \
  | jq -c '."ietf-voucher:voucher" | {"serial-number", assertion, nonce, "created-on"}' | sed 's/^/  /'

step "Factory reset and onboard again: a fresh LDevID, the old one superseded"
"$G" device reset --state "devices/$first"
"$G" device onboard --state "devices/$first" --brski "$REGISTRAR"

step "Attestation: the device agent answers the site's challenge over its LDevID session"
# The demo policy: devices attest every 2 s; contraindicated evidence revokes the device.
cat > policy.yaml <<'YAML'
default: {action: allow, segment: general}
assurance: {interval: 2, stale-after: 600, contraindicated: revoke}
YAML
"$G" site policy set --state site policy.yaml
att=$(sed -n 4p sold.txt)
echo "$att's firmware, as installed at manufacture (release $(jq -r .version "devices/$att/firmware/release.json")):"
(cd "devices/$att/firmware" && sha256sum boot.bin os.bin app.bin | sed 's/^/  /')
"$G" device run --state "devices/$att" --rounds 1

step "Someone alters $att's application; its next evidence is contraindicated, naming the measurement"
echo "implant" >> "devices/$att/firmware/app.bin"
"$G" device run --state "devices/$att" --rounds 1 || true
"$G" site attest show --state site --serial "$att"
echo "the evidence log says why:"
"$G" site events --state site --serial "$att" | grep -E "attest|device.revoke" | sed 's/^/  /'
echo "and its LDevID is refused from now on:"
"$G" device run --state "devices/$att" --rounds 1 || echo "(refused as expected)"

step "Application-layer onboarding (streamlined): the site mirrors the manufacturer's update repository"
echo "The site is a TUF client of the manufacturer (from the root.json its bundle carried); devices verify"
echo "every file again themselves, from the root they were made with: the mirror is not trusted."
"$G" site mirror sync --state site
app_devs=$(head -3 sold.txt)
for s in $app_devs; do "$G" device app-onboard --state "devices/$s"; done
"$G" site devices --state site --json | jq -r '.[] | select(.app_status != "") | "  \(.serial)  \(.app_status) (\(.app_path)) running \(.app_version)"'

step "A signed update (TUF), rolled out by a staged campaign: groups in random order, each confirmed by attestation"
printf '#!/bin/sh\necho "th-100 application $GATEHOUSE_APP_VERSION running"\n' > app-1.1.sh
"$G" factory release --state factory --model th-100 --version 1.1.0 --file app-1.1.sh
"$G" site mirror sync --state site
campaign=$("$G" site campaign create --state site --model th-100 --version 1.1.0 --groups 3 --approve --json | jq -r .id)
echo "campaign $campaign created and approved"
for _ in 1 2 3; do
  for s in $app_devs; do "$G" device run --state "devices/$s" --rounds 1 --interval 1 2>/dev/null | sed 's/^/  /'; done
  [ "$("$G" site campaign status --state site "$campaign" | jq -r .state)" = finished ] && break
done
"$G" site campaign status --state site "$campaign" \
  | jq -r '"campaign \(.id): \(.state)", (.groups[] | "  group \(.index): \(.state), \(.size) device(s)"), (.members[] | "  \(.serial): \(.phase)")'
for s in $app_devs; do echo "  $s runs $(jq -r .version "devices/$s/firmware/release.json") from $(readlink "devices/$s/firmware")"; done

step "A release tampered with in the site's mirror: the device refuses it, the campaign stops at its threshold (0%)"
printf '#!/bin/sh\necho "th-100 application $GATEHOUSE_APP_VERSION running"\n# 1.2\n' > app-1.2.sh
"$G" factory release --state factory --model th-100 --version 1.2.0 --file app-1.2.sh
"$G" site mirror sync --state site
for f in site/mirror/*/repository/targets/th-100/1.2.0/*.app.bin; do
  size=$(stat -c %s "$f")
  head -c "$size" /dev/zero | tr '\0' 'X' > "$f.new" && mv "$f.new" "$f"   # same length, other bytes
done
campaign=$("$G" site campaign create --state site --model th-100 --version 1.2.0 --groups 1 --max-failures 0 --approve --json | jq -r .id)
for s in $app_devs; do "$G" device run --state "devices/$s" --rounds 1 --interval 1 2>&1 | grep -E "refused|tuf" | sed 's/^/  /' || true; done
"$G" site campaign status --state site "$campaign" \
  | jq -r '"campaign \(.id): \(.state)", (.members[] | "  \(.serial): \(.phase) (\(.check))")'
for s in $app_devs; do echo "  $s still runs $(jq -r .version "devices/$s/firmware/release.json")"; done

life=$(echo "$app_devs" | head -1)
step "The whole life of $life: the site asks it to rekey; its agent renews the LDevID (EST simplereenroll)"
echo "The old credential stays valid until the device confirms the new one over TLS with it; then it is"
echo "superseded and the CRL lists it."
"$G" site renew --state site "$life" --rekey
"$G" device run --state "devices/$life" --rounds 1 --no-updates 2>/dev/null | grep -E "renewed|attestation" | sed 's/^/  /'
"$G" site devices show --state site "$life" | sed 's/^/  /'

step "Decommission $life: credentials revoked, network rules removed, its agent wipes it at next contact"
"$G" site decommission --state site "$life" --reason "demo: moved to another building"
"$G" device run --state "devices/$life" --rounds 1 --no-updates 2>&1 | grep -E "decommissioned|wiped" | sed 's/^/  /' || true
echo "  what the device holds now: $(ls "devices/$life" | tr '\n' ' ')(no onboarding/)"

step "The owner repurposes it, then sells it on instead: the manufacturer transfers ownership to a second site"
"$G" site repurpose --state site "$life" --reason "demo: to be reused"
"$G" site init --state site2 --name "Clinic Network" >/dev/null
"$G" factory sell --state factory --serial "$life" --owner-cert site2/domain-ca.pem --bundle bundle2.pem \
  || echo "(a resale without --transfer is refused)"
"$G" factory sell --state factory --serial "$life" --owner-cert site2/domain-ca.pem --bundle bundle2.pem --transfer
"$G" site import --state site2 bundle2.pem --trust-anchor factory/pki/root.pem
"$G" site serve --state site2 --listen 127.0.0.1:0 > registrar2.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" registrar2.log 2>/dev/null && break; sleep 0.05; done
REGISTRAR2=$(sed -n 's/^registrar listening on //p' registrar2.log)
"$G" device onboard --state "devices/$life" --brski "$REGISTRAR2"
echo "the first site's registrar, which still lists $life as expected, asks the MASA and is refused:"
"$G" device reset --state "devices/$life" >/dev/null
"$G" device onboard --state "devices/$life" --brski "$REGISTRAR" --timeout 5 2>&1 | sed 's/^/  /' || true
"$G" site decommission --state site "$life" --reason "demo: sold to Clinic Network" --transfer
"$G" device onboard --state "devices/$life" --brski "$REGISTRAR2" >/dev/null && echo "  onboarded again at Clinic Network"

step "End of life at the second site"
"$G" site decommission --state site2 "$life" --reason "demo: end of service"
"$G" site retire --state site2 "$life"
"$G" site devices show --state site2 "$life" --history | sed 's/^/  /'

step "The evidence an auditor checks: the first site's log exported with a signed Merkle checkpoint"
"$G" site evidence export --state site --out evidence.jsonl
"$G" site evidence verify evidence.jsonl --key site/evidence-signer.pem
echo "one byte changed in one entry:"
sed '7s/"ok"/"oK"/' evidence.jsonl > evidence-tampered.jsonl
"$G" site evidence verify evidence-tampered.jsonl --key site/evidence-signer.pem || echo "(refused as expected)"

step "The site's inventory"
"$G" site devices --state site

step "Manufacturer's record"
"$G" factory devices --state factory

step "Evidence trail of $first at the site"
"$G" site events --state site --serial "$first"

step "Evidence trail of $dpp_dev (DPP) at the site"
"$G" site events --state site --serial "$dpp_dev"

step "The network side in a lab: router, site, internet and device namespaces (root)"
if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
  LAB="$D/lab"
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pkill -f "$D/rogue" 2>/dev/null || true; "$G" lab down --dir "$LAB" >/dev/null 2>&1' EXIT
  "$G" lab up --devices 3 --dir "$LAB"
  L1=$("$G" lab status --dir "$LAB" --json | jq -r '.devices[0].state_dir')
  L2=$("$G" lab status --dir "$LAB" --json | jq -r '.devices[1].state_dir')
  S1=$("$G" lab status --dir "$LAB" --json | jq -r '.devices[0].serial')
  S2=$("$G" lab status --dir "$LAB" --json | jq -r '.devices[1].serial')
  reach() { ip netns exec "$1" curl -s -m 2 "http://$2/" || echo blocked; }
  # The reachability table at the end: device x destination x phase, reached or blocked.
  declare -A seen
  phases=("before onboarding" "onboarded" "after 802.1X" "quarantined" "revoked")
  hosts=(telemetry.lab updates.lab site.lab:8443)
  probe() {  # probe PHASE DEVICE...: record what each device reaches now
    local phase=$1 dev h code; shift
    for dev in "$@"; do
      for h in "${hosts[@]}"; do
        if [ "$h" = site.lab:8443 ]; then
          code=$(ip netns exec "$dev" curl -sk -m 2 -o /dev/null -w '%{http_code}' "https://$h/.well-known/est/cacerts" || true)
          [ "$code" = 200 ] && seen["$dev|$h|$phase"]=reached || seen["$dev|$h|$phase"]=blocked
        else
          ip netns exec "$dev" curl -s -m 2 -o /dev/null "http://$h/" && seen["$dev|$h|$phase"]=reached || seen["$dev|$h|$phase"]=blocked
        fi
      done
    done
  }
  probe "before onboarding" gh-dev1 gh-dev2
  echo "before onboarding, gh-dev1 -> telemetry.lab: $(reach gh-dev1 telemetry.lab)"
  ip netns exec gh-dev1 "$G" device onboard --state "$L1" --brski https://site.lab:8443
  ip netns exec gh-dev2 "$G" device onboard --state "$L2" --dpp tcp:site.lab:8908
  echo "onboarded but not yet authenticated, gh-dev1 -> telemetry.lab: $(reach gh-dev1 telemetry.lab)"
  probe "onboarded" gh-dev1 gh-dev2

  step "Secure connection: 802.1X EAP-TLS with the new LDevIDs (hostapd on the router ports)"
  ip netns exec gh-dev1 "$G" device connect --state "$L1" --server-name eap.lab
  ip netns exec gh-dev2 "$G" device connect --state "$L2"
  # (the router admits a session within its interval after hostapd reports it)
  for i in 1 2; do
    for _ in $(seq 40); do ip netns exec "gh-dev$i" curl -s -m 1 -o /dev/null http://telemetry.lab/ && break; sleep 0.25; done
  done
  echo "after 802.1X (MUD file fetched, verified, enforced on the router for the authenticated port and MAC):"
  for i in 1 2; do
    for h in telemetry.lab updates.lab; do echo "  gh-dev$i -> $h: $(reach "gh-dev$i" "$h")"; done
  done
  echo "MUD URLs the devices announced in DHCP (option 161), as the router saw them:"
  jq -r '.dhcp_mud_urls[] | "  \(.port) \(.mac): \(.mud_url)"' "$LAB/site/router-view.json"
  probe "after 802.1X" gh-dev1 gh-dev2
  echo "the router's rules for the MUD file gh-dev1 declares, whole (shared by the devices declaring it;"
  echo "what no rule returns falls to the device chain's final drop):"
  ip netns exec gh-router nft list table inet gh_lab | sed -n '/chain m[0-9a-f]*_fr {/,/^\t}/p' | sed 's/^/  /'
  echo "and the default deny every device chain ends with:"
  ip netns exec gh-router nft list table inet gh_lab | grep -m2 -E "drop|reject" | sed 's/^/  /'

  step "A rogue device on port 3: unknown MAC, a self-made certificate"
  mkdir -p "$D/rogue"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/rogue/key.pem" \
    -out "$D/rogue/cert.pem" -subj "/CN=$S1" -days 1 2>/dev/null
  printf 'ap_scan=0\nnetwork={\n key_mgmt=IEEE8021X\n eap=TLS\n eapol_flags=0\n identity="%s"\n ca_cert="%s"\n client_cert="%s"\n private_key="%s"\n}\n' \
    "$S1" "$LAB/site/domain-ca.pem" "$D/rogue/cert.pem" "$D/rogue/key.pem" > "$D/rogue/wpa.conf"
  ip netns exec gh-dev3 ip link set eth0 down
  ip netns exec gh-dev3 ip link set eth0 address 02:de:ad:be:ef:01
  ip netns exec gh-dev3 ip link set eth0 up
  ip netns exec gh-dev3 busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$LAB/udhcpc.sh" >/dev/null 2>&1 || true
  (ip netns exec gh-dev3 wpa_supplicant -D wired -i eth0 -c "$D/rogue/wpa.conf" > "$D/rogue/wpa.log" 2>&1 &)
  for _ in $(seq 40); do
    jq -e '.authenticator_failures | any(.port=="r-dev3")' "$LAB/site/router-view.json" >/dev/null 2>&1 && break
    sleep 0.25
  done
  echo "rogue -> telemetry.lab: $(reach gh-dev3 telemetry.lab)"
  pkill -f "$D/rogue/wpa.conf" || true
  "$G" site assets check --state "$LAB/site" --fail-on none | grep -A1 -E "^(unknown devices|recent 802.1X refusals)"

  step "Quarantine gh-dev1, then release it"
  "$G" site quarantine --state "$LAB/site" "$S1" --reason "demo: unexpected traffic"
  sleep 1
  echo "quarantined, gh-dev1 -> telemetry.lab: $(reach gh-dev1 telemetry.lab)"
  probe "quarantined" gh-dev1
  echo "quarantined, gh-dev1 -> the site's lifecycle service (EST cacerts): HTTP $(ip netns exec gh-dev1 curl -sk -m 2 -o /dev/null -w '%{http_code}' https://site.lab:8443/.well-known/est/cacerts)"
  "$G" site release --state "$LAB/site" "$S1"
  for _ in $(seq 20); do ip netns exec gh-dev1 curl -s -m 0.5 -o /dev/null http://telemetry.lab/ && break; sleep 0.1; done
  echo "released, gh-dev1 -> telemetry.lab: $(reach gh-dev1 telemetry.lab)"

  step "Revoke gh-dev2's LDevID: cut off, and 802.1X refuses it from now on"
  "$G" site revoke --state "$LAB/site" "$S2" --reason "demo: device stolen"
  sleep 1
  echo "revoked, gh-dev2 -> telemetry.lab: $(reach gh-dev2 telemetry.lab)"
  probe "revoked" gh-dev2
  echo "gh-dev2 tries 802.1X again with its revoked LDevID (waiting for the authenticator's answer):"
  ip netns exec gh-dev2 "$G" device connect --state "$L2" --timeout 20 2>&1 | sed 's/^/  /' || true
  for _ in $(seq 40); do
    jq -e '.authenticator_failures | any(.port=="r-dev2" and .reason=="certificate revoked")' "$LAB/site/router-view.json" >/dev/null 2>&1 && break
    sleep 0.25
  done
  jq -r '[.authenticator_failures[] | select(.port=="r-dev2")][-1] | "  the router: 802.1X refused on \(.port) (\(.mac)): \(.reason)"' "$LAB/site/router-view.json" || true
  echo "the evidence log of $S2's network access:"
  "$G" site events --state "$LAB/site" --serial "$S2" | grep -E "network.8021x|device.revoke"

  step "What each device reached, phase by phase (the router's verdict on real traffic)"
  printf '  %-8s %-15s' device destination
  for ph in "${phases[@]}"; do printf ' %-18s' "$ph"; done
  printf '\n'
  for dev in gh-dev1 gh-dev2; do
    for h in "${hosts[@]}"; do
      printf '  %-8s %-15s' "$dev" "$h"
      for ph in "${phases[@]}"; do printf ' %-18s' "${seen[$dev|$h|$ph]:--}"; done
      printf '\n'
    done
  done

  step "The site's dashboard on the lab's data, left running until gatehouse lab down"
  # On this host (the lab's own site serve is inside its namespace); port 8444, or any free one.
  "$G" lab dashboard --dir "$LAB" 2>/dev/null || "$G" lab dashboard --dir "$LAB" --listen 127.0.0.1:0 \
    || echo "(the dashboard did not start: see $LAB/logs/dashboard.log)"
  echo "open it in a browser on this machine (from another: ssh -L PORT:127.0.0.1:PORT), trust or accept"
  echo "the certificate, and paste the token from the file above; \`gatehouse lab down\` stops it with the lab"
  # The lab stays up for the dashboard: from here the exit trap stops only the demo's own servers.
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pkill -f "$D/rogue" 2>/dev/null || true' EXIT
else
  echo "(skipped: the lab needs root and network namespaces)"
  echo "(the dashboard: gatehouse site serve --state $D/site --api-listen 127.0.0.1:8444, then"
  echo " gatehouse site operator add NAME --state $D/site --role operator for a token)"
fi
echo
echo "demo state left in $D"
