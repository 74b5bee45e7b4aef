// The device information declaration (NIST IR 8350 section 3): who owns a device and who may
// onboard it, signed by the manufacturer. Carried as a compact JWS (ES256) whose x5c header holds
// the declaration signer's chain, so any holder can verify it against the manufacturer root.
#pragma once

#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace gh::codec {

inline constexpr const char* kDeclarationType = "gatehouse-declaration+jws";

// An owner or onboarder, named by the SHA-256 of its domain CA's SubjectPublicKeyInfo.
struct Party {
  std::string name;
  Bytes spki_sha256;
  bool operator==(const Party& o) const { return spki_sha256 == o.spki_sha256; }
};
Party party_of(const std::string& name, const crypto::Certificate& ca);

struct DeviceInformationDeclaration {
  std::string serial;
  std::string model;
  std::string manufacturer;
  Party owner;
  std::vector<Party> authorized_onboarders;
  int64_t version = 1;  // only grows
  time::Seconds issued_at = 0;

  Json to_json() const;
  static Result<DeviceInformationDeclaration> from_json(const Json& j);
  // Is this domain (by its CA key hash) the owner or an authorized onboarder? (IR 8350 step 9)
  bool may_onboard(const Bytes& domain_spki_sha256) const;
};

Result<std::string> sign_declaration(const DeviceInformationDeclaration& d,
                                     const std::vector<crypto::Certificate>& signer_chain,
                                     const crypto::PrivateKey& key);

struct VerifiedDeclaration {
  DeviceInformationDeclaration declaration;
  crypto::Certificate signer;
};
// Verifies the x5c chain against anchors, the signature, and the typ; then parses.
Result<VerifiedDeclaration> verify_declaration(std::string_view jws,
                                               const std::vector<crypto::Certificate>& anchors);

// Decodes the payload of a declaration that was verified when it was stored (a bundle's import):
// no signature or chain check here, only the payload's shape.
Result<DeviceInformationDeclaration> decode_verified_declaration(std::string_view jws);

}  // namespace gh::codec
