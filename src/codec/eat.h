// The device's evidence: an Entity Attestation Token (RFC 9711) as a CWT, 61(18([protected,
// unprotected, payload, signature])), ES256 with the device's attestation key. Measurements are
// draft-ietf-rats-eat-measured-component entries: [content-format, << {1: [name, [version]],
// 2: [sha-256, digest]} >>].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codec/cbor.h"
#include "codec/corim.h"
#include "crypto/key.h"

namespace gh::codec::eat {

// RFC 9711 claim keys (section 7.3.1 / IANA CWT registry) and the CWT iat (RFC 8392).
inline constexpr int64_t kIat = 6;
inline constexpr int64_t kNonce = 10;
inline constexpr int64_t kUeid = 256;
inline constexpr int64_t kOemid = 258;
inline constexpr int64_t kHwmodel = 259;
inline constexpr int64_t kOemboot = 262;
inline constexpr int64_t kDbgstat = 263;
inline constexpr int64_t kProfile = 265;
inline constexpr int64_t kSwname = 270;
inline constexpr int64_t kSwversion = 271;
inline constexpr int64_t kMeasurements = 273;
// draft-ietf-rats-eat-measured-component: the Content-Format is still "TBD1"; its examples use the
// experimental 65000, and so do we until IANA assigns one.
inline constexpr int64_t kMeasuredComponentFormat = 65000;
inline constexpr const char* kProfileUri = "tag:gatehouse.example,2026:eat-device";

// RFC 9711 4.2.9: dbgstat values.
enum class Debug {
  kEnabled = 0,
  kDisabled = 1,
  kDisabledSinceBoot = 2,
  kDisabledPermanently = 3,
  kDisabledFullyAndPermanently = 4
};

struct Claims {
  Bytes nonce;          // 8..64 bytes
  Bytes ueid;           // 0x02 + EUI-48/64 (IEEE EUI type), or 0x01 + 16/24/32 random bytes
  Bytes oemid;          // 3-byte OUI or 16 random bytes (IANA PEN as an int is read as its bytes)
  std::string hwmodel;  // bstr 1..32 in the token
  std::string swname;
  std::string swversion;
  std::optional<bool> oemboot;
  std::optional<int> dbgstat;
  int64_t iat = 0;
  std::string profile;
  std::vector<corim::ComponentDigest> measurements;
  std::vector<std::string> measurement_versions;  // per measurement, may be empty

  Cbor to_cbor() const;
};

// The largest token a verifier reads: a few dozen measured components.
inline constexpr CborLimits kTokenLimits{16 * 1024, 8, 1024};

// Signs the claims as a CWT with the attestation key.
Result<Bytes> sign(const Claims& claims, const crypto::PrivateKey& attestation_key);

// Reads the claims set; each malformed claim is "eat.claim" naming it. The token's signature is
// not checked here: parse_sign1 + verify_sign1 first (the verifier does both).
Result<Claims> read_claims(const Bytes& payload);

}  // namespace gh::codec::eat
