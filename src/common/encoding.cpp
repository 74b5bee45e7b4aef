#include "common/encoding.h"

#include <array>

namespace gh {

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  size_t b = s.find_last_not_of(" \t\r\n");
  return a == std::string_view::npos ? "" : std::string(s.substr(a, b - a + 1));
}
namespace {
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(const Bytes& data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = data[i] << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

Result<Bytes> decode(std::string_view text, bool url) {
  std::array<int, 256> table;
  table.fill(-1);
  const char* alphabet = url ? kUrl : kStd;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = i;
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = table[static_cast<uint8_t>(c)];
    if (v < 0 || padding)
      return make_error("encoding.base64",
                        std::string("invalid ") + (url ? "base64url" : "base64") + " character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return make_error("encoding.base64", "truncated base64 input");
  return out;
}
}  // namespace

std::string base64_encode(const Bytes& data) {
  return encode(data, kStd, true);
}
Result<Bytes> base64_decode(std::string_view text) {
  return decode(text, false);
}
std::string base64url_encode(const Bytes& data) {
  return encode(data, kUrl, false);
}
Result<Bytes> base64url_decode(std::string_view text) {
  return decode(text, true);
}

std::string hex_encode(const Bytes& data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  int hi = -1;
  for (char c : text) {
    if (c == ':' && hi < 0) continue;
    int v = nibble(c);
    if (v < 0) return make_error("encoding.hex", "invalid hex character");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) return make_error("encoding.hex", "odd number of hex digits");
  return out;
}

Result<Bytes> der_from_any(std::string_view data, const std::string& code) {
  if (data.empty()) return make_error(code, "empty body");
  if (static_cast<uint8_t>(data[0]) == 0x30) return Bytes(data.begin(), data.end());
  size_t begin = data.find("-----BEGIN ");
  if (begin != std::string_view::npos) {
    size_t body = data.find('\n', begin);
    size_t end = data.find("-----END ", body == std::string_view::npos ? begin : body);
    if (body == std::string_view::npos || end == std::string_view::npos)
      return make_error(code, "unterminated PEM block");
    auto der = TRY(base64_decode(data.substr(body + 1, end - body - 1)));
    if (der.empty()) return make_error(code, "empty PEM block");
    return der;
  }
  auto der = base64_decode(data);
  if (!der || der->empty()) return make_error(code, "neither DER, PEM nor base64");
  return der;
}

}  // namespace gh
