#include "crypto/kdf_siv.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <array>

#include "crypto/ct.h"
#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

constexpr size_t kSivTag = 16;

Result<Bytes> run_hkdf(const std::string& hash, const char* mode, const Bytes* salt,
                       const Bytes& key, const Bytes* info, size_t length) {
  ossl::Ptr<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  ossl::Ptr<EVP_KDF_CTX> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
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

// AES-SIV is built here from CMAC and CTR (RFC 5297 2.4-2.6) rather than on OpenSSL's SIV cipher:
// OpenSSL 3.0 skips a zero-length associated-data component, and DPP's Configuration Result
// needs one to count as CMAC("").
using Block = std::array<uint8_t, 16>;

const char* aes_name(size_t half, bool ctr) {
  if (half == 16) return ctr ? "AES-128-CTR" : "AES-128-CBC";
  if (half == 24) return ctr ? "AES-192-CTR" : "AES-192-CBC";
  return ctr ? "AES-256-CTR" : "AES-256-CBC";
}

class Cmac {
 public:
  static Result<Cmac> make(const uint8_t* key, size_t len) {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    if (!mac) return ossl::error("crypto.siv", "CMAC unavailable");
    Cmac c;
    c.ctx_.reset(EVP_MAC_CTX_new(mac));
    char* cipher = const_cast<char*>(aes_name(len, false));
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                           OSSL_PARAM_construct_end()};
    if (!c.ctx_ || EVP_MAC_init(c.ctx_.get(), key, len, params) != 1)
      return ossl::error("crypto.siv", "CMAC init");
    return c;
  }
  // CMAC over the concatenation of parts.
  Block mac(std::initializer_list<std::pair<const uint8_t*, size_t>> parts) {
    Block out{};
    size_t n = 0;
    ossl::Ptr<EVP_MAC_CTX> c(EVP_MAC_CTX_dup(ctx_.get()));
    if (!c) return out;
    EVP_MAC_init(c.get(), nullptr, 0, nullptr);
    for (const auto& [p, len] : parts)
      if (len) EVP_MAC_update(c.get(), p, len);
    EVP_MAC_final(c.get(), out.data(), &n, out.size());
    return out;
  }

 private:
  ossl::Ptr<EVP_MAC_CTX> ctx_;
};

Block dbl(const Block& in) {  // multiplication by x in GF(2^128)
  Block out{};
  for (size_t i = 0; i < 16; ++i)
    out[i] = static_cast<uint8_t>((in[i] << 1) | (i + 1 < 16 ? in[i + 1] >> 7 : 0));
  if (in[0] & 0x80) out[15] ^= 0x87;
  return out;
}

Result<Block> s2v(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& last) {
  const size_t half = key.size() / 2;
  auto cmac = TRY(Cmac::make(key.data(), half));
  Block zero{};
  Block d = cmac.mac({{zero.data(), zero.size()}});
  for (const auto& a : ad) {
    Block m = cmac.mac({{a.data(), a.size()}});
    d = dbl(d);
    for (size_t i = 0; i < 16; ++i) d[i] ^= m[i];
  }
  if (last.size() >= 16) {
    // T = last xorend D: D xored into the final 16 octets.
    Bytes t(last.end() - 16, last.end());
    for (size_t i = 0; i < 16; ++i) t[i] ^= d[i];
    return cmac.mac({{last.data(), last.size() - 16}, {t.data(), t.size()}});
  }
  Block t{};
  std::copy(last.begin(), last.end(), t.begin());
  t[last.size()] = 0x80;
  d = dbl(d);
  for (size_t i = 0; i < 16; ++i) t[i] ^= d[i];
  return cmac.mac({{t.data(), t.size()}});
}

Result<Bytes> siv_ctr(const Bytes& key, const Block& v, const uint8_t* in, size_t len) {
  const size_t half = key.size() / 2;
  Block q = v;
  q[8] &= 0x7f;  // RFC 5297 2.5: clear the 31st and 63rd bits (from the right)
  q[12] &= 0x7f;
  Bytes out(len);
  if (len == 0) return out;
  ossl::Ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), EVP_get_cipherbyname(aes_name(half, true)), key.data() + half,
                          q.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, in, static_cast<int>(len)) != 1)
    return ossl::error("crypto.siv", "AES-CTR");
  return out;
}

Status check_siv_key(const Bytes& key) {
  if (key.size() != 32 && key.size() != 48 && key.size() != 64)
    return make_error("crypto.siv", "AES-SIV key must be 32, 48 or 64 octets");
  return ok_status();
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
  TRY(check_siv_key(key));
  Block v = TRY(s2v(key, ad, plaintext));
  Bytes c = TRY(siv_ctr(key, v, plaintext.data(), plaintext.size()));
  Bytes out(v.begin(), v.end());
  out.insert(out.end(), c.begin(), c.end());
  return out;
}

Result<Bytes> aes_siv_decrypt(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& input) {
  TRY(check_siv_key(key));
  if (input.size() < kSivTag)
    return make_error("crypto.siv", "AES-SIV input shorter than its synthetic IV");
  Block v;
  std::copy(input.begin(), input.begin() + kSivTag, v.begin());
  Bytes plain = TRY(siv_ctr(key, v, input.data() + kSivTag, input.size() - kSivTag));
  Block check = TRY(s2v(key, ad, plain));
  if (CRYPTO_memcmp(check.data(), v.data(), kSivTag) != 0) {
    secure_zero(plain);
    return make_error("crypto.siv",
                      "AES-SIV: the synthetic IV does not verify (wrong key, data or AD)");
  }
  return plain;
}

}  // namespace gh::crypto
