// The network owner's side, as far as pre-onboarding goes (IR 8350 5.1.2): the domain CA and
// registrar identity, trusted manufacturers, and bootstrapping bundles turned into expected
// devices. Onboarding services build on this.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codec/bundle.h"
#include "common/config.h"
#include "common/progress.h"
#include "crypto/keystore.h"
#include "pki/profiles.h"
#include "store/inventory.h"

namespace gh::svc {

struct SiteInitOptions {
  std::string state_dir;
  std::string name;
  std::vector<std::string> dns_names;  // registrar TLS names; default localhost
};

struct ImportReport {
  std::string manufacturer;
  std::string bundle_id;
  store::ImportCounts counts;
  bool anchor_added = false;
  std::string anchor_fingerprint;
  size_t reference_values = 0;  // firmware releases whose reference values came in the bundle
};

class Site {
 public:
  static Status init(const SiteInitOptions& options);
  static Result<std::unique_ptr<Site>> open(const std::string& state_dir);

  // Verifies the bundle and every declaration against a trusted manufacturer root (or
  // trust_anchor_pem, which is then trusted from here on) and records the devices as expected.
  // All or nothing: any failed check refuses the whole bundle and changes nothing. progress
  // hears of the devices verified, then imported (thousands of devices take seconds).
  Result<ImportReport> import_bundle(const std::string& path,
                                     const std::string& trust_anchor_pem = "",
                                     const ProgressFn& progress = {});
  // masa_url: the MASA for the manufacturer's devices whose IDevIDs name none (may be empty).
  Result<store::ManufacturerAnchor> trust_manufacturer(const std::string& root_pem,
                                                       const std::string& masa_url = "");

  // A trusted manufacturer's root by its fingerprint (hex SHA-256); "trust.unknown" otherwise.
  Result<crypto::Certificate> manufacturer_root(const std::string& fingerprint);
  // Signed reference values arriving other than in a bundle (the update mirror): each CoRIM
  // verified under the manufacturer's root, for its own models. Returns "model version" each.
  Result<std::vector<std::string>> import_reference_values(
      const std::string& manufacturer, const crypto::Certificate& root,
      const std::vector<std::string>& corims_b64, const std::string& source);
  // Counts the reference value imports this process made (the verifier's cache follows it).
  int64_t reference_generation() const { return rv_generation_.load(); }
  const crypto::Certificate& domain_ca() const { return domain_ca_.cert; }
  const pki::Identity& domain_ca_identity() const { return domain_ca_; }
  // The registrar's TLS and signing identity (id-kp-cmcRA), chain = [domain CA].
  Result<pki::Identity> registrar_identity();
  // Revokes the device's credentials (device state "revoked", evidence event) and republishes
  // the CRL. The router's authenticator refuses the LDevID from then on. t may be kDecommission
  // or kTransfer (the same, into "decommissioned" or "transferred": the router drops its rules,
  // and its agent wipes the device at next contact).
  // detail: more members for the event's detail (who asked, through what).
  Status revoke(const std::string& serial, const std::string& reason,
                store::Actor by = store::Actor::kOperator,
                store::Transition t = store::Transition::kRevoke, const Json& detail = Json());
  // Signs and writes STATE/crl.pem: every superseded or revoked credential that has not expired,
  // valid for kCrlValidityS. Returns the PEM.
  Result<std::string> publish_crl();
  static constexpr int64_t kCrlValidityS = 7 * 86400;
  // Republishes when a credential ended since the last publication (re-onboarding supersedes
  // one) or half the validity has passed; returns whether it wrote.
  Result<bool> refresh_crl();
  std::string crl_path() const;
  // A server certificate from the domain CA for a service inside the domain (the 802.1X
  // authenticator's EAP server): a new key written to key_path (0600), the certificate to
  // cert_path.
  Status issue_server_certificate(const std::vector<std::string>& dns_names,
                                  const std::string& cert_path, const std::string& key_path,
                                  int64_t lifetime_s);
  const Config& config() const { return config_; }
  store::Inventory& inventory() { return *inventory_; }
  const std::string& name() const { return name_; }
  const std::string& state_dir() const { return state_dir_; }
  crypto::KeyStore& keystore() { return *keystore_; }

 private:
  Site() = default;
  Result<ImportReport> check_and_import(const Bytes& file, const std::string& bundle_id,
                                        const std::string& trust_anchor_pem,
                                        const ProgressFn& progress);
  struct AttestationKey {
    crypto::PublicKey key;
    bool tpm = false;  // a TPM's restricted key: its evidence carries quotes
  };
  Result<AttestationKey> check_attestation_cert(
      const std::string& pem, const std::string& serial,
      const std::vector<crypto::Certificate>& idevid_chain, const crypto::Certificate& root);
  Result<std::vector<store::ReferenceValueRecord>> check_reference_values(
      const codec::BootstrappingBundle& bundle, const crypto::Certificate& root);

  std::string state_dir_;
  std::string name_;
  Config config_;
  std::unique_ptr<crypto::KeyStore> keystore_;
  std::unique_ptr<store::Inventory> inventory_;
  pki::Identity domain_ca_;
  Result<std::string> write_crl(const std::vector<store::IssuedCredential>& ended,
                                time::Seconds now);
  std::mutex crl_mu_;        // server threads publish (a revocation, a renewal confirmed)
  std::string crl_listing_;  // what the last published CRL listed
  time::Seconds crl_at_ = 0;
  std::atomic<int64_t> rv_generation_{0};
};

}  // namespace gh::svc
