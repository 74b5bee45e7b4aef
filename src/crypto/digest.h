#pragma once

#include "common/encoding.h"
#include "common/result.h"

namespace gh::crypto {

Bytes sha256(const Bytes& data);
Bytes sha256(std::string_view data);
Bytes sha384(const Bytes& data);
Bytes sha512(const Bytes& data);
Bytes hmac_sha256(const Bytes& key, const Bytes& data);
// SHA-256 of a file, read in pieces; "<what>.size" past max bytes, "io" when it cannot be read.
Result<Bytes> sha256_file(const std::string& path, size_t max, const std::string& what);
// Cryptographically secure random bytes (OpenSSL's DRBG).
Bytes random_bytes(size_t n);

}  // namespace gh::crypto
