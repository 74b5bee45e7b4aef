#!/usr/bin/python3
"""An independent EAT/COSE implementation on Debian's python3-cbor2 and python3-cryptography, and
an EAR reader on python3-jwt: what Gatehouse's verifier and device agent are checked against.
Written from RFC 9711, RFC 9052 and draft-ietf-rats-ear; shares no code with Gatehouse.

  attest_peer.py make KEY.pem NONCE_HEX SERIAL_UEID_HEX MODEL VERSION FIRMWARE_DIR OUT
      sign an EAT (CWT, ES256) for the device whose attestation key is KEY.pem, measuring the
      components listed in FIRMWARE_DIR/release.json
  attest_peer.py verify KEY.pem TOKEN NONCE_HEX
      verify a token Gatehouse's device made, print its claims as JSON
  attest_peer.py ear EAR.jwt PUB.pem NONCE_HEX
      verify Gatehouse's EAR with PyJWT, print its status
"""
import hashlib
import json
import sys

import cbor2
import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

MEASURED_COMPONENT = 65000  # draft-ietf-rats-eat-measured-component, TBD1 (its examples' value)


def sig_structure(protected, payload):
    return cbor2.dumps(["Signature1", protected, b"", payload])


def make(key_pem, nonce_hex, ueid_hex, model, version, fw_dir, out):
    key = serialization.load_pem_private_key(open(key_pem, "rb").read(), None)
    release = json.load(open(fw_dir + "/release.json"))
    measurements = []
    for c in release["components"]:
        digest = hashlib.sha256(open(fw_dir + "/" + c["file"], "rb").read()).digest()
        mc = {1: [c["name"], [version]], 2: ["sha-256", digest]}  # alg as text: also allowed
        measurements.append([MEASURED_COMPONENT, cbor2.dumps(mc)])
    # Keys in another order than Gatehouse writes them, and hwmodel as text is not allowed
    # (bstr), so it is bytes here.
    claims = {
        273: measurements,
        263: 3,  # dbgstat: disabled-permanently
        262: True,
        271: [version],
        259: model.encode(),
        256: bytes.fromhex(ueid_hex),
        10: bytes.fromhex(nonce_hex),
        6: 1800000000,
    }
    payload = cbor2.dumps(claims)
    protected = cbor2.dumps({1: -7})
    der = key.sign(sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    token = cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(18, [protected, {}, payload, sig])))
    open(out, "wb").write(token)


def verify(key_pem, token_path, nonce_hex):
    pub = serialization.load_pem_private_key(open(key_pem, "rb").read(), None).public_key()
    item = cbor2.loads(open(token_path, "rb").read())
    assert isinstance(item, cbor2.CBORTag) and item.tag == 61, "not a CWT (tag 61)"
    inner = item.value
    assert isinstance(inner, cbor2.CBORTag) and inner.tag == 18, "not COSE_Sign1 (tag 18)"
    protected, unprotected, payload, sig = inner.value
    assert cbor2.loads(protected) == {1: -7}, "alg is not ES256"
    assert len(sig) == 64, "signature is not r||s"
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    pub.verify(der, sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    claims = cbor2.loads(payload)
    assert claims[10] == bytes.fromhex(nonce_hex), "eat_nonce"
    out = {"ueid": claims[256].hex(), "hwmodel": claims[259].decode(), "swversion": claims[271][0],
           "dbgstat": claims[263], "measurements": {}}
    for fmt, body in claims[273]:
        assert fmt == MEASURED_COMPONENT
        mc = cbor2.loads(body)
        out["measurements"][mc[1][0]] = mc[2][1].hex()
    print(json.dumps(out))


def ear(jwt_path, pub_pem, nonce_hex):
    token = open(jwt_path).read().strip()
    claims = jwt.decode(token, open(pub_pem).read(), algorithms=["ES256"])
    assert claims["eat_profile"] == "tag:github.com,2023:veraison/ear", "eat_profile"
    nonce = jwt.utils.base64url_decode(claims["eat_nonce"])
    assert nonce == bytes.fromhex(nonce_hex), "eat_nonce"
    sub = next(iter(claims["submods"].values()))
    print(sub["ear.status"], sub.get("ear.gatehouse.check", ""))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"make": make, "verify": verify, "ear": ear}[cmd](*args)
