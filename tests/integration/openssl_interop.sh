#!/usr/bin/env bash
# OpenSSL's own CLI and zbarimg agree with what the manufacturer produces (issue 2, "done when").
source "$(dirname "$0")/lib.sh"

"$G" factory init --state f --name "Interop Devices" --masa-url https://masa.interop.example:9443 >/dev/null
"$G" factory make --state f --model cam-9 --count 5 --out d --mud-url https://mud.interop.example/cam-9.json > serials.txt
[ "$(wc -l < serials.txt)" -eq 5 ] || fail "expected 5 serials"

while read -r s; do
  img=d/$s/bootstrap
  # The IDevID chain verifies with openssl verify (root as the only trust anchor).
  awk 'BEGIN{n=0} /BEGIN CERT/{n++} {print > ("c" n ".pem")}' "$img/idevid.pem"
  openssl verify -CAfile f/pki/root.pem -untrusted c2.pem c1.pem >/dev/null || fail "$s: openssl verify"
  # A different root does not verify it.
  if openssl verify -CAfile f/pki/masa.pem -untrusted c2.pem c1.pem >/dev/null 2>&1; then fail "$s: wrong root accepted"; fi
  text=$(openssl x509 -in "$img/idevid.pem" -noout -text)
  grep -q "serialNumber = $s" <<<"$text" || fail "$s: subject serialNumber"
  grep -q "1.3.6.1.5.5.7.1.32" <<<"$text" || fail "$s: MASA URL extension"
  grep -q "masa.interop.example:9443" <<<"$text" || fail "$s: MASA URL value"
  grep -q "1.3.6.1.5.5.7.1.25" <<<"$text" || fail "$s: MUD URL extension"
  grep -q "mud.interop.example/cam-9.json" <<<"$text" || fail "$s: MUD URL value"
  grep -q "Not After : Dec 31 23:59:59 9999 GMT" <<<"$text" || fail "$s: 9999 notAfter"
  # The certificate's key is the key in the device's own keystore.
  diff <(openssl x509 -in "$img/idevid.pem" -noout -pubkey) <(openssl pkey -in "d/$s/keystore/idevid.key" -pubout) \
    >/dev/null || fail "$s: IDevID key is not the device key"
  [ "$(stat -c %a "d/$s/keystore/idevid.key")" = 600 ] || fail "$s: key file mode"
  # The QR label reads back to the URI.
  qr=$(zbarimg --quiet --raw "$img/dpp-qr.png" 2>/dev/null)
  [ "$qr" = "$(cat "$img/dpp-uri.txt")" ] || fail "$s: QR reads '$qr'"
  # The DPP key in the URI is an EC P-256 public key OpenSSL can read.
  k=$(sed -n 's/.*K:\([^;]*\);;$/\1/p' "$img/dpp-uri.txt")
  grep -q "NIST CURVE: P-256" <<< "$(echo "$k" | base64 -d | openssl pkey -pubin -inform DER -noout -text)" || fail "$s: DPP key"
done < serials.txt
ok "openssl verify, x509 -text extensions, key match and zbarimg for 5 devices"

# MUD signature: openssl cms -verify accepts it and rejects it after a one-byte change.
cat > mud.json <<'MUD'
{"ietf-mud:mud":{"mud-version":1,"mud-url":"https://mud.interop.example/cam-9.json","last-update":"2026-11-01T00:00:00Z","cache-validity":48,"is-supported":true,"systeminfo":"camera"}}
MUD
"$G" factory publish-mud --state f --model cam-9 --file mud.json >/dev/null
openssl cms -verify -binary -inform DER -in f/mud/cam-9.json.p7s -content f/mud/cam-9.json \
  -CAfile f/pki/root.pem -purpose any -out /dev/null 2>/dev/null || fail "openssl cms -verify rejected the MUD signature"
ok "openssl cms -verify accepts the MUD signature"
sed 's/camera/cameRa/' f/mud/cam-9.json > changed.json
cmp -s changed.json f/mud/cam-9.json && fail "the change did not change the file"
[ "$(cmp -l changed.json f/mud/cam-9.json | wc -l)" -eq 1 ] || fail "expected exactly one byte changed"
if openssl cms -verify -binary -inform DER -in f/mud/cam-9.json.p7s -content changed.json \
  -CAfile f/pki/root.pem -purpose any -out /dev/null 2>/dev/null; then
  fail "openssl cms -verify accepted a changed MUD file"
fi
ok "openssl cms -verify rejects the MUD file after a one-byte change"

# The bundle is CMS SignedData that OpenSSL verifies, and it holds no private key.
"$G" site init --state s --name "Interop Site" >/dev/null
"$G" factory sell --state f --serial "$(head -1 serials.txt)" --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
openssl cms -verify -inform PEM -in b.pem -CAfile f/pki/root.pem -purpose any -out bundle.json 2>/dev/null \
  || fail "openssl cms -verify rejected the bundle"
jq -e '.devices | length == 1' bundle.json >/dev/null || fail "bundle content"
grep -q "PRIVATE KEY" b.pem bundle.json && fail "a private key is in the bundle"
ok "openssl cms -verify accepts the bundle; no private key in it"

# The declaration's signer chain (x5c) verifies with openssl, and its payload names the owner.
decl=$(jq -r '.devices[0].declaration' bundle.json)
cut -d. -f1 <<<"$decl" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r '.x5c[0]' | base64 -d > signer.der || true
openssl verify -CAfile f/pki/root.pem <(openssl x509 -inform DER -in signer.der) >/dev/null || fail "declaration signer chain"
payload=$(cut -d. -f2 <<<"$decl" | tr '_-' '/+')
while [ $(( ${#payload} % 4 )) -ne 0 ]; do payload="$payload="; done
owner=$(base64 -d <<<"$payload" | jq -r '.owner.name')
[ "$owner" = "Interop Site" ] || fail "declaration owner is '$owner'"
ok "declaration signer verifies with openssl; owner is the purchaser"
finish
