#include "common/utf8.h"

#include <cstdint>

namespace gh {

bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // RFC 3629 3: 110xxxxx, 1110xxxx or 11110xxx, then that many 10xxxxxx octets.
    size_t more;
    uint32_t cp, least;
    if ((lead & 0xe0) == 0xc0) {
      more = 1, cp = lead & 0x1fu, least = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      more = 2, cp = lead & 0x0fu, least = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      more = 3, cp = lead & 0x07u, least = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i - 1 < more) return false;
    for (size_t k = 1; k <= more; ++k) {
      auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3fu);
    }
    // Overlong forms, UTF-16 surrogates and anything past U+10FFFF are not UTF-8.
    if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += more + 1;
  }
  return true;
}

}  // namespace gh
