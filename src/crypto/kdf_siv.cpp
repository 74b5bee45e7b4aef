#include "crypto/kdf_siv.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

constexpr size_t kSivTag = 16;

Result<Bytes> run_hkdf(const std::string& hash, const char* mode, const Bytes* salt,
                       const Bytes& key, const Bytes* info, size_t length) {
  ossl::Ptr<EVP_KDF, EVP_KDF_free> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  ossl::Ptr<EVP_KDF_CTX, EVP_KDF_CTX_free> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) return ossl::error("crypto.hkdf", "HKDF unavailable");
  std::string digest = hash, m = mode;
  std::vector<OSSL_PARAM> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, m.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()),
                                        key.size())};
  if (salt)
    params.push_back(OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt->data()), salt->size()));
  if (info)
    params.push_back(OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info->data()), info->size()));
  params.push_back(OSSL_PARAM_construct_end());
  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1)
    return ossl::error("crypto.hkdf", "HKDF with " + hash);
  return out;
}

size_t digest_size(const std::string& hash) {
  return hash == "SHA384" ? 48 : hash == "SHA512" ? 64 : 32;
}

Result<ossl::Ptr<EVP_CIPHER, EVP_CIPHER_free>> siv_cipher(const Bytes& key) {
  const char* name = key.size() == 32   ? "AES-128-SIV"
                     : key.size() == 48 ? "AES-192-SIV"
                     : key.size() == 64 ? "AES-256-SIV"
                                        : nullptr;
  if (!name) return make_error("crypto.siv", "AES-SIV key must be 32, 48 or 64 octets");
  ossl::Ptr<EVP_CIPHER, EVP_CIPHER_free> c(EVP_CIPHER_fetch(nullptr, name, nullptr));
  if (!c) return ossl::error("crypto.siv", std::string(name) + " unavailable");
  return c;
}

}  // namespace

Result<Bytes> hkdf_extract(const std::string& hash, const Bytes& salt, const Bytes& ikm) {
  // RFC 5869 2.2: an absent salt is hash-length zeros.
  Bytes s = salt.empty() ? Bytes(digest_size(hash), 0) : salt;
  return run_hkdf(hash, "EXTRACT_ONLY", &s, ikm, nullptr, digest_size(hash));
}

Result<Bytes> hkdf_expand(const std::string& hash, const Bytes& prk, const Bytes& info,
                          size_t length) {
  return run_hkdf(hash, "EXPAND_ONLY", nullptr, prk, &info, length);
}

Result<Bytes> hkdf(const std::string& hash, const Bytes& salt, const Bytes& ikm, const Bytes& info,
                   size_t length) {
  auto prk = TRY(hkdf_extract(hash, salt, ikm));
  return hkdf_expand(hash, prk, info, length);
}

Result<Bytes> aes_siv_encrypt(const Bytes& key, const std::vector<Bytes>& ad,
                              const Bytes& plaintext) {
  auto cipher = TRY(siv_cipher(key));
  ossl::Ptr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), nullptr, nullptr) != 1)
    return ossl::error("crypto.siv", "AES-SIV init");
  for (const auto& a : ad)  // each update without output is one S2V component
    if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, a.data(), static_cast<int>(a.size())) != 1)
      return ossl::error("crypto.siv", "AES-SIV associated data");
  Bytes out(kSivTag + plaintext.size());
  if (EVP_EncryptUpdate(ctx.get(), out.data() + kSivTag, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kSivTag + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kSivTag, out.data()) != 1)
    return ossl::error("crypto.siv", "AES-SIV encrypt");
  return out;
}

Result<Bytes> aes_siv_decrypt(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& input) {
  if (input.size() < kSivTag)
    return make_error("crypto.siv", "AES-SIV input shorter than its synthetic IV");
  auto cipher = TRY(siv_cipher(key));
  ossl::Ptr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), cipher.get(), key.data(), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kSivTag,
                          const_cast<uint8_t*>(input.data())) != 1)
    return ossl::error("crypto.siv", "AES-SIV init");
  for (const auto& a : ad)
    if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, a.data(), static_cast<int>(a.size())) != 1)
      return ossl::error("crypto.siv", "AES-SIV associated data");
  Bytes out(input.size() - kSivTag);
  int ok = EVP_DecryptUpdate(ctx.get(), out.data(), &len, input.data() + kSivTag,
                             static_cast<int>(out.size()));
  int fin = 0;
  if (ok == 1) ok = EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin);
  ERR_clear_error();
  if (ok != 1)
    return make_error("crypto.siv",
                      "AES-SIV: the synthetic IV does not verify (wrong key, data or AD)");
  return out;
}

}  // namespace gh::crypto
