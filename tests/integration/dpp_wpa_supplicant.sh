#!/usr/bin/env bash
# DPP over TCP against Debian's wpa_supplicant 2.10 (-D none on lo), in both roles (issue 4):
#   A: our controller/configurator, wpa_supplicant enrollee (it initiates: unknown key refused,
#      responder-only with --accept-unknown, mutual with a key we learnt; we initiate to it; PSK)
#   B: wpa_supplicant configurator, our enrollee (we initiate, we chirp, it initiates to us; PSK)
# What wpa_supplicant received is checked independently with OpenSSL: the connector's signature
# against the C-sign key it reports, the kid, and that the netAccessKey is its own key.
source "$(dirname "$0")/lib.sh"
command -v wpa_supplicant >/dev/null || fail "wpa_supplicant is not installed (scripts/deps.sh)"

"$G" factory init --state f --name "Acme" --masa-url "https://localhost:1" >/dev/null
"$G" factory make --state f --model th-1 --count 6 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
dev() { sed -n "${1}p" serials.txt; }

mkdir -p ctrl
printf 'ctrl_interface=%s/ctrl\ndpp_name=wpa-dev\n' "$T" > wpa.conf
wpa_supplicant -D none -i lo -c wpa.conf -ddt > wpa.log 2>&1 &
wpa_pid=$!
cleanup_hooks+=("kill $wpa_pid 2>/dev/null; wait $wpa_pid 2>/dev/null")
W() { wpa_cli -p "$T/ctrl" -i lo "$@"; }
for _ in $(seq 50); do W PING 2>/dev/null | grep -q PONG && break; sleep 0.1; done
W PING | grep -q PONG || fail "wpa_supplicant did not start: $(tail -5 wpa.log)"
[ "$(W GET_CAPABILITY dpp)" = "DPP=2" ] || fail "wpa_supplicant lacks DPP R2"

mark() { wc -l < wpa.log; }
# wait_event FROM PATTERN: waits (10 s) for a wpa_supplicant event after line FROM; prints it.
wait_event() {
  local from=$1 pat=$2
  for _ in $(seq 100); do
    if tail -n +"$((from + 1))" wpa.log | grep -m1 -E "$pat"; then return 0; fi
    sleep 0.1
  done
  fail "no '$pat' from wpa_supplicant; last lines: $(tail -n +"$((from + 1))" wpa.log | grep -E 'DPP-|DPP: ' | tail -5)"
}
event_value() { sed -n "s/.*$1 //p" | head -1 | tr -d '\r'; }

# check_connector CONNECTOR CSIGN_SPKI_HEX NETACCESS_ECPRIVKEY_HEX: OpenSSL verifies the JWS
# (raw r||s turned into DER), the kid, the alg, and that netAccessKey is the enrollee's key.
b64u_dec() { local s=$1; s=${s//-/+}; s=${s//_//}; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | base64 -d; }
check_connector() {
  local jws=$1 csign_hex=$2 nak_hex=$3 alg=${4:-ES256}
  local half=32 dgst=-sha256
  [ "$alg" = ES384 ] && { half=48; dgst=-sha384; }
  printf '%s' "$csign_hex" | xxd -r -p | openssl pkey -pubin -inform DER -out csign.pem
  IFS=. read -r h p sig <<< "$jws"
  printf '%s.%s' "$h" "$p" > input.txt
  b64u_dec "$sig" | xxd -p -c 256 > sig.hex
  [ "$(wc -c < sig.hex)" -eq $((4 * half + 1)) ] || fail "connector signature is not raw r||s"
  printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$(cut -c1-$((2 * half)) sig.hex)" "$(cut -c$((2 * half + 1))-$((4 * half)) sig.hex)" > sig.cnf
  openssl asn1parse -genconf sig.cnf -out sig.der >/dev/null
  openssl dgst $dgst -verify csign.pem -signature sig.der input.txt >/dev/null || fail "connector signature does not verify with the C-sign key"
  b64u_dec "$h" > hdr.json
  jq -e --arg alg "$alg" '.typ == "dppCon" and .alg == $alg' hdr.json >/dev/null || fail "connector header: $(cat hdr.json)"
  local kid
  kid=$(openssl ec -pubin -in csign.pem -conv_form uncompressed -outform DER 2>/dev/null | tail -c $((2 * half + 1)) \
    | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
  [ "$(jq -r .kid hdr.json)" = "$kid" ] || fail "connector kid is not SHA-256 of the C-sign key"
  b64u_dec "$p" > payload.json
  jq -e '.groups[0].netRole == "sta" and (.netAccessKey.crv == "P-256")' payload.json >/dev/null || fail "connector payload: $(cat payload.json)"
  if [ -n "$nak_hex" ]; then
    local nak_point
    nak_point=$(printf '%s' "$nak_hex" | xxd -r -p | openssl ec -inform DER -pubout -conv_form uncompressed -outform DER 2>/dev/null | tail -c 64 | xxd -p -c 256)
    local jx jy
    jx=$(b64u_dec "$(jq -r .netAccessKey.x payload.json)" | xxd -p -c 256)
    jy=$(b64u_dec "$(jq -r .netAccessKey.y payload.json)" | xxd -p -c 256)
    [ "$nak_point" = "$jx$jy" ] || fail "connector netAccessKey is not the enrollee's key"
  fi
}

# ---------------- A: Gatehouse configurator, wpa_supplicant enrollee ----------------
start_server SITE "$G" site serve --state s --dpp-listen 127.0.0.1:0
port=${SITE_URL##*:}
our_uri=$("$G" site dpp uri --state s)
peer=$(W DPP_QR_CODE "$our_uri")

# A1, an enrollee whose key we do not know: authenticated, then refused by policy.
m=$(mark)
W DPP_AUTH_INIT peer="$peer" role=enrollee tcp_addr=127.0.0.1 tcp_port="$port" neg_freq=2412 | grep -q OK
wait_event "$m" "DPP-AUTH-SUCCESS" >/dev/null
wait_event "$m" "DPP-FAIL|DPP-CONF-FAILED" >/dev/null
"$G" site events --state s --json | jq -e '[.[] | select(.kind=="dpp.configure" and .outcome=="refused" and .reason=="policy.unknown-enrollee")] | length == 1' >/dev/null \
  || fail "unknown enrollee not refused by policy in the evidence log"
ok "A1: wpa_supplicant authenticated to our controller; its unknown key was refused (policy.unknown-enrollee)"

# A1 mutual: the site learns wpa_supplicant's key first (its URI), then configures it.
own=$(W DPP_BOOTSTRAP_GEN type=qrcode)
wpa_uri=$(W DPP_BOOTSTRAP_GET_URI "$own")
"$G" site dpp add-uri --state s "$wpa_uri" >/dev/null
m=$(mark)
W DPP_AUTH_INIT peer="$peer" own="$own" role=enrollee tcp_addr=127.0.0.1 tcp_port="$port" neg_freq=2412 | grep -q OK
wait_event "$m" "DPP-AUTH-DIRECTION mutual=1" >/dev/null
wait_event "$m" "DPP-CONF-RECEIVED" >/dev/null
wait_event "$m" "DPP-CONFOBJ-AKM dpp" >/dev/null
wait_event "$m" "DPP-CONFOBJ-SSID gatehouse" >/dev/null
conn=$(wait_event "$m" "DPP-CONNECTOR" | event_value DPP-CONNECTOR)
csign=$(wait_event "$m" "DPP-C-SIGN-KEY" | event_value DPP-C-SIGN-KEY)
nak=$(wait_event "$m" "DPP-NET-ACCESS-KEY" | event_value DPP-NET-ACCESS-KEY | cut -d' ' -f1)
check_connector "$conn" "$csign" "$nak"
sleep 0.3
"$G" site events --state s --json | jq -e '.[-1] | .kind=="dpp.exchange" and .outcome=="ok" and (.detail.trail | any(test("mutual")))' >/dev/null \
  || fail "mutual exchange not in the evidence log: $("$G" site events --state s --json | jq -c '.[-1]')"
ok "A1 mutual: wpa_supplicant configured; OpenSSL verifies the connector, kid and netAccessKey"
kill "$SITE_PID"; wait "$SITE_PID" 2>/dev/null || true

# A1 responder-only with --accept-unknown, PSK configuration.
start_server SITE2 "$G" site serve --state s --dpp-listen 127.0.0.1:0 --accept-unknown --akm psk --ssid psk-net
port=${SITE2_URL##*:}
m=$(mark)
W DPP_AUTH_INIT peer="$peer" role=enrollee tcp_addr=127.0.0.1 tcp_port="$port" neg_freq=2412 | grep -q OK
wait_event "$m" "DPP-AUTH-DIRECTION mutual=0" >/dev/null
wait_event "$m" "DPP-CONFOBJ-AKM psk" >/dev/null
wait_event "$m" "DPP-CONFOBJ-SSID psk-net" >/dev/null
pass_hex=$(wait_event "$m" "DPP-CONFOBJ-PASS" | event_value DPP-CONFOBJ-PASS)
[ "${#pass_hex}" -ge 16 ] || fail "no passphrase received"
ok "A1 responder-only: wpa_supplicant received a per-device PSK"

# A2: the site initiates to wpa_supplicant listening as enrollee (its URI carries a MAC address,
# so the PSK is exported for hostapd bound to it).
own2=$(W DPP_BOOTSTRAP_GEN type=qrcode mac=02:11:22:33:44:55 curve=P-384)
wpa_uri2=$(W DPP_BOOTSTRAP_GET_URI "$own2")
wport=$(free_port)
W DPP_CONTROLLER_START role=enrollee tcp_port="$wport" | grep -q OK
m=$(mark)
"$G" site dpp add-uri --state s "$wpa_uri2" --tcp "127.0.0.1:$wport" --akm psk --ssid psk-net >/dev/null \
  || fail "site could not configure wpa_supplicant by initiating"
pass2_hex=$(wait_event "$m" "DPP-CONFOBJ-PASS" | event_value DPP-CONFOBJ-PASS)
W DPP_CONTROLLER_STOP >/dev/null
"$G" site export hostapd-psk --state s --out psk.txt >/dev/null
[ "$(stat -c %a psk.txt)" = 600 ] || fail "wpa_psk_file is not mode 0600"
grep -q "^02:11:22:33:44:55 $(printf '%s' "$pass2_hex" | xxd -r -p)\$" psk.txt || fail "exported PSK does not match what wpa_supplicant got"
sqlite3 s/inventory.db .dump | grep -qF "$(printf '%s' "$pass2_hex" | xxd -r -p)" && fail "a PSK is in the inventory in the clear"
"$G" site events --state s --json | grep -qF "$(printf '%s' "$pass2_hex" | xxd -r -p)" && fail "a PSK is in the evidence log"
W DPP_BOOTSTRAP_INFO "$own2" | grep -q "^curve=secp384r1" || fail "A2: wpa_supplicant's key is not P-384"
ok "A2: the site initiated (P-384, the enrollee's curve) and configured wpa_supplicant; hostapd-psk export matches; no PSK in the clear in the inventory"
kill "$SITE2_PID"; wait "$SITE2_PID" 2>/dev/null || true

# A3, 802.1X (R2): wpa_supplicant is asked for a CSR, sends one over its protocol key with the
# challengePassword, and gets an LDevID from the site's domain CA as certBag plus caCert.
start_server SITE3 "$G" site serve --state s --dpp-listen 127.0.0.1:0 --accept-unknown --akm dot1x --ssid eap-net
port=${SITE3_URL##*:}
m=$(mark)
W DPP_AUTH_INIT peer="$peer" role=enrollee tcp_addr=127.0.0.1 tcp_port="$port" neg_freq=2412 | grep -q OK
wait_event "$m" "DPP-CONFOBJ-AKM dot1x" >/dev/null
certbag=$(wait_event "$m" "DPP-CERTBAG" | event_value DPP-CERTBAG)
cacert=$(wait_event "$m" "DPP-CACERT" | event_value DPP-CACERT)
wait_event "$m" "DPP-SERVER-NAME eap.gatehouse.invalid" >/dev/null
nak=$(wait_event "$m" "DPP-NET-ACCESS-KEY" | event_value DPP-NET-ACCESS-KEY | cut -d' ' -f1)
printf '%s' "$cacert" | base64 -d | openssl x509 -inform DER -out got-ca.pem
cmp <(openssl x509 -in got-ca.pem -outform DER) <(openssl x509 -in s/domain-ca.pem -outform DER) || fail "caCert is not the domain CA"
printf '%s' "$certbag" | base64 -d | openssl pkcs7 -inform DER -print_certs -out bag.pem
openssl verify -CAfile s/domain-ca.pem bag.pem >/dev/null || fail "certBag certificate does not verify with the domain CA"
cmp <(openssl x509 -in bag.pem -pubkey -noout | openssl pkey -pubin -outform DER) \
    <(printf '%s' "$nak" | xxd -r -p | openssl ec -inform DER -pubout -outform DER 2>/dev/null) \
  || fail "the LDevID does not certify wpa_supplicant's protocol key"
"$G" site events --state s --json | jq -e '[.[] | select(.kind=="dpp.ldevid" and .outcome=="ok")] | length >= 1' >/dev/null || fail "LDevID not in the evidence log"
ok "A3: wpa_supplicant sent a CSR and got an LDevID (certBag) that OpenSSL verifies against the domain CA, for its own key"
kill "$SITE3_PID"; wait "$SITE3_PID" 2>/dev/null || true

# ---------------- B: wpa_supplicant configurator, Gatehouse enrollee ----------------
C=$(W DPP_CONFIGURATOR_ADD curve=secp384r1)  # a P-384 C-sign key: ES384 connectors
ssid_hex=$(printf 'wpa-net' | xxd -p)
W SET dpp_configurator_params " conf=sta-dpp ssid=$ssid_hex configurator=$C" | grep -q OK
cb=$(W DPP_BOOTSTRAP_GEN type=qrcode)
conf_uri=$(W DPP_BOOTSTRAP_GET_URI "$cb")
cport=$(free_port)
W DPP_CONTROLLER_START tcp_port="$cport" | grep -q OK

# B1: our enrollee initiates to wpa_supplicant's controller.
d1=$(dev 1)
m=$(mark)
"$G" device onboard --state "d/$d1" --dpp "tcp:127.0.0.1:$cport" --peer-uri "$conf_uri" --json > b1.json \
  || fail "B1: our enrollee was not configured"
wait_event "$m" "DPP-CONF-SENT" >/dev/null
jq -e '.ssid == "wpa-net" and .akm == "dpp"' b1.json >/dev/null || fail "B1 result: $(cat b1.json)"
net=d/$d1/onboarding/network.json
csign_x=$(jq -r .credential.csign.x "$net")
[ -n "$csign_x" ] && [ "$(stat -c %a "d/$d1/keystore/dpp-netaccess.key")" = 600 ] || fail "B1: netAccessKey not in the keystore"
# Independent check: the connector verifies with the C-sign key wpa_supplicant's configurator has.
csign_spki=$(W DPP_CONFIGURATOR_GET_KEY "$C" | xxd -r -p | openssl ec -inform DER -pubout -outform DER 2>/dev/null | xxd -p -c 1000)
openssl ec -in "d/$d1/keystore/dpp-netaccess.key" -outform DER 2>/dev/null | xxd -p -c 2000 > nak.hex
[ "$(jq -r .credential.csign.crv "$net")" = P-384 ] || fail "B1: expected a P-384 C-sign key"
check_connector "$(jq -r .credential.signedConnector "$net")" "$csign_spki" "$(cat nak.hex)" ES384
ok "B1: wpa_supplicant's controller configured our enrollee (we initiated); OpenSSL verifies the connector"

# B3: our enrollee chirps; wpa_supplicant's controller knows its URI and initiates on the socket.
d2=$(dev 2)
p2=$(W DPP_QR_CODE "$(cat "d/$d2/bootstrap/dpp-uri.txt")")
W DPP_BOOTSTRAP_SET "$p2" conf=sta-dpp ssid="$ssid_hex" configurator="$C" | grep -q OK
m=$(mark)
"$G" device onboard --state "d/$d2" --dpp "tcp:127.0.0.1:$cport" --json > b3.json || fail "B3: chirp onboarding failed"
wait_event "$m" "DPP-AUTH-SUCCESS init=1" >/dev/null
jq -e '.ssid == "wpa-net"' b3.json >/dev/null || fail "B3 result: $(cat b3.json)"
ok "B3: our enrollee's presence announcement was answered by wpa_supplicant's controller, which configured it"
W DPP_CONTROLLER_STOP >/dev/null

# B2: wpa_supplicant initiates to our enrollee listening; with a PSK configuration.
d3=$(dev 3)
lport=$(free_port)
"$G" device dpp listen --state "d/$d3" --host 127.0.0.1 --port "$lport" --json > b2.json 2> b2.err &
lpid=$!
for _ in $(seq 50); do ss -ltnH "sport = :$lport" | grep -q . && break; sleep 0.1; done
p3=$(W DPP_QR_CODE "$(cat "d/$d3/bootstrap/dpp-uri.txt")")
pass_hex=$(printf 'correct horse battery' | xxd -p)
W DPP_AUTH_INIT peer="$p3" role=configurator conf=sta-psk ssid="$ssid_hex" pass="$pass_hex" configurator="$C" \
  tcp_addr=127.0.0.1 tcp_port="$lport" neg_freq=2412 | grep -q OK
wait "$lpid" || fail "B2: our listening enrollee failed: $(cat b2.err)"
jq -e '.akm == "psk" and .ssid == "wpa-net"' b2.json >/dev/null || fail "B2 result: $(cat b2.json)"
[ "$(cat "d/$d3/keystore/wifi-psk.secret")" = "correct horse battery" ] || fail "B2: PSK not stored in the device keystore"
[ "$(stat -c %a "d/$d3/keystore/wifi-psk.secret")" = 600 ] || fail "B2: PSK file mode"
grep -q "correct horse" "d/$d3/onboarding/network.json" && fail "B2: the PSK is in network.json"
ok "B2: wpa_supplicant initiated to our listening enrollee and configured a PSK, kept in the keystore only"

# B4, 802.1X: wpa_supplicant's controller asks our enrollee for a CSR; a CA (OpenSSL here, as the
# operator's) signs it; wpa_supplicant hands back certBag and caCert while our enrollee comes back.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=Test EAP CA" -days 2 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
W DPP_CONTROLLER_STOP >/dev/null 2>&1 || true
W SET dpp_configurator_params " conf=sta-dot1x ssid=$ssid_hex configurator=$C csrattrs=MAsGCSqGSIb3DQEJBw==" | grep -q OK
W DPP_CONTROLLER_START tcp_port="$cport" | grep -q OK
d4=$(dev 4)
m=$(mark)
"$G" device onboard --state "d/$d4" --dpp "tcp:127.0.0.1:$cport" --peer-uri "$conf_uri" --json > b4.json 2> b4.err &
bpid=$!
csr_line=$(wait_event "$m" "DPP-CSR ")
n=$(printf '%s' "$csr_line" | sed -n 's/.*peer=\([0-9]*\).*/\1/p')
printf '%s' "$csr_line" | sed -n 's/.*csr=\([^ ]*\).*/\1/p' | base64 -d > csr.der
openssl req -inform DER -in csr.der -noout -verify 2>/dev/null || fail "B4: our CSR does not verify"
grep -q "challengePassword" <<< "$(openssl req -inform DER -in csr.der -noout -text)" || fail "B4: no challengePassword"
openssl x509 -req -inform DER -in csr.der -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out ee.pem 2>/dev/null
W raw DPP_CA_SET peer="$n" name=trustedEapServerName value=radius.test | grep -q OK
W raw DPP_CA_SET peer="$n" name=caCert value="$(openssl x509 -in ca.pem -outform DER | base64 -w0)" | grep -q OK
W raw DPP_CA_SET peer="$n" name=certBag value="$(openssl crl2pkcs7 -nocrl -certfile ee.pem -certfile ca.pem -outform DER | base64 -w0)" | grep -q OK
wait "$bpid" || fail "B4: our enrollee was not configured: $(cat b4.err)"
jq -e '.akm == "dot1x"' b4.json >/dev/null || fail "B4 result: $(cat b4.json)"
openssl verify -CAfile ca.pem "d/$d4/onboarding/ldevid.pem" >/dev/null || fail "B4: stored certificate does not verify"
cmp <(openssl x509 -in "d/$d4/onboarding/ldevid.pem" -pubkey -noout) <(openssl pkey -in "d/$d4/keystore/dpp-netaccess.key" -pubout) \
  || fail "B4: the certificate is not for the key in our keystore"
[ "$(jq -r .credential.eap.\"server-name\" "d/$d4/onboarding/network.json")" = radius.test ] || fail "B4: server name"
ok "B4: wpa_supplicant's configurator took our CSR, the CA's certificate came back (after GAS comebacks) and is stored for our key"
W DPP_CONTROLLER_STOP >/dev/null

# A device reset forgets the configuration and its keys; onboarding again works.
"$G" device reset --state "d/$d1" >/dev/null
[ ! -e "d/$d1/keystore/dpp-netaccess.key" ] && [ ! -e "d/$d1/onboarding" ] || fail "reset left DPP state behind"
W SET dpp_configurator_params " conf=sta-dpp ssid=$ssid_hex configurator=$C" | grep -q OK
W DPP_CONTROLLER_START tcp_port="$cport" | grep -q OK
"$G" device onboard --state "d/$d1" --dpp "tcp:127.0.0.1:$cport" --peer-uri "$conf_uri" >/dev/null || fail "re-onboarding after reset"
ok "reset then DPP onboarding again"
finish
