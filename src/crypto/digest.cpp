#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

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
Result<Bytes> sha256_file(const std::string& path, size_t max, const std::string& what) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error("io", "cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return make_error("crypto.digest", "cannot start SHA-256");
  unsigned char buf[64 * 1024];
  size_t total = 0;
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) {
    total += n;
    if (total > max)
      return make_error(what + ".size", path + " is larger than " + std::to_string(max) + " bytes");
    EVP_DigestUpdate(ctx.get(), buf, n);
  }
  if (std::ferror(f.get())) return make_error("io", "cannot read " + path);
  Bytes out(SHA256_DIGEST_LENGTH);
  EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr);
  return out;
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();  // DRBG failure: impossible
  return out;
}

}  // namespace gh::crypto
