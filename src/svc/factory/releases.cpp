#include "svc/factory/releases.h"

#include <algorithm>
#include <filesystem>

#include "codec/corim.h"
#include "common/fs.h"
#include "crypto/digest.h"

namespace gh::svc {

namespace {

std::string release_dir(const std::string& state_dir, const std::string& model,
                        const std::string& version) {
  return fs::join(state_dir, "releases/" + model + "/" + version);
}

bool safe_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || s[0] == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

Result<FirmwareRelease> load(const std::string& dir) {
  FirmwareRelease r;
  r.dir = dir;
  r.manifest = TRY(device::read_firmware(dir));
  r.corim = to_bytes(TRY(fs::read_file(fs::join(dir, "reference-values.corim"))));
  return r;
}

}  // namespace

Result<FirmwareRelease> add_release(const std::string& state_dir, const std::string& manufacturer,
                                    const pki::Identity& rv_signer, const std::string& model,
                                    const std::string& version, const std::string& swname,
                                    const std::vector<std::pair<std::string, std::string>>& files) {
  if (!safe_name(model) || !safe_name(version))
    return make_error("usage",
                      "--model and --version may hold only letters, digits, '.', '-', '_'");
  if (files.empty()) return make_error("usage", "a release needs at least one component");
  std::string dir = release_dir(state_dir, model, version);
  if (fs::exists(dir))
    return make_error("release.exists",
                      model + " " + version + " is already released; a release never changes");
  device::FirmwareManifest m{
      model, version, swname.empty() ? manufacturer + " firmware" : swname, {}};
  std::vector<std::string> contents;
  codec::corim::ReferenceValues rv{
      manufacturer + "/" + model + "/" + version, manufacturer, model, version, {}};
  for (const auto& [name, path] : files) {
    if (!safe_name(name)) return make_error("usage", "component name " + name);
    for (const auto& c : m.components)
      if (c.name == name) return make_error("usage", "component " + name + " named twice");
    contents.push_back(
        TRY_CTX(fs::read_file_limited(path, device::kMaxComponentBytes, "release.size"), name));
    m.components.push_back({name, name + ".bin"});
    rv.components.push_back({name, crypto::sha256(std::string_view(contents.back()))});
  }
  auto corim = TRY(codec::corim::sign_corim(rv, rv_signer.key, rv_signer.full_chain()));
  // Written beside, then renamed: a release appears whole or not at all.
  std::string tmp = dir + ".partial";
  TRY(fs::remove_all(tmp));
  TRY(fs::make_dirs(tmp, 0755));
  TRY(device::write_firmware(tmp, m, contents));
  TRY(fs::write_file_atomic(fs::join(tmp, "reference-values.corim"), to_string(corim), 0644));
  std::error_code ec;
  std::filesystem::rename(tmp, dir, ec);
  if (ec) return make_error("io", "cannot move " + tmp + " into place: " + ec.message());
  return FirmwareRelease{m, dir, corim};
}

Result<std::vector<FirmwareRelease>> releases(const std::string& state_dir,
                                              const std::string& model) {
  std::vector<FirmwareRelease> out;
  std::string dir = fs::join(state_dir, "releases/" + model);
  if (!safe_name(model) || !fs::exists(dir)) return out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string v = e.path().filename().string();
    if (!e.is_directory() || !safe_name(v) || v.find(".partial") != std::string::npos) continue;
    out.push_back(TRY(load(e.path().string())));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return version_less(a.manifest.version, b.manifest.version);
  });
  return out;
}

Result<std::optional<FirmwareRelease>> latest_release(const std::string& state_dir,
                                                      const std::string& model) {
  auto all = TRY(releases(state_dir, model));
  if (all.empty()) return std::optional<FirmwareRelease>();
  return std::optional<FirmwareRelease>(all.back());
}

Result<FirmwareRelease> release_for_make(const std::string& state_dir,
                                         const std::string& manufacturer,
                                         const pki::Identity& rv_signer, const std::string& model) {
  if (auto latest = TRY(latest_release(state_dir, model))) return *latest;
  // The demo release: three small components whose bytes name what they are.
  std::string tmp = fs::join(state_dir, "releases/.demo-" + model);
  TRY(fs::remove_all(tmp));
  TRY(fs::make_dirs(tmp, 0700));
  std::vector<std::pair<std::string, std::string>> files;
  for (const char* c : {"boot", "os", "app"}) {
    std::string path = fs::join(tmp, c);
    std::string name =
        "Gatehouse demo firmware: " + manufacturer + " " + model + " 1.0.0, component " + c + "\n";
    // The application is what the device starts (and health-checks after an update).
    if (std::string(c) == "app")
      name = "#!/bin/sh\n# " + name + "echo \"demo application $GATEHOUSE_APP_VERSION running\"\n";
    TRY(fs::write_file_atomic(path, name));
    files.emplace_back(c, path);
  }
  auto r = add_release(state_dir, manufacturer, rv_signer, model, "1.0.0",
                       manufacturer + " demo firmware", files);
  TRY(fs::remove_all(tmp));
  if (!r && r.error().code == "release.exists") return load(release_dir(state_dir, model, "1.0.0"));
  return r;
}

Status install_release(const FirmwareRelease& r, const std::string& devdir) {
  std::vector<std::string> contents;
  for (const auto& c : r.manifest.components)
    contents.push_back(TRY(fs::read_file(fs::join(r.dir, "firmware/" + c.file))));
  return device::write_firmware(devdir, r.manifest, contents);
}

}  // namespace gh::svc
