// Certificate profiles: what each certificate in the manufacturer's and the domain's PKI carries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "crypto/keystore.h"
#include "crypto/x509.h"

namespace gh::pki {

using crypto::CertificateTemplate;
using crypto::PublicKey;

// How long CA and signer certificates live (20 years); device birth credentials never expire.
inline constexpr int64_t kCaLifetimeS = 20LL * 365 * 86400;
inline constexpr int64_t kSignerLifetimeS = 10LL * 365 * 86400;
inline constexpr int64_t kDefaultLdevidLifetimeS = 90LL * 86400;

CertificateTemplate manufacturer_root(const std::string& manufacturer, const PublicKey& key);
CertificateTemplate idevid_issuing_ca(const std::string& manufacturer, const PublicKey& key);
// 802.1AR IDevID: subject serialNumber, notAfter 99991231235959Z, MASA URL and MUD URL extensions.
CertificateTemplate idevid(const std::string& manufacturer, const std::string& model,
                           const std::string& serial, const PublicKey& key,
                           const std::optional<std::string>& masa_url,
                           const std::optional<std::string>& mud_url);
// The manufacturer's binding of a device's attestation key to its serial (IR 8350 step 3): issued
// by the IDevID CA, subject OU "Attestation Key" (so it never passes for an IDevID), serialNumber,
// digitalSignature only, never expires (as the IDevID).
// A TPM's restricted attestation key, which signs quotes, says so: OU "TPM Attestation Key" (the
// verifier then requires a quote in every piece of evidence).
inline constexpr const char* kAttestationKeyOu = "Attestation Key";
inline constexpr const char* kTpmAttestationKeyOu = "TPM Attestation Key";
CertificateTemplate attestation_key(const std::string& manufacturer, const std::string& model,
                                    const std::string& serial, const PublicKey& key,
                                    bool tpm = false);
// End-entity signers under the manufacturer root: "MASA voucher signer", "MUD file signer", ...
CertificateTemplate signer(const std::string& org, const std::string& role, const PublicKey& key,
                           std::vector<std::string> eku = {});
CertificateTemplate domain_ca(const std::string& domain, const PublicKey& key);
// RFC 8995 2.5.3: the registrar certificate carries id-kp-cmcRA.
CertificateTemplate registrar(const std::string& domain, const std::vector<std::string>& dns_names,
                              const PublicKey& key);
// An EAP or TLS server inside the domain (the 802.1X authenticator's EAP-TLS server): serverAuth.
CertificateTemplate domain_server(const std::string& domain,
                                  const std::vector<std::string>& dns_names, const PublicKey& key,
                                  int64_t lifetime_s);
CertificateTemplate ldevid(const std::string& domain, const std::string& serial,
                           const PublicKey& key, int64_t lifetime_s);

// A signing identity: certificate, key handle and the chain above it (excluding the root).
struct Identity {
  crypto::Certificate cert;
  crypto::PrivateKey key;
  std::vector<crypto::Certificate> chain;  // issuer certificates, nearest first, root last
  // cert followed by chain.
  std::vector<crypto::Certificate> full_chain() const;
  Result<crypto::Certificate> issue(const CertificateTemplate& tmpl) const {
    return crypto::issue_certificate(tmpl, &cert, key);
  }
};

}  // namespace gh::pki
