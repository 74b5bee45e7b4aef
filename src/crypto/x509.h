// X.509 certificates, PKCS#10 requests and CRLs, with the extensions onboarding needs:
// subject serialNumber (2.5.4.5), MASA URL (1.3.6.1.5.5.7.1.32), MUD URL (1.3.6.1.5.5.7.1.25),
// EKU id-kp-cmcRA (1.3.6.1.5.5.7.3.28).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/key.h"
#include "crypto/ossl_handle.h"

namespace gh::crypto {

inline constexpr const char* kOidMasaUrl = "1.3.6.1.5.5.7.1.32";
inline constexpr const char* kOidMudUrl = "1.3.6.1.5.5.7.1.25";
inline constexpr const char* kOidCmcRa = "1.3.6.1.5.5.7.3.28";
inline constexpr const char* kOidClientAuth = "1.3.6.1.5.5.7.3.2";
inline constexpr const char* kOidServerAuth = "1.3.6.1.5.5.7.3.1";
// 802.1AR: IDevIDs never expire.
inline const time::Seconds kNotAfterForever = time::from_civil(9999, 12, 31, 23, 59, 59);

// A distinguished name as ordered (short name, value) pairs: {"CN","x"}, {"serialNumber","y"}.
struct Name {
  std::vector<std::pair<std::string, std::string>> rdns;
  Name& add(std::string type, std::string value) {
    rdns.emplace_back(std::move(type), std::move(value));
    return *this;
  }
};

enum KeyUsage : unsigned {
  kDigitalSignature = 1,
  kKeyEncipherment = 2,
  kKeyAgreement = 4,
  kKeyCertSign = 8,
  kCrlSign = 16,
};

class Certificate {
 public:
  static Result<Certificate> from_der(const Bytes& der);
  static Result<Certificate> from_pem(std::string_view pem);
  // Every certificate in a PEM text, in order; fails if there is none.
  static Result<std::vector<Certificate>> chain_from_pem(std::string_view pem);
  // Keeps this parsed certificate for later parses of the same DER (from_der, CMS messages): for
  // one that OpenSSL parsed elsewhere, such as a TLS peer's.
  void keep_parsed() const;

  bool valid() const { return static_cast<bool>(cert_); }
  Bytes der() const;
  std::string pem() const;
  std::string subject() const;  // one line, "CN=x, serialNumber=y"
  std::string issuer() const;
  std::optional<std::string> subject_attr(std::string_view short_name) const;
  std::optional<std::string> serial_number_attr() const { return subject_attr("serialNumber"); }
  std::optional<std::string> masa_url() const;
  std::optional<std::string> mud_url() const;
  std::vector<std::string> dns_names() const;
  std::string serial_hex() const;  // the certificate's serial number
  time::Seconds not_before() const;
  time::Seconds not_after() const;
  PublicKey public_key() const;
  bool is_ca() const;
  bool has_eku(const char* oid) const;
  bool self_signed() const;
  Bytes fingerprint_sha256() const;
  Bytes subject_key_id() const;    // empty if absent
  Bytes authority_key_id() const;  // keyIdentifier, empty if absent
  bool operator==(const Certificate& other) const;

  x509_st* raw() const { return cert_.get(); }  // for src/crypto only
  static Certificate adopt(ossl::Ptr<x509_st> cert);
  // One more reference to cert, which stays the caller's; for src/crypto only.
  static Certificate share(x509_st* cert);

 private:
  ossl::Value<x509_st> cert_;  // copies share the certificate
};

std::string chain_to_pem(const std::vector<Certificate>& chain);

struct CertificateTemplate {
  Name subject;
  PublicKey public_key;
  time::Seconds not_before = 0;
  time::Seconds not_after = 0;
  bool ca = false;
  int path_len = -1;  // with ca: pathLenConstraint, -1 for none
  unsigned key_usage = kDigitalSignature;
  std::vector<std::string> eku_oids;
  std::optional<std::string> masa_url;
  std::optional<std::string> mud_url;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::optional<std::string> crl_url;
};

// Signs tmpl with issuer_key; issuer == nullptr makes a self-signed certificate.
Result<Certificate> issue_certificate(const CertificateTemplate& tmpl, const Certificate* issuer,
                                      const PrivateKey& issuer_key);

class Csr {
 public:
  Csr() = default;

  static Result<Csr> create(const Name& subject, const PrivateKey& key);
  // With a PKCS#9 challengePassword attribute (UTF8String), as DPP's CSR flow uses.
  static Result<Csr> create(const Name& subject, const PrivateKey& key,
                            const std::string& challenge_password);
  static Result<Csr> from_der(const Bytes& der);
  static Result<Csr> from_pem(std::string_view pem);

  Bytes der() const;
  std::string pem() const;
  // The request is signed by the key it carries (proof of possession).
  Status verify_signature() const;
  PublicKey public_key() const;
  std::optional<std::string> subject_attr(std::string_view short_name) const;
  std::string subject() const;
  // The challengePassword attribute (UTF8, Printable or IA5 string), if present.
  std::optional<std::string> challenge_password() const;

 private:
  explicit Csr(ossl::Ptr<X509_req_st> req) : req_(std::move(req)) {}
  X509_req_st* raw() const { return req_.get(); }
  ossl::Value<X509_req_st> req_;  // a copy is a duplicate (a request has no reference count)
};

struct VerifyOptions {
  // Check validity at this time; std::nullopt means now.
  std::optional<time::Seconds> at;
  bool check_time = true;
  // Accept a chain that ends at any anchor, not only a self-signed root (pinning an EE or sub-CA).
  bool partial_chain = false;
  // RFC 5280 strictness (X509_V_FLAG_X509_STRICT); off only for artifacts from other systems.
  bool strict = true;
};

// Builds and verifies leaf -> untrusted... -> one of anchors. The error names the certificate at
// fault by depth and subject: "certificate 0 (CN=x): certificate signature failure".
// A chain verified at the current time is remembered for up to five minutes (never past any of
// its certificates' validity), so the same registrar, MASA or declaration signer chain arriving
// in request after request is verified once.
Status verify_chain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                    const std::vector<Certificate>& anchors, const VerifyOptions& options = {});

struct RevokedEntry {
  std::string serial_hex;
  time::Seconds revoked_at;
  int reason = -1;  // RFC 5280 CRLReason (4 superseded, 5 cessationOfOperation, ...); -1: none
};
// A CRL signed by issuer, valid for next_update_s seconds.
Result<std::string> issue_crl_pem(const Certificate& issuer, const PrivateKey& key,
                                  const std::vector<RevokedEntry>& revoked, int64_t crl_number,
                                  int64_t next_update_s);

}  // namespace gh::crypto
