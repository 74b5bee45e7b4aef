// CMS SignedData (RFC 5652): sign and verify, attached or detached.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace gh::crypto {

inline constexpr const char* kOidData = "1.2.840.113549.1.7.1";
inline constexpr const char* kOidAnimaJsonVoucher = "1.2.840.113549.1.9.16.1.40";

struct CmsSignOptions {
  bool detached = false;
  // eContentType; id-data by default. Vouchers use id-ct-animaJSONVoucher.
  std::string content_type = kOidData;
  // Carry no certificates at all (CMS_NOCERTS): how some peers sign; for tests of reading them.
  bool no_certs = false;
};

// One SignerInfo with signed attributes (contentType, messageDigest, signingTime) and the signer's
// certificate plus chain. Returns DER.
Result<Bytes> cms_sign(const Bytes& content, const Certificate& signer, const PrivateKey& key,
                       const std::vector<Certificate>& chain, const CmsSignOptions& options = {});

struct CmsVerified {
  Bytes content;
  Certificate signer;
  std::vector<Certificate> certificates;  // every certificate the message carried
  std::string content_type;               // dotted OID
  // What the message left out that was found elsewhere (a peer that sends less than RFC 8995
  // asks, read leniently): "signer certificate from TLS", "chain completed from known CAs".
  std::vector<std::string> notes;
};

struct CmsVerifyOptions {
  // Accept a signer that chains to an anchor that is not a self-signed root.
  bool partial_chain = false;
  bool check_time = true;
  // Also trust the self-signed certificates the message itself carries (RFC 8995 5.5.2: a MASA
  // takes the registrar's unknown domain CA as a temporary anchor). Callers must then decide
  // whether that anchor is acceptable, from CmsVerified::certificates.
  bool trust_embedded_roots = false;
  // Verify only the signature, not the signer's chain: for a caller that has verified that exact
  // certificate already and compares CmsVerified::signer with it afterwards.
  bool signer_already_verified = false;
  // Certificates known out of band: a TLS peer's, the issuing CAs a MASA holds. The signer may be
  // one of them (a CMS that carries no certificates) and chains may run through them (a CMS that
  // carries the leaf alone). They are candidates only: the signature and the chain still decide.
  std::vector<Certificate> known_certs;
};

// Verifies the signature and that the signer chains to one of anchors (purpose "any").
// detached: the content for a detached signature, nullptr for attached. Signed attributes are
// required (RFC 8366bis: MUST).
Result<CmsVerified> cms_verify(const Bytes& der, const std::vector<Certificate>& anchors,
                               const Bytes* detached, const CmsVerifyOptions& options = {});

// Reads the attached content and certificates WITHOUT verifying anything. Only for offering a
// trust-on-first-use decision; never act on what it returns before cms_verify() succeeds.
Result<CmsVerified> cms_parse_unverified(const Bytes& der);

// RFC 7030 4.1.3 / 4.2.3: a certs-only CMC Simple PKI Response (SignedData, no signers, no
// content).
Result<Bytes> certs_only_encode(const std::vector<Certificate>& certs);
Result<std::vector<Certificate>> certs_only_decode(const Bytes& der);

// PEM armour for CMS ("-----BEGIN CMS-----").
std::string cms_to_pem(const Bytes& der);
// Accepts DER, PEM (CMS or PKCS7 label) or base64.
Result<Bytes> cms_from_any(const Bytes& data);
// Whether a body is binary (DER, a SEQUENCE) rather than text (base64 or PEM): a peer that sent
// text is answered in text.
inline bool is_binary_cms(std::string_view body) {
  return !body.empty() && static_cast<uint8_t>(body[0]) == 0x30;
}

}  // namespace gh::crypto
