// COSE_Sign1 (RFC 9052 4.2, 4.4) with ECDSA (RFC 9053 2.1: ES256/ES384/ES512, signature r||s),
// the envelope of EAT tokens, CoRIMs and CWT-form attestation results.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codec/cbor.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace gh::codec::cose {

inline constexpr int64_t kAlgEs256 = -7;
inline constexpr int64_t kAlgEs384 = -35;
inline constexpr int64_t kAlgEs512 = -36;
// Header labels (RFC 9052 3.1, RFC 9360 2).
inline constexpr int64_t kHeaderAlg = 1;
inline constexpr int64_t kHeaderContentType = 3;
inline constexpr int64_t kHeaderKid = 4;
inline constexpr int64_t kHeaderX5Chain = 33;
inline constexpr uint64_t kTagSign1 = 18;
inline constexpr uint64_t kTagCwt = 61;  // RFC 8392 6

int64_t alg_for(crypto::Curve curve);

struct Sign1 {
  Bytes protected_bytes;       // the serialized protected header as received (what was signed)
  Cbor protected_header;       // decoded: a map (empty when the bstr is empty)
  Cbor unprotected;            // a map
  Bytes payload;               // empty for a detached payload (nil)
  Bytes signature;             // r||s
  std::vector<uint64_t> tags;  // tags around the array, outermost first (e.g. 61, 18)
};

// Signs payload; "alg" is added to protected_header from the key's curve. tags wrap the result
// (outermost first), e.g. {kTagCwt, kTagSign1} for a CWT.
Result<Bytes> sign1(Cbor protected_header, Cbor unprotected, const Bytes& payload,
                    const crypto::PrivateKey& key, const std::vector<uint64_t>& tags = {kTagSign1});

// Signs with a key held elsewhere (a TPM): signer returns r||s over the bytes it is given (the
// Sig_structure), for ES256 (P-256).
using RawSigner = std::function<Result<Bytes>(const Bytes& to_be_signed)>;
Result<Bytes> sign1(Cbor protected_header, Cbor unprotected, const Bytes& payload,
                    const RawSigner& signer, crypto::Curve curve,
                    const std::vector<uint64_t>& tags = {kTagSign1});

// Splits a COSE_Sign1 (with or without tags 61/18) without verifying; "<what>.cose" on a shape
// that is not one.
Result<Sign1> parse_sign1(const Cbor& item, const std::string& what);
Result<Sign1> parse_sign1(const Bytes& data, const std::string& what,
                          const CborLimits& limits = {});

// RFC 9052 4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload].
Bytes sig_structure(const Bytes& protected_bytes, const Bytes& payload,
                    const Bytes& external_aad = {});

// Verifies the signature with key; the protected "alg" must be present and match the key's curve
// ("<what>.alg"); a bad signature is "<what>.signature".
Status verify_sign1(const Sign1& s, const crypto::PublicKey& key, const std::string& what);

// The x5chain header (RFC 9360): one certificate as a bstr, several as an array, signer first.
Cbor x5chain(const std::vector<crypto::Certificate>& chain);
Result<std::vector<crypto::Certificate>> x5chain_certs(const Cbor& header, const std::string& what);

}  // namespace gh::codec::cose
