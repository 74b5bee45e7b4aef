// Constant-time comparison and secure zeroing, on OpenSSL's CRYPTO_memcmp and OPENSSL_cleanse: the
// one place outside OpenSSL itself where a tag, a MAC or an authenticating value is compared, and
// where a secret is wiped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace gh::crypto {

// True when a and b are the same length and hold the same octets. The time taken depends on the
// length alone, never on where the first difference is (lengths are not secret).
bool ct_equal(const Bytes& a, const Bytes& b);
bool ct_equal(std::string_view a, std::string_view b);

// Overwrites the buffer with zeros in a way the compiler may not drop as a dead store; the
// Bytes and string forms then empty it.
void secure_zero(void* data, size_t size);
void secure_zero(Bytes& b);
void secure_zero(std::string& s);

}  // namespace gh::crypto
