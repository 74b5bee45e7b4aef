#include "crypto/ct.h"

#include <openssl/crypto.h>

namespace gh::crypto {

bool ct_equal(const Bytes& a, const Bytes& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ct_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_zero(void* data, size_t size) {
  if (data && size) OPENSSL_cleanse(data, size);
}

void secure_zero(Bytes& b) {
  secure_zero(b.data(), b.size());
  b.clear();
}

void secure_zero(std::string& s) {
  secure_zero(s.data(), s.size());
  s.clear();
}

}  // namespace gh::crypto
