#!/usr/bin/env bash
# --device-keystore tpm: each device gets its own swtpm; its birth keys are made inside that TPM
# and stored only as TPM-wrapped blobs; OpenSSL's tpm2 provider can use them with that TPM.
source "$(dirname "$0")/lib.sh"
command -v swtpm >/dev/null || fail "swtpm missing (make deps installs swtpm)"

mport=$(free_port)
"$G" factory init --state f --name "TPM Devices" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model tpm-1 --count 2 --out d --device-keystore tpm > serials.txt
[ "$(wc -l < serials.txt)" -eq 2 ] || fail "expected 2 devices"
"$G" factory make --state f --model tpm-1 --count 1 --out d --device-keystore tpm > brski.txt
s=$(head -1 serials.txt)
for k in idevid dpp-bootstrap; do
  head -1 "d/$s/keystore/$k.tss" | grep -q "BEGIN TSS2 PRIVATE KEY" || fail "$k is not a TPM-wrapped key"
done
# The attestation key is the TPM's own restricted key (a primary of its endorsement hierarchy):
# nothing of it leaves the TPM, not even a wrapped blob.
[ ! -e "d/$s/keystore/attestation.tss" ] || fail "a TPM device's attestation key must not be a keystore key"
grep -rl "BEGIN PRIVATE KEY" "d/$s" && fail "a plain private key in a TPM device image"
[ -d "d/$s/tpm" ] || fail "no TPM state in the image"
jq -e '.keystore == "tpm"' "d/$s/bootstrap/device.json" >/dev/null || fail "device.json keystore"
openssl verify -CAfile f/pki/root.pem -untrusted f/pki/idevid-ca.pem "d/$s/bootstrap/idevid.pem" >/dev/null \
  || fail "TPM device IDevID does not verify"
ok "TPM-wrapped birth keys and a valid IDevID"

# Bring the device's TPM up and have OpenSSL (tpm2 provider) sign with the IDevID key: the CSR's
# key must be the IDevID's key, which proves the key lives in that TPM.
port=$(( 20000 + RANDOM % 20000 ))
swtpm socket --tpm2 --tpmstate dir="d/$s/tpm" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
TPM2OPENSSL_TCTI="swtpm:host=127.0.0.1,port=$port" openssl req -provider tpm2 -provider default -new \
  -key "d/$s/keystore/idevid.tss" -subj "/CN=proof" -out proof.csr 2>err.txt || { cat err.txt; fail "tpm2 provider could not use the key"; }
openssl req -in proof.csr -verify -noout 2>/dev/null || fail "CSR signed in the TPM does not verify"
diff <(openssl req -in proof.csr -noout -pubkey) <(openssl x509 -in "d/$s/bootstrap/idevid.pem" -noout -pubkey) >/dev/null \
  || fail "TPM key is not the IDevID key"
ok "OpenSSL's tpm2 provider signs with the IDevID key inside the device's TPM"
kill $pid

# DPP with the keys in the TPM: the device announces itself, the site (which knows its bootstrapping
# key from the bundle) authenticates it with ECDH done inside the TPM, and the netAccessKey the
# connector names is made in, and stays in, the TPM.
"$G" site init --state site --name "TPM Site" >/dev/null
cat serials.txt brski.txt > sold.txt
"$G" factory sell --state f --serials-from sold.txt --owner-cert site/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state site b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server SITE "$G" site serve --state site --dpp-listen 127.0.0.1:0
for dev in $(cat serials.txt); do
  "$G" device onboard --state "d/$dev" --dpp "$SITE_URL" --json > "$dev.json" || fail "$dev: DPP onboarding with TPM keys"
  head -1 "d/$dev/keystore/dpp-netaccess.tss" | grep -q "BEGIN TSS2 PRIVATE KEY" || fail "$dev: netAccessKey not TPM-wrapped"
  jq -e '.akm == "dpp"' "$dev.json" >/dev/null || fail "$dev: $(cat "$dev.json")"
done
grep -rl "BEGIN PRIVATE KEY" d && fail "a plain private key in a TPM device image after DPP"
ok "DPP onboarding of TPM devices: ECDH inside each device's TPM, netAccessKey TPM-wrapped"

# BRSKI with the IDevID key in the TPM: it is the TLS client credential of the provisional session
# and signs the voucher-request; the LDevID key is made in the TPM, signs the CSR and is the
# client credential of the session that reports enrollment status.
kill "$SITE_PID"; wait "$SITE_PID" 2>/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server REG "$G" site serve --state site --listen 127.0.0.1:0
b=$(cat brski.txt)
"$G" device onboard --state "d/$b" --brski "$REG_URL" --timeout 30 >/dev/null || fail "$b: BRSKI onboarding with TPM keys"
head -1 "d/$b/keystore/ldevid.tss" | grep -q "BEGIN TSS2 PRIVATE KEY" || fail "$b: LDevID key not TPM-wrapped"
grep -rl "BEGIN PRIVATE KEY" "d/$b" && fail "a plain private key in a TPM device image after BRSKI"
openssl verify -CAfile site/domain-ca.pem "d/$b/onboarding/ldevid.pem" >/dev/null || fail "$b: LDevID does not verify"
openssl cms -verify -inform DER -in "d/$b/onboarding/voucher.cms" -CAfile f/pki/masa.pem -partial_chain -purpose any \
  -out voucher.json 2>/dev/null || fail "$b: voucher does not verify"
jq -e --arg s "$b" '."ietf-voucher:voucher"."serial-number" == $s' voucher.json >/dev/null || fail "$b: voucher serial"
"$G" site events --state site > events.txt
grep "$b" events.txt | grep -qE "brski.enroll-status +ok" \
  || { cat events.txt; fail "$b: no enrollment status over the TPM-held LDevID session"; }
ok "BRSKI onboarding of a TPM device: TLS and CMS signatures by the IDevID key in its TPM, LDevID key made there"
grep "$b" events.txt | grep -qE "attest.appraise +ok" \
  || { grep "$b" events.txt; fail "$b: no affirming attestation (with its TPM quote) at onboarding"; }
ok "$b presented a TPM quote to the registrar before its voucher request: affirming"

# TPM attestation: the quote inside the device's EAT, checked by our verifier and by tpm2-tools.
nonce=$("$G" site attest nonce --state site --serial "$s")
"$G" device attest --state "d/$s" --nonce "$nonce" --out tok.cbor >/dev/null || fail "$s: device attest"
"$G" site attest appraise --state site --serial "$s" --nonce "$nonce" tok.cbor --json > ear.json || true
jq -e '.submods.device."ear.status" == "affirming" and .submods.device."ear.trustworthiness-vector".hardware == 2' ear.json >/dev/null \
  || { cat ear.json; fail "$s: TPM evidence not affirming"; }
/usr/bin/python3 - <<'PY' || fail "the token has no TPM quote claim"
import cbor2
tok = cbor2.loads(open("tok.cbor", "rb").read())
claims = cbor2.loads(tok.value.value[2])
q = claims[-70001]
open("q.msg", "wb").write(q[1]); open("q.sig", "wb").write(q[2])
open("nonce.hex", "w").write(claims[10].hex())
assert q[3] == 8 and [e[0] for e in q[4]] == ["boot", "os", "app"], q
PY
sqlite3 site/inventory.db "SELECT attestation_pub_pem FROM devices WHERE serial='$s'" > ak.pem
tpm2_checkquote -u ak.pem -m q.msg -s q.sig -g sha256 -q "$(cat nonce.hex)" >/dev/null 2>err.txt \
  || { cat err.txt; fail "tpm2_checkquote refuses our quote"; }
tpm2_checkquote -u ak.pem -m q.msg -s q.sig -g sha256 -q "00$(cat nonce.hex)" >/dev/null 2>&1 \
  && fail "tpm2_checkquote accepted the quote for another nonce"
clock=$(sqlite3 site/inventory.db "SELECT tpm_clock FROM devices WHERE serial='$s'")
[ -n "$clock" ] || fail "the verifier kept no TPM counters for $s"
ok "TPM quote: affirming (hardware 2), verified by tpm2_checkquote (tpm2-tools) with the certified key, counters kept ($clock)"
expect_refused nonce.replayed "$G" site attest appraise --state site --serial "$s" --nonce "$nonce" tok.cbor

cp "d/$s/firmware/app.bin" app.bin.good
echo "implant" >> "d/$s/firmware/app.bin"
nonce=$("$G" site attest nonce --state site --serial "$s")
"$G" device attest --state "d/$s" --nonce "$nonce" --out bad.cbor >/dev/null
"$G" site attest appraise --state site --serial "$s" --nonce "$nonce" bad.cbor --json > bad.json || true
jq -e '.submods.device."ear.status" == "contraindicated" and .submods.device."ear.gatehouse.check" == "measurement.app"' bad.json >/dev/null \
  || { cat bad.json; fail "$s: altered firmware under a TPM quote not contraindicated"; }
cp app.bin.good "d/$s/firmware/app.bin"
nonce=$("$G" site attest nonce --state site --serial "$s")
"$G" device attest --state "d/$s" --nonce "$nonce" --out again.cbor >/dev/null
"$G" site attest appraise --state site --serial "$s" --nonce "$nonce" again.cbor --json > again.json || true
jq -e '.submods.device."ear.status" == "affirming"' again.json >/dev/null || { cat again.json; fail "$s: repaired and rebooted, not affirming"; }
[ "$(sqlite3 site/inventory.db "SELECT tpm_clock FROM devices WHERE serial='$s'")" != "$clock" ] \
  || fail "the TPM counters did not move on after a reboot"
ok "altered firmware on a TPM device: contraindicated (measurement.app); repaired and rebooted: affirming, counters moved on"
finish
