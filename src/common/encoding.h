// base64 (RFC 4648 section 4), base64url (section 5, unpadded on output), hex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gh {

using Bytes = std::vector<uint8_t>;

inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline std::string to_string(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// Without leading and trailing spaces, tabs, CR and LF.
std::string trim(std::string_view s);

std::string base64_encode(const Bytes& data);
// Lenient: ignores whitespace, accepts missing padding.
Result<Bytes> base64_decode(std::string_view text);
std::string base64url_encode(const Bytes& data);  // no padding
// Lenient: accepts padding and whitespace.
Result<Bytes> base64url_decode(std::string_view text);
std::string hex_encode(const Bytes& data);        // lowercase
Result<Bytes> hex_decode(std::string_view text);  // either case, optional ':' separators
// DER as peers send it: raw (starts with a SEQUENCE), PEM (any label), or base64 with or without
// line breaks (RFC 8951 leniency). code names the check on failure.
Result<Bytes> der_from_any(std::string_view data, const std::string& code);

}  // namespace gh
