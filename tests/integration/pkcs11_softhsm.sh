#!/usr/bin/env bash
# Manufacturer CA keys in a PKCS#11 token (SoftHSM2): generated on the token, never extractable,
# used for every signature; nothing key-like on disk.
source "$(dirname "$0")/lib.sh"
command -v softhsm2-util >/dev/null || fail "softhsm2-util missing (make deps installs softhsm2)"

mkdir -p tokens
cat > softhsm2.conf <<CONF
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label gh-factory --so-pin 10203040 --pin 4321 >/dev/null

expect_refused pkcs11.pin "$G" factory init --state f --name "HSM Devices" --masa-url-placeholder --keystore pkcs11 --pkcs11-token gh-factory
rm -rf f
export GATEHOUSE_PKCS11_PIN=0000
expect_refused pkcs11.pin "$G" factory init --state f --name "HSM Devices" --masa-url-placeholder --keystore pkcs11 --pkcs11-token gh-factory
rm -rf f
export GATEHOUSE_PKCS11_PIN=4321
expect_refused pkcs11.token "$G" factory init --state f --name "HSM Devices" --masa-url-placeholder --keystore pkcs11 --pkcs11-token no-such-token
rm -rf f
"$G" factory init --state f --name "HSM Devices" --masa-url-placeholder --keystore pkcs11 --pkcs11-token gh-factory >/dev/null
[ ! -e f/keys ] || fail "a file keystore was created"
grep -rl "PRIVATE KEY" f && fail "private key material in the state directory"
ok "CA keys live on the token only"

objects=$(pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label gh-factory --login --pin 4321 \
  --list-objects --type privkey 2>/dev/null)
for label in root idevid-ca masa mud-signer declaration-signer rv-signer; do
  grep -q "label:      $label" <<<"$objects" || fail "no $label key on the token"
done
[ "$(grep -c "never extractable" <<<"$objects")" -eq 6 ] || fail "a CA key is extractable"
ok "six CA keys on the token, all never-extractable"

"$G" factory make --state f --model hsm-1 --count 4 --out d > serials.txt
while read -r s; do
  openssl verify -CAfile f/pki/root.pem -untrusted f/pki/idevid-ca.pem "d/$s/bootstrap/idevid.pem" >/dev/null \
    || fail "$s: IDevID signed on the token does not verify"
done < serials.txt
ok "IDevIDs signed by the token verify with openssl"

"$G" site init --state s --name "HSM Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
[ "$("$G" site devices --state s --json | jq length)" -eq 4 ] || fail "import of a token-signed bundle"
ok "bundle and declarations signed on the token import at the site"
finish
