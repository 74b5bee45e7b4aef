#include "pki/profiles.h"

namespace gh::pki {
namespace {
using crypto::Name;

// Backdate a little so a peer whose clock is slightly behind still accepts the certificate.
constexpr int64_t kBackdateS = 3600;

CertificateTemplate base(Name subject, const PublicKey& key, int64_t lifetime_s) {
  CertificateTemplate t;
  t.subject = std::move(subject);
  t.public_key = key;
  t.not_before = time::now() - kBackdateS;
  t.not_after = time::now() + lifetime_s;
  return t;
}
}  // namespace

CertificateTemplate manufacturer_root(const std::string& m, const PublicKey& key) {
  auto t = base(Name().add("O", m).add("CN", m + " Root CA"), key, kCaLifetimeS);
  t.ca = true;
  t.path_len = 1;
  t.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  return t;
}

CertificateTemplate idevid_issuing_ca(const std::string& m, const PublicKey& key) {
  auto t = base(Name().add("O", m).add("CN", m + " IDevID Issuing CA"), key, kCaLifetimeS);
  t.ca = true;
  t.path_len = 0;
  t.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  return t;
}

CertificateTemplate idevid(const std::string& m, const std::string& model,
                           const std::string& serial, const PublicKey& key,
                           const std::optional<std::string>& masa_url,
                           const std::optional<std::string>& mud_url) {
  auto t = base(Name().add("O", m).add("CN", model).add("serialNumber", serial), key, 0);
  // IEEE 802.1AR 8.5: a DevID that never expires carries notAfter 99991231235959Z.
  t.not_after = crypto::kNotAfterForever;
  t.key_usage = crypto::kDigitalSignature;
  t.masa_url = masa_url;
  t.mud_url = mud_url;
  return t;
}

CertificateTemplate attestation_key(const std::string& m, const std::string& model,
                                    const std::string& serial, const PublicKey& key, bool tpm) {
  auto t = base(Name()
                    .add("O", m)
                    .add("OU", tpm ? kTpmAttestationKeyOu : kAttestationKeyOu)
                    .add("CN", model)
                    .add("serialNumber", serial),
                key, 0);
  t.not_after = crypto::kNotAfterForever;
  t.key_usage = crypto::kDigitalSignature;
  return t;
}

CertificateTemplate signer(const std::string& org, const std::string& role, const PublicKey& key,
                           std::vector<std::string> eku) {
  auto t = base(Name().add("O", org).add("CN", org + " " + role), key, kSignerLifetimeS);
  t.key_usage = crypto::kDigitalSignature;
  t.eku_oids = std::move(eku);
  return t;
}

CertificateTemplate domain_ca(const std::string& domain, const PublicKey& key) {
  auto t = base(Name().add("O", domain).add("CN", domain + " Domain CA"), key, kCaLifetimeS);
  t.ca = true;
  t.path_len = 0;
  t.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  return t;
}

CertificateTemplate registrar(const std::string& domain, const std::vector<std::string>& dns_names,
                              const PublicKey& key) {
  auto t = base(Name().add("O", domain).add("CN", domain + " Registrar"), key, kSignerLifetimeS);
  t.key_usage = crypto::kDigitalSignature;
  t.eku_oids = {crypto::kOidCmcRa, crypto::kOidServerAuth, crypto::kOidClientAuth};
  t.dns_names = dns_names;
  return t;
}

CertificateTemplate domain_server(const std::string& domain,
                                  const std::vector<std::string>& dns_names, const PublicKey& key,
                                  int64_t lifetime_s) {
  auto t = base(Name().add("O", domain).add("CN", dns_names.empty() ? domain : dns_names.front()),
                key, lifetime_s);
  t.key_usage = crypto::kDigitalSignature;
  t.eku_oids = {crypto::kOidServerAuth};
  t.dns_names = dns_names;
  return t;
}

CertificateTemplate ldevid(const std::string& domain, const std::string& serial,
                           const PublicKey& key, int64_t lifetime_s) {
  auto t =
      base(Name().add("O", domain).add("CN", serial).add("serialNumber", serial), key, lifetime_s);
  t.key_usage = crypto::kDigitalSignature;
  t.eku_oids = {crypto::kOidClientAuth};
  return t;
}

std::vector<crypto::Certificate> Identity::full_chain() const {
  std::vector<crypto::Certificate> out{cert};
  out.insert(out.end(), chain.begin(), chain.end());
  return out;
}

}  // namespace gh::pki
