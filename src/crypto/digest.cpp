#include "crypto/digest.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>

namespace gh::crypto {

Bytes sha256(const Bytes& data) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), out.data());
  return out;
}
Bytes sha256(std::string_view data) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}
Bytes sha384(const Bytes& data) {
  Bytes out(SHA384_DIGEST_LENGTH);
  SHA384(data.data(), data.size(), out.data());
  return out;
}
Bytes sha512(const Bytes& data) {
  Bytes out(SHA512_DIGEST_LENGTH);
  SHA512(data.data(), data.size(), out.data());
  return out;
}
Bytes hmac_sha256(const Bytes& key, const Bytes& data) {
  Bytes out(32);
  unsigned int len = 32;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}
Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();  // DRBG failure: impossible
  return out;
}

}  // namespace gh::crypto
