#include "codec/dpp_uri.h"

#include "crypto/digest.h"
#include "crypto/key.h"

namespace gh::codec {
namespace {
Error bad(const std::string& why) {
  return make_error("dpp.uri", "DPP URI: " + why);
}
}  // namespace

std::string DppUri::to_string() const {
  std::string out = "DPP:";
  if (!channels.empty()) out += "C:" + channels + ";";
  if (!mac.empty()) out += "M:" + mac + ";";
  if (!info.empty()) out += "I:" + info + ";";
  if (version >= 2) out += "V:" + std::to_string(version) + ";";
  if (!host.empty()) out += "H:" + host + ";";
  for (const auto& r : reserved) out += r + ";";
  out += "K:" + base64_encode(key) + ";;";
  return out;
}

Bytes DppUri::key_hash() const {
  return crypto::sha256(key);
}

namespace {

// 1*3DIGIT
bool small_number(std::string_view v) {
  return !v.empty() && v.size() <= 3 && v.find_first_not_of("0123456789") == std::string_view::npos;
}

// channel-list = class-and-channels *("," class-and-channels)
// class-and-channels = class "/" channel *("," channel)
Status check_channels(std::string_view list) {
  if (list.empty()) return bad("C: an empty channel list");
  bool have_class = false;
  while (true) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    size_t slash = item.find('/');
    std::string_view channel = item;
    if (slash != std::string_view::npos) {
      if (!small_number(item.substr(0, slash)))
        return bad("C: '" + std::string(item) + "' has no operating class before '/'");
      have_class = true;
      channel = item.substr(slash + 1);
    } else if (!have_class) {
      return bad("C: '" + std::string(item) + "' is a channel without an operating class");
    }
    if (!small_number(channel))
      return bad("C: '" + std::string(item) + "' is not class/channel (1 to 3 digits each)");
    if (comma == std::string_view::npos) return ok_status();
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<DppUri> DppUri::parse(std::string_view uri) {
  if (uri.size() > 2048) return bad("too long");
  if (uri.substr(0, 4) != "DPP:") return bad("does not start with 'DPP:'");
  size_t end = uri.find(";;");
  if (end == std::string_view::npos) return bad("does not end with ';;'");
  if (end + 2 != uri.size()) return bad("data after the terminating ';;'");
  DppUri out;
  bool have[128] = {false};
  std::string_view rest = uri.substr(4, end + 1 - 4);  // every field with its ';'
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view field = rest.substr(0, semi);
    rest.remove_prefix(semi + 1);
    if (field.size() < 2 || field[1] != ':' || field[0] < 'A' || field[0] > 'Z')
      return bad(field.empty() ? "an empty field"
                               : "malformed field '" + std::string(field.substr(0, 16)) + "'");
    char letter = field[0];
    std::string_view value = field.substr(2);
    if (have[static_cast<unsigned char>(letter)])
      return bad(std::string(1, letter) + ": appears twice");
    have[static_cast<unsigned char>(letter)] = true;
    switch (letter) {
      case 'C':
        TRY(check_channels(value));
        out.channels = std::string(value);
        break;
      case 'M': {
        if (value.size() != 12) return bad("M: must be 12 hex digits");
        auto mac = hex_decode(value);
        if (!mac) return bad("M: must be 12 hex digits");
        out.mac = hex_encode(*mac);
        break;
      }
      case 'I':
        for (char c : value)
          if (c < 0x20 || c > 0x7e) return bad("I: not printable ASCII");
        out.info = std::string(value);
        break;
      case 'V': {
        if (value.empty() || value.size() > 3) return bad("V: not a version number");
        int v = 0;
        for (char c : value) {
          if (c < '0' || c > '9') return bad("V: not a version number");
          v = v * 10 + (c - '0');
        }
        out.version = v;
        break;
      }
      case 'H':
        out.host = std::string(value);
        break;
      case 'K': {
        auto der = base64_decode(value);
        if (!der) return bad("K: not base64");
        auto key = crypto::PublicKey::from_der(*der);
        if (!key) return bad("K: not an EC SubjectPublicKeyInfo");
        if (!key->curve()) return bad("K: unsupported curve");
        out.key = std::move(*der);
        break;
      }
      default:
        // reserved-field: any text but ';' and controls (5.2.1); kept for who reads it next.
        for (char c : value)
          if (c < 0x20 || c > 0x7e) return bad(std::string(1, letter) + ": not printable ASCII");
        out.reserved.emplace_back(field);
        break;
    }
  }
  if (out.key.empty()) return bad("no K: (public key) field");
  return out;
}

}  // namespace gh::codec
