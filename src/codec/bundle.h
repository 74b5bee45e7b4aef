// The purchaser's bootstrapping bundle (IR 8350 4.1, 5.1.2): per device serial, model, IDevID
// certificate, DPP URI, MUD URL and signed declaration. JSON, signed as CMS SignedData by the
// manufacturer, written PEM-armoured. Never holds a private key.
#pragma once

#include <string>
#include <vector>

#include "codec/declaration.h"
#include "common/json.h"
#include "crypto/cms.h"

namespace gh::codec {

// The largest bundle a site imports (and a factory writes): about 5 KB a device, so some thousands
// of devices a bundle. Its processing (PEM, DER, CMS content, JSON) holds a few copies at once and
// must stay well under 256 MB.
inline constexpr size_t kMaxBundleBytes = 16 * 1024 * 1024;
// Its JSON content: an object of 15 values (keys counted) a device.
inline constexpr JsonLimits kBundleJsonLimits{kMaxBundleBytes, 16, 250'000};

struct BundleDevice {
  std::string serial;
  std::string model;
  std::string idevid_pem;  // the IDevID certificate (leaf only)
  std::string dpp_uri;
  std::string mud_url;      // empty when the model has none
  std::string declaration;  // compact JWS
  // The manufacturer's certificate for the device's attestation key (PEM), binding it to the
  // serial; empty for devices made before attestation existed.
  std::string attestation_cert_pem;
};

struct BootstrappingBundle {
  int version = 1;
  std::string manufacturer;
  time::Seconds created_at = 0;
  Party owner;
  // The manufacturer root, for a purchaser who has not pinned it yet (trust on first use, shown
  // by fingerprint). A purchaser who already knows the root verifies against its own copy.
  std::string manufacturer_root_pem;
  std::vector<BundleDevice> devices;
  // Signed reference values (CoRIMs, base64) for the firmware releases of the models sold.
  std::vector<std::string> reference_values;

  // The manufacturer's update repository (TUF): its root.json as the site's first trusted root,
  // and where it is served. Empty in bundles from before updates existed.
  std::string update_root;
  std::string update_url;
  Json to_json() const;
  static Result<BootstrappingBundle> from_json(const Json& j);
};

Result<std::string> sign_bundle(const BootstrappingBundle& b, const crypto::Certificate& signer,
                                const crypto::PrivateKey& key,
                                const std::vector<crypto::Certificate>& chain);

struct VerifiedBundle {
  BootstrappingBundle bundle;
  crypto::Certificate signer;
};
// Verifies the CMS signature against anchors, then parses the JSON it carries.
Result<VerifiedBundle> verify_bundle(const Bytes& file,
                                     const std::vector<crypto::Certificate>& anchors);
// Reads the embedded manufacturer root without verifying anything (to offer trust on first use).
Result<crypto::Certificate> bundle_embedded_root(const Bytes& file);

}  // namespace gh::codec
