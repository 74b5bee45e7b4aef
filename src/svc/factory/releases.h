// The manufacturer's firmware releases and their reference values (IR 8350 step 3): for each model
// and release, the component files the production line installs and a CoRIM, signed by the
// reference-value signer, with each component's digest.
//   STATE/releases/<model>/<version>/firmware/   the release, laid out as a device's firmware/
//   STATE/releases/<model>/<version>/reference-values.corim
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "device/firmware.h"
#include "pki/profiles.h"

namespace gh::svc {

struct FirmwareRelease {
  device::FirmwareManifest manifest;
  std::string dir;  // STATE/releases/<model>/<version>
  Bytes corim;      // the signed reference values
};

// Records a release: copies the component files (name, path), signs its reference values.
// Refuses an existing model/version ("release.exists"): a release never changes once published.
Result<FirmwareRelease> add_release(const std::string& state_dir, const std::string& manufacturer,
                                    const pki::Identity& rv_signer, const std::string& model,
                                    const std::string& version, const std::string& swname,
                                    const std::vector<std::pair<std::string, std::string>>& files);

// The newest release of a model (versions compared number by number), if any.
Result<std::optional<FirmwareRelease>> latest_release(const std::string& state_dir,
                                                      const std::string& model);
// Every release of a model, oldest first.
Result<std::vector<FirmwareRelease>> releases(const std::string& state_dir,
                                              const std::string& model);

// The release `factory make` installs: the newest, or a demo release 1.0.0 made for the model (so
// that users who bring no firmware change nothing).
Result<FirmwareRelease> release_for_make(const std::string& state_dir,
                                         const std::string& manufacturer,
                                         const pki::Identity& rv_signer, const std::string& model);

// Copies the release into a device image's firmware/.
Status install_release(const FirmwareRelease& r, const std::string& devdir);

using device::version_less;

}  // namespace gh::svc
