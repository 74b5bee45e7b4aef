// A device image: the directory that stands for one device's persistent storage.
//   bootstrap/   written at manufacture, read-only afterwards (IDevID, trust anchors, DPP URI, ...)
//   keystore/    the device's key store (file keystore), or tpm/ + keystore/ blobs for a TPM device
//   onboarding/  what onboarding adds; a factory reset deletes it
// Key pairs are generated here, "on the device": the factory only ever sees CSRs and public keys.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "crypto/keystore.h"
#include "crypto/x509.h"

namespace gh::device {

inline constexpr const char* kIdevidKey = "idevid";
inline constexpr const char* kDppKey = "dpp-bootstrap";
inline constexpr const char* kAttestationKey = "attestation";

struct KeystoreSpec {
  std::string kind = "file";  // "file" or "tpm"
  std::string tcti;           // tpm: how to reach the device's TPM
};

// Opens the keystore of the device image at devdir.
Result<std::unique_ptr<crypto::KeyStore>> open_keystore(const std::string& devdir,
                                                        const KeystoreSpec& spec);

struct BirthKeys {
  crypto::Csr idevid_csr;  // subject carries serialNumber; signed by the new IDevID key
  crypto::PublicKey dpp_bootstrap;
  crypto::PublicKey attestation;
};

// The device side of IR 8350 5.1.1 step 2: generate the IDevID, DPP bootstrapping and attestation
// key pairs inside the device's keystore and return only public material.
// With attestation_in_keystore false (a TPM device, whose attestation key is the TPM's own
// restricted key) the attestation key is left to the caller.
Result<BirthKeys> generate_birth_keys(crypto::KeyStore& keystore, const std::string& serial,
                                      const std::string& model,
                                      bool attestation_in_keystore = true);

struct BootstrapFiles {
  std::string idevid_chain_pem;  // IDevID, then chain up to the manufacturer root
  std::string masa_trust_pem;
  std::string dpp_uri;
  Bytes dpp_qr_png;
  Json app_bootstrap;       // application-layer bootstrapping info: service URL and trust anchor
  std::string update_root;  // the manufacturer's TUF root.json: the device's first trusted root
  Json device;              // serial, model, manufacturer, keystore kind, MASA URL, MUD URL
};

// Writes bootstrap/ (into an image directory that is not yet published) and makes it read-only.
Status write_bootstrap(const std::string& devdir, const BootstrapFiles& files);

// bootstrap/device.json: what the device knows about itself from manufacture.
struct DeviceInfo {
  std::string serial;  // "serial-number"
  std::string model;
  std::string manufacturer;
  std::string keystore = "file";  // "file" or "tpm"
  std::string masa_url;
  std::string mud_url;
  std::vector<std::string> factory_keys;  // key labels a factory reset keeps
  Json json;                              // the file as written
};

// An existing device image, read through here only (the one reader of bootstrap/device.json).
class Image {
 public:
  // "device.image" when dir holds no device image.
  static Result<Image> open(const std::string& dir);
  const std::string& dir() const { return dir_; }
  const DeviceInfo& info() const { return info_; }
  const std::string& serial() const { return info_.serial; }
  // A path inside the image, e.g. path("onboarding/network.json").
  std::string path(const std::string& relative) const;
  // Whether onboarding/ holds a completed onboarding (its network.json).
  bool onboarded() const;

 private:
  std::string dir_;
  DeviceInfo info_;
};

// A stable, locally administered MAC address for the device, derived from its serial (12 hex
// digits), and the same written the usual way ("02:1a:...").
std::string device_mac(const std::string& serial);
std::string device_mac_colons(const std::string& serial);
// The device's UEID (RFC 9711 4.2.1.1): type 0x02 (IEEE EUI) followed by its EUI-48, the MAC above.
Bytes device_ueid(const std::string& serial);
// 12 hex digits -> "aa:bb:cc:dd:ee:ff".
std::string colon_mac(const std::string& hex12);

}  // namespace gh::device
