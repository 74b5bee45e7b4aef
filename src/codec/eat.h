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
#include "codec/cose.h"
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
// A private-use claim (RFC 8392 9.1: keys below -65536) carrying a TPM device's quote: {1: the
// marshalled TPMS_ATTEST, 2: its TPMT_SIGNATURE, 3: the PCR, 4: the event log, [[component,
// sha-256], ...] in the order extended}.
inline constexpr int64_t kTpmQuote = -70001;

struct TpmEvent {
  std::string component;
  Bytes sha256;
};
struct TpmEvidence {
  Bytes attest;     // TPMS_ATTEST as the TPM marshalled it
  Bytes signature;  // TPMT_SIGNATURE
  int pcr = 0;
  std::vector<TpmEvent> log;
};

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
  std::optional<TpmEvidence> tpm;                 // a TPM device's quote and event log

  Cbor to_cbor() const;
};

// The largest token a verifier reads: a few dozen measured components.
inline constexpr CborLimits kTokenLimits{16 * 1024, 8, 1024};

// Signs the claims as a CWT with the attestation key.
Result<Bytes> sign(const Claims& claims, const crypto::PrivateKey& attestation_key);
// The same with a signer that returns an ES256 r||s over the bytes it is given (a TPM key).
Result<Bytes> sign(const Claims& claims, const cose::RawSigner& signer);

// Reads the claims set; each malformed claim is "eat.claim" naming it. The token's signature is
// not checked here: parse_sign1 + verify_sign1 first (the verifier does both).
Result<Claims> read_claims(const Bytes& payload);

}  // namespace gh::codec::eat
