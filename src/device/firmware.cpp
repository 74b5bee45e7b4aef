#include "device/firmware.h"

#include <algorithm>

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
  return TRY_CTX(parse_firmware_manifest(text), path);
}

Result<FirmwareManifest> parse_firmware_manifest(const std::string& text) {
  const std::string path = "release.json";
  if (text.size() > 64 * 1024) return make_error("device.firmware", "release.json is too large");
  auto j = TRY(parse_json(text, "device.firmware"));
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

bool version_less(const std::string& a, const std::string& b) {
  // Part by part ('.'-separated): numbers by value and before any text, text by its bytes; a
  // version that is a prefix of the other comes first. A strict weak order, as sorting needs.
  auto parts = [](const std::string& v) {
    std::vector<std::string> out;
    size_t at = 0;
    for (size_t dot; (dot = v.find('.', at)) != std::string::npos; at = dot + 1)
      out.push_back(v.substr(at, dot - at));
    out.push_back(v.substr(at));
    return out;
  };
  auto numeric = [](const std::string& p) {
    return !p.empty() && p.size() <= 18 && std::all_of(p.begin(), p.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
  };
  auto pa = parts(a), pb = parts(b);
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    bool na = numeric(pa[i]), nb = numeric(pb[i]);
    if (na && nb) {
      long long x = std::stoll(pa[i]), y = std::stoll(pb[i]);
      if (x != y) return x < y;
    } else if (na != nb) {
      return na;  // a number before text
    } else if (pa[i] != pb[i]) {
      return pa[i] < pb[i];
    }
  }
  return pa.size() < pb.size();
}

}  // namespace gh::device
