#!/usr/bin/env bash
# Attestation against an independent implementation (issue 14, "done when"): a token built by a
# Python EAT/COSE implementation on python3-cbor2 and python3-cryptography is appraised by our
# verifier; our device's token is verified by that implementation; our EAR is read by PyJWT.
# Then the refusals an operator sees: altered firmware, a replay, a forged nonce.
source "$(dirname "$0")/lib.sh"
PEER=(/usr/bin/python3 "$GH_TESTS/integration/attest_peer.py")

"$G" factory init --state f --name "Acme" --masa-url-placeholder >/dev/null
"$G" factory make --state f --model th-100 --count 2 --out d > serials.txt
S1=$(sed -n 1p serials.txt); S2=$(sed -n 2p serials.txt)
"$G" site init --state s --name "Site" >/dev/null
"$G" factory sell --state f --serial "$S1" --serial "$S2" --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem | grep -q "2 new" || fail "import"
# The bundle carried the release's reference values and each device's attestation key certificate.
"$G" site events --state s | grep -q "reference-values.import" || fail "reference values not imported"
ok "bundle with reference values and attestation keys imported"

# Our device's evidence, verified by the independent implementation.
N=$("$G" site attest nonce --state s --serial "$S1")
"$G" device attest --state "d/$S1" --nonce "$N" --out ours.cwt >/dev/null
claims=$("${PEER[@]}" verify "d/$S1/keystore/attestation.key" ours.cwt "$N") || fail "peer refused our token"
grep -q '"hwmodel": "th-100"' <<<"$claims" || fail "claims: $claims"
os_digest=$(sha256sum "d/$S1/firmware/os.bin" | cut -d' ' -f1)
grep -q "\"os\": \"$os_digest\"" <<<"$claims" || fail "os measurement: $claims"
ok "our EAT verified by python3-cbor2/cryptography: $claims"
"$G" site attest appraise --state s --serial "$S1" --nonce "$N" ours.cwt --ear ours.ear >/dev/null || fail "appraise ours"

# The verifier's EAR, read by PyJWT with the published key.
status=$("${PEER[@]}" ear ours.ear s/verifier/ear.pem "$N")
[ "$status" = "affirming ok" ] || fail "EAR read by PyJWT: $status"
ok "our EAR verified by PyJWT: $status"

# A token the independent implementation made for device 2 (its key, its firmware), appraised.
UEID=02$(python3 -c "import hashlib,sys; h=bytearray(hashlib.sha256(sys.argv[1].encode()).digest()[:6]); h[0]=(h[0]&0xfc)|2; print(h.hex())" "$S2")
N2=$("$G" site attest nonce --state s --serial "$S2")
"${PEER[@]}" make "d/$S2/keystore/attestation.key" "$N2" "$UEID" th-100 1.0.0 "d/$S2/firmware" theirs.cwt
out=$("$G" site attest appraise --state s --serial "$S2" --nonce "$N2" theirs.cwt --json --ear theirs.ear) \
  || fail "their token was not affirming: $out"
[ "$(jq -r '.submods.device."ear.status"' <<<"$out")" = affirming ] || fail "status: $out"
ok "python-made EAT appraised as affirming"

# The refusals, each naming its check; none of them moves a device but the one whose own fresh
# evidence shows altered firmware.
expect_refused nonce.replayed "$G" site attest appraise --state s --serial "$S2" --nonce "$N2" theirs.cwt
N3=$("$G" site attest nonce --state s --serial "$S1")  # issued for the other device
"${PEER[@]}" make "d/$S2/keystore/attestation.key" "$N3" "$UEID" th-100 1.0.0 "d/$S2/firmware" cross.cwt
expect_refused nonce.forged "$G" site attest appraise --state s --serial "$S2" --nonce "$N3" cross.cwt
expect_refused nonce.mismatch "$G" site attest appraise --state s --serial "$S2" --nonce "$N2" cross.cwt
"$G" site devices --state s | grep "$S2" | grep -q expected || fail "$S2 was moved by a refused token"
echo "tampered" >> "d/$S2/firmware/app.bin"
N4=$("$G" site attest nonce --state s --serial "$S2")
"${PEER[@]}" make "d/$S2/keystore/attestation.key" "$N4" "$UEID" th-100 1.0.0 "d/$S2/firmware" bad.cwt
expect_refused measurement.app "$G" site attest appraise --state s --serial "$S2" --nonce "$N4" bad.cwt
"$G" site devices --state s | grep "$S2" | grep -q quarantined || fail "$S2 not quarantined"
ok "altered firmware: contraindicated and quarantined by the default policy"
finish
