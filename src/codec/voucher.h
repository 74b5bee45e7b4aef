// Vouchers and voucher-requests (RFC 8366, RFC 8995 section 3, draft-ietf-anima-rfc8366bis) as
// JSON inside CMS SignedData (eContentType id-ct-animaJSONVoucher). Written strictly, read
// leniently: unknown members ignored, nonces and serials opaque strings, RFC 3339 times in any
// valid form.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/cms.h"

namespace gh::codec {

inline constexpr const char* kVoucherRoot = "ietf-voucher:voucher";
inline constexpr const char* kVoucherRequestRoot = "ietf-voucher-request:voucher";
inline constexpr const char* kVoucherMediaType = "application/voucher-cms+json";

struct VoucherRequest {
  std::optional<time::Seconds> created_on;
  std::string nonce;  // empty: nonceless
  std::string assertion;
  std::string serial_number;
  Bytes idevid_issuer;                 // the IDevID's AKI keyIdentifier
  Bytes proximity_registrar_cert;      // DER (pledge request only)
  Bytes prior_signed_voucher_request;  // CMS DER (registrar request only)

  Json to_json() const;
  static Result<VoucherRequest> from_json(const Json& j);
};

struct Voucher {
  time::Seconds created_on = 0;
  std::optional<time::Seconds> expires_on;
  std::string assertion;
  std::string serial_number;
  Bytes idevid_issuer;
  Bytes pinned_domain_cert;  // DER
  std::optional<bool> domain_cert_revocation_checks;
  std::string nonce;
  std::optional<time::Seconds> last_renewal_date;

  Json to_json() const;
  static Result<Voucher> from_json(const Json& j);
};

// Signs JSON as id-ct-animaJSONVoucher CMS (DER).
Result<Bytes> sign_voucher_artifact(const Json& json, const crypto::Certificate& signer,
                                    const crypto::PrivateKey& key,
                                    const std::vector<crypto::Certificate>& chain);

struct VerifiedArtifact {
  Json json;
  crypto::Certificate signer;
  std::vector<crypto::Certificate> certificates;
  // How the peer departed from what we write, read leniently (recorded with the event): the body
  // was base64, the content type id-data, the CMS lacked certificates found elsewhere.
  std::vector<std::string> notes;
};
// Accepts DER, base64 or PEM; id-ct-animaJSONVoucher or id-data.
Result<VerifiedArtifact> verify_voucher_artifact(const Bytes& body,
                                                 const std::vector<crypto::Certificate>& anchors,
                                                 const crypto::CmsVerifyOptions& options = {});

// RFC 8366bis idevid-issuer: normalise any of the forms peers send (bare keyIdentifier, the
// AuthorityKeyIdentifier SEQUENCE, or that inside an OCTET STRING) to the keyIdentifier.
Bytes normalise_key_identifier(const Bytes& value);

// Status telemetry (RFC 8995 5.7, 5.9.4): {"version":1,"status":bool,"reason":...}.
Json status_telemetry(bool ok, const std::string& reason);

}  // namespace gh::codec
