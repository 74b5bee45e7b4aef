// What every on-device onboarding flow shares: opening the device image (bootstrap/device.json,
// its keystore, and its TPM when it has one) and publishing onboarding/ as a unit.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "crypto/keystore.h"
#include "crypto/tls.h"
#include "device/image.h"
#include "svc/device/swtpm.h"
#include "svc/device/tpm_attester.h"

namespace gh::svc {

struct OpenedDevice {
  std::string dir;
  device::DeviceInfo info;     // bootstrap/device.json
  std::unique_ptr<Swtpm> tpm;  // declared before the keystore: it must outlive the keys
  // A TPM device's attester: its measured boot (PCR 8 extended with each firmware component's
  // digest when the device opened, the event log kept) and its quotes.
  std::unique_ptr<TpmAttester> attester;
  std::unique_ptr<crypto::KeyStore> keystore;
  const std::string& serial() const { return info.serial; }
};

// Opens the image; refuses one already onboarded (onboarding/network.json present) unless
// allow_onboarded.
Result<OpenedDevice> open_device(const std::string& dir, bool allow_onboarded = false);

// Writes onboarding/ beside the image and renames it into place: a crash leaves either the old
// directory or the complete new one. files: name, content, mode.
Status publish_onboarding(const std::string& device_dir,
                          const std::vector<std::tuple<std::string, std::string, unsigned>>& files);

// The certificate credential onboarding left (onboarding/network.json, the one reader of it): a
// BRSKI LDevID, or a DPP 802.1X configuration's certificate. "device.not-onboarded" without one,
// "device.credential" for a DPP configuration that holds no certificate (a connector or a PSK).
struct OnboardedCredential {
  std::string method;       // "brski" or "dpp"
  std::string cert_path;    // onboarding/ldevid.pem: the certificate, then its chain
  std::string key_label;    // in the device's keystore
  std::string ca_path;      // the domain CA to trust
  std::string server_name;  // the EAP server name (DPP), may be empty
  std::string site_url;     // the registrar the device onboarded with (BRSKI), may be empty
};
Result<OnboardedCredential> onboarded_credential(const std::string& device_dir);

// What the device needs to talk to its site over mutual TLS: its LDevID (with chain and key) and
// the domain CA. site_url overrides the registrar it onboarded with; "usage" when neither names
// a site (a device onboarded by DPP).
struct SiteSession {
  crypto::TlsIdentity identity;
  crypto::Certificate domain_ca;
  std::string site_url;
};
Result<SiteSession> site_session(const OpenedDevice& dev, const std::string& site_url = "");

// A secret kept beside the device's keys (mode 0600), e.g. a Wi-Fi PSK. A factory reset removes it.
Status store_device_secret(const std::string& device_dir, const std::string& label,
                           const SecretString& secret);

}  // namespace gh::svc
