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
  out += "K:" + base64_encode(key) + ";;";
  return out;
}

Bytes DppUri::key_hash() const {
  return crypto::sha256(key);
}

Result<DppUri> DppUri::parse(std::string_view uri) {
  if (uri.size() > 2048) return bad("too long");
  if (uri.substr(0, 4) != "DPP:") return bad("does not start with 'DPP:'");
  if (uri.size() < 6 || uri.substr(uri.size() - 2) != ";;") return bad("does not end with ';;'");
  DppUri out;
  bool have[128] = {false};
  std::string_view rest = uri.substr(4, uri.size() - 5);  // keep one ';' as the last terminator
  while (!rest.empty()) {
    size_t end = rest.find(';');
    if (end == std::string_view::npos) return bad("field without ';'");
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (field.empty()) continue;  // skip empty fields
    if (field.size() < 2 || field[1] != ':')
      return bad("malformed field '" + std::string(field.substr(0, 16)) + "'");
    unsigned char letter = static_cast<unsigned char>(field[0]);
    std::string_view value = field.substr(2);
    if (letter >= 128 || have[letter]) continue;  // first occurrence wins
    have[letter] = true;
    switch (letter) {
      case 'C':
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
        break;  // unknown letters are ignored
    }
  }
  if (out.key.empty()) return bad("no K: (public key) field");
  return out;
}

}  // namespace gh::codec
