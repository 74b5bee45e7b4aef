#include "svc/device/device_agent.h"

#include <cstdio>

#include "common/fs.h"
#include "device/image.h"

namespace gh::svc {

Result<OpenedDevice> open_device(const std::string& dir, bool allow_onboarded) {
  OpenedDevice d;
  d.dir = dir;
  auto image = TRY(device::Image::open(dir));
  d.info = image.info();
  if (!allow_onboarded && image.onboarded())
    return make_error("device.onboarded",
                      "the device is already onboarded; `gatehouse device reset` first");
  device::KeystoreSpec spec{d.info.keystore, ""};
  if (spec.kind == "tpm") {
    d.tpm = TRY(Swtpm::start(fs::join(dir, "tpm")));
    spec.tcti = d.tpm->tcti();
  }
  d.keystore = TRY(device::open_keystore(dir, spec));
  return d;
}

Status publish_onboarding(
    const std::string& device_dir,
    const std::vector<std::tuple<std::string, std::string, unsigned>>& files) {
  std::string dir = fs::join(device_dir, "onboarding");
  std::string tmp = dir + ".partial";
  TRY(fs::remove_all(tmp));
  TRY(fs::make_dirs(tmp, 0755));
  for (const auto& [name, content, mode] : files)
    TRY(fs::write_file_exclusive(fs::join(tmp, name), content, mode));
  TRY(fs::remove_all(dir));
  if (std::rename(tmp.c_str(), dir.c_str()) != 0)
    return make_error("io", "cannot move onboarding into place");
  return ok_status();
}

Status store_device_secret(const std::string& device_dir, const std::string& label,
                           const SecretString& secret) {
  if (!crypto::valid_key_label(label)) return make_error("device.secret", "bad label " + label);
  std::string dir = fs::join(device_dir, "keystore");
  TRY(fs::make_dirs(dir, 0700));
  return fs::write_file_atomic(fs::join(dir, label + ".secret"), secret.reveal(), 0600);
}

}  // namespace gh::svc
