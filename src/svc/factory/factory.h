// The device manufacturer (NIST IR 8350 5.1.1 steps 1-6, 4.1 "transfer ownership"): its PKI, the
// production line, device information declarations, sale with the purchaser's bundle, MUD signing.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "crypto/keystore.h"
#include "pki/profiles.h"
#include "store/factory_registry.h"
#include "svc/common/role.h"
#include "svc/factory/releases.h"

namespace gh::svc {

struct FactoryInitOptions {
  std::string state_dir;
  std::string name;
  // Default (empty): a placeholder, https://masa.<slug>.example:9443, that resolves nowhere; the
  // CLI asks for it explicitly (factory init --masa-url-placeholder).
  std::string masa_url;
  std::string app_url;  // application-layer service named in each device's bootstrap info
  std::string serial_prefix;
  std::string keystore = "file";  // CA keys: "file" or "pkcs11"
  crypto::Pkcs11Config pkcs11;
  // The root's curve. P-256 by default: every chain a pledge, registrar and MASA verify runs
  // through the root, and OpenSSL 3.0 verifies P-384 about ten times slower than P-256.
  crypto::Curve root_curve = crypto::Curve::kP256;
};

struct MakeOptions {
  std::string model;
  int count = 1;
  std::string out_dir;
  std::string mud_url;
  std::string device_keystore = "file";  // "file" or "tpm"
  int workers = 0;                       // 0: one per core
};

struct MadeDevice {
  std::string serial;
  std::string image_dir;
  std::string dpp_uri;
};

struct SellOptions {
  std::vector<std::string> serials;
  std::string owner_cert_pem;
  std::vector<std::string> onboarder_cert_pems;
  std::string bundle_path;
  bool transfer = false;  // allow re-selling a device another purchaser owns
};

class Factory {
 public:
  static Status init(const FactoryInitOptions& options);
  // Opens the state and finishes or scraps anything an interrupted run left reserved.
  static Result<std::unique_ptr<Factory>> open(const std::string& state_dir);
  ~Factory();

  Result<std::vector<MadeDevice>> make(const MakeOptions& options,
                                       const std::function<void(const MadeDevice&)>& on_made = {});
  // Returns the number of devices in the bundle.
  Result<size_t> sell(const SellOptions& options);
  // Records a firmware release of a model (files: component name, path) and signs its reference
  // values; `make` installs the newest release of the model.
  Result<FirmwareRelease> add_release(
      const std::string& model, const std::string& version, const std::string& swname,
      const std::vector<std::pair<std::string, std::string>>& files);
  // Publishes a release in the update repository (TUF targets <model>/<version>/<file>, the
  // release manifest and its reference values); publishing the same release again changes
  // nothing.
  Status publish_release(const FirmwareRelease& release);
  // New TUF keys for the roles named, through a new root version (factory rotate-keys).
  Status rotate_update_keys(const std::vector<std::string>& roles);
  // Signs a MUD file for a model (detached CMS); returns the path of the published file.
  Result<std::string> publish_mud(const std::string& model, const std::string& file);

  const std::string& name() const { return name_; }
  const crypto::Certificate& root() const { return root_; }
  // The MASA URL written into every IDevID this factory makes.
  std::string masa_url() const { return config_.get("masa_url"); }
  store::FactoryRegistry& registry() { return *registry_; }

 private:
  Factory() = default;
  Status load_identities();
  Status recover();
  Result<MadeDevice> make_one(const std::string& serial, const MakeOptions& options,
                              const FirmwareRelease& release, store::ManufacturedDevice* out);
  // An identity under the root that older state directories lack: made on first open.
  Result<pki::Identity> load_or_make_signer(const std::string& label, const std::string& role);

  std::string state_dir_;
  Config config_;
  std::string name_;
  StateLock lock_;
  std::unique_ptr<crypto::KeyStore> keystore_;
  std::unique_ptr<store::FactoryRegistry> registry_;
  crypto::Certificate root_;
  pki::Identity idevid_ca_;
  pki::Identity masa_;
  pki::Identity mud_signer_;
  pki::Identity declaration_signer_;
  pki::Identity rv_signer_;  // reference values (CoRIMs)
  std::string update_root_;  // the TUF root written into the images being made
};

}  // namespace gh::svc
