// UTF-8 well-formedness (RFC 3629): JSON strings must be UTF-8 text (RFC 8259 8.1), and octets a
// peer sent base64-encoded need not be.
#pragma once

#include <string_view>

namespace gh {

// Is text well-formed UTF-8 (RFC 3629 section 4: shortest form, no surrogates, at most U+10FFFF)?
bool valid_utf8(std::string_view text);

}  // namespace gh
