#include "device/firmware.h"

#include "common/fs.h"
#include "common/json.h"
#include "crypto/digest.h"

namespace gh::device {

namespace {

// A component's file name stays inside firmware/.
bool safe_file_name(const std::string& f) {
  if (f.empty() || f.size() > 64 || f[0] == '.') return false;
  for (char c : f)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

}  // namespace

Status write_firmware(const std::string& devdir, const FirmwareManifest& m,
                      const std::vector<std::string>& contents) {
  if (contents.size() != m.components.size())
    return make_error("device.firmware", "one content per component");
  std::string dir = fs::join(devdir, "firmware");
  TRY(fs::make_dirs(dir, 0755));
  Json comps = Json::array();
  for (size_t i = 0; i < m.components.size(); ++i) {
    const auto& c = m.components[i];
    if (!safe_file_name(c.file) || c.name.empty())
      return make_error("device.firmware", "bad component " + c.name + " (" + c.file + ")");
    TRY(fs::write_file_atomic(fs::join(dir, c.file), contents[i], 0644));
    comps.push_back(Json{{"name", c.name}, {"file", c.file}});
  }
  Json j{{"model", m.model}, {"version", m.version}, {"swname", m.swname}, {"components", comps}};
  return fs::write_file_atomic(fs::join(dir, "release.json"), j.dump(2) + "\n", 0644);
}

Result<FirmwareManifest> read_firmware(const std::string& devdir) {
  std::string path = fs::join(devdir, "firmware/release.json");
  if (!fs::exists(path))
    return make_error("device.firmware", devdir + " has no firmware (firmware/release.json)");
  auto text = TRY(fs::read_file_limited(path, 64 * 1024, "device.firmware"));
  auto j = TRY_CTX(parse_json(text, "device.firmware"), path);
  FirmwareManifest m;
  m.model = TRY(json_string(j, "model", "release"));
  m.version = TRY(json_string(j, "version", "release"));
  m.swname = json_string_or(j, "swname", "");
  auto comps = j.find("components");
  if (comps == j.end() || !comps->is_array() || comps->empty())
    return make_error("device.firmware", path + ": no components");
  for (const auto& c : *comps) {
    FirmwareComponent fc{TRY(json_string(c, "name", "release/components")),
                         TRY(json_string(c, "file", "release/components"))};
    if (!safe_file_name(fc.file))
      return make_error("device.firmware", path + ": component file " + fc.file);
    m.components.push_back(std::move(fc));
  }
  return m;
}

Result<Measurements> measure_firmware(const std::string& devdir) {
  Measurements out;
  out.manifest = TRY(read_firmware(devdir));
  for (const auto& c : out.manifest.components) {
    auto digest = TRY(crypto::sha256_file(fs::join(devdir, "firmware/" + c.file),
                                          kMaxComponentBytes, "device.firmware"));
    out.digests.push_back({c.name, std::move(digest)});
  }
  out.debug_enabled = fs::exists(fs::join(devdir, "firmware/debug-enabled"));
  return out;
}

}  // namespace gh::device
