// What every on-device onboarding flow shares: opening the device image (bootstrap/device.json,
// its keystore, and its TPM when it has one) and publishing onboarding/ as a unit.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "crypto/keystore.h"
#include "device/image.h"
#include "svc/device/swtpm.h"

namespace gh::svc {

struct OpenedDevice {
  std::string dir;
  device::DeviceInfo info;     // bootstrap/device.json
  std::unique_ptr<Swtpm> tpm;  // declared before the keystore: it must outlive the keys
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

// A secret kept beside the device's keys (mode 0600), e.g. a Wi-Fi PSK. A factory reset removes it.
Status store_device_secret(const std::string& device_dir, const std::string& label,
                           const SecretString& secret);

}  // namespace gh::svc
