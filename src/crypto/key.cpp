#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <cstring>

#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

const EVP_MD* md_for(Curve c) {
  switch (c) {
    case Curve::kP384: return EVP_sha384();
    case Curve::kP521: return EVP_sha512();
    default: return EVP_sha256();
  }
}

Result<Curve> curve_of(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  if (!key || EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1)
    return make_error("crypto.key", "not an EC key with a named curve");
  if (std::strcmp(name, "prime256v1") == 0 || std::strcmp(name, "P-256") == 0) return Curve::kP256;
  if (std::strcmp(name, "secp384r1") == 0 || std::strcmp(name, "P-384") == 0) return Curve::kP384;
  if (std::strcmp(name, "secp521r1") == 0 || std::strcmp(name, "P-521") == 0) return Curve::kP521;
  return make_error("crypto.curve", std::string("unsupported curve ") + name);
}

Result<Bytes> digest_sign(EVP_PKEY* key, const Bytes& data) {
  auto curve = TRY(curve_of(key));
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestSignInit(ctx.get(), nullptr, md_for(curve), nullptr, key) != 1)
    return ossl::error("crypto.sign", "sign init");
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return ossl::error("crypto.sign", "sign");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    return ossl::error("crypto.sign", "sign");
  sig.resize(len);
  return sig;
}

}  // namespace

const char* curve_name(Curve c) {
  switch (c) {
    case Curve::kP384: return "P-384";
    case Curve::kP521: return "P-521";
    default: return "P-256";
  }
}

Result<Curve> parse_curve(std::string_view name) {
  if (name == "P-256" || name == "prime256v1") return Curve::kP256;
  if (name == "P-384" || name == "secp384r1") return Curve::kP384;
  if (name == "P-521" || name == "secp521r1") return Curve::kP521;
  return make_error("crypto.curve", "unsupported curve '" + std::string(name) + "'");
}

size_t prime_len(Curve c) {
  switch (c) {
    case Curve::kP384: return 48;
    case Curve::kP521: return 66;
    default: return 32;
  }
}

// ---- PublicKey ----
PublicKey::PublicKey(const PublicKey& o) : key_(o.key_) {
  if (key_) EVP_PKEY_up_ref(key_);
}
PublicKey& PublicKey::operator=(const PublicKey& o) {
  if (this != &o) {
    if (o.key_) EVP_PKEY_up_ref(o.key_);
    EVP_PKEY_free(key_);
    key_ = o.key_;
  }
  return *this;
}
PublicKey::PublicKey(PublicKey&& o) noexcept : key_(o.key_) { o.key_ = nullptr; }
PublicKey& PublicKey::operator=(PublicKey&& o) noexcept {
  std::swap(key_, o.key_);
  return *this;
}
PublicKey::~PublicKey() { EVP_PKEY_free(key_); }

PublicKey PublicKey::adopt(EVP_PKEY* key) {
  PublicKey p;
  p.key_ = key;
  return p;
}

Result<PublicKey> PublicKey::from_der(const Bytes& spki) {
  const unsigned char* p = spki.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (!k) return ossl::error("crypto.key", "not a SubjectPublicKeyInfo");
  if (p != spki.data() + spki.size()) {
    EVP_PKEY_free(k);
    return make_error("crypto.key", "trailing bytes after SubjectPublicKeyInfo");
  }
  return adopt(k);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!k) return ossl::error("crypto.key", "not a PEM public key");
  return adopt(k);
}

Bytes PublicKey::der() const {
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key_, &buf);
  if (n <= 0) return {};
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

Bytes PublicKey::der_compressed() const {
  // Encode from a copy with the point format switched, leaving this key untouched.
  ossl::PkeyPtr dup(EVP_PKEY_dup(key_));
  if (!dup) return {};
  EVP_PKEY_set_utf8_string_param(dup.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                 OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED);
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(dup.get(), &buf);
  if (n <= 0) return {};
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::string PublicKey::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_);
  return ossl::bio_string(bio.get());
}

Bytes PublicKey::spki_sha256() const { return sha256(der()); }
Result<Curve> PublicKey::curve() const { return curve_of(key_); }

Status PublicKey::verify(const Bytes& data, const Bytes& sig) const {
  auto curve = TRY(curve_of(key_));
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md_for(curve), nullptr, key_) != 1)
    return ossl::error("crypto.verify", "verify init");
  int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size());
  ERR_clear_error();
  if (rc != 1) return make_error("crypto.signature", "signature does not verify");
  return ok_status();
}

Status PublicKey::verify_raw(const Bytes& data, const Bytes& raw) const {
  auto curve = TRY(curve_of(key_));
  if (raw.size() != 2 * prime_len(curve))
    return make_error("crypto.signature", "raw signature has the wrong length for " +
                                              std::string(curve_name(curve)));
  auto der = TRY(ecdsa_raw_to_der(raw));
  return verify(data, der);
}

bool PublicKey::operator==(const PublicKey& o) const {
  if (!key_ || !o.key_) return key_ == o.key_;
  return EVP_PKEY_eq(key_, o.key_) == 1;
}

// ---- PrivateKey ----
PrivateKey::PrivateKey(const PrivateKey& o) : key_(o.key_) {
  if (key_) EVP_PKEY_up_ref(key_);
}
PrivateKey& PrivateKey::operator=(const PrivateKey& o) {
  if (this != &o) {
    if (o.key_) EVP_PKEY_up_ref(o.key_);
    EVP_PKEY_free(key_);
    key_ = o.key_;
  }
  return *this;
}
PrivateKey::PrivateKey(PrivateKey&& o) noexcept : key_(o.key_) { o.key_ = nullptr; }
PrivateKey& PrivateKey::operator=(PrivateKey&& o) noexcept {
  std::swap(key_, o.key_);
  return *this;
}
PrivateKey::~PrivateKey() { EVP_PKEY_free(key_); }

PrivateKey PrivateKey::adopt(EVP_PKEY* key) {
  PrivateKey p;
  p.key_ = key;
  return p;
}

Result<PrivateKey> PrivateKey::generate(Curve curve) {
  EVP_PKEY* k = EVP_EC_gen(curve_name(curve));
  if (!k) return ossl::error("crypto.keygen", "EC key generation");
  return adopt(k);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!k) return ossl::error("crypto.key", "not a PEM private key");
  return adopt(k);
}

PublicKey PrivateKey::public_key() const {
  // Round-trip through SPKI so the public handle carries no private material.
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key_, &buf);
  if (n <= 0) return {};
  const unsigned char* p = buf;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, n);
  OPENSSL_free(buf);
  return PublicKey::adopt(pub);
}

Result<Curve> PrivateKey::curve() const { return curve_of(key_); }
Result<Bytes> PrivateKey::sign(const Bytes& data) const { return digest_sign(key_, data); }

Result<Bytes> PrivateKey::sign_raw(const Bytes& data) const {
  auto curve = TRY(curve_of(key_));
  auto der = TRY(digest_sign(key_, data));
  return ecdsa_der_to_raw(der, prime_len(curve));
}

Result<SecretString> PrivateKey::export_pkcs8_pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ossl::error("crypto.key", "this key cannot be exported");
  std::string pem = ossl::bio_string(bio.get());
  BIO_reset(bio.get());
  return SecretString(std::move(pem));
}

Result<Bytes> PrivateKey::derive(const PublicKey& peer) const {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key_, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.raw()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1)
    return ossl::error("crypto.ecdh", "ECDH");
  Bytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return ossl::error("crypto.ecdh", "ECDH");
  out.resize(len);
  return out;
}

Result<Bytes> ecdsa_der_to_raw(const Bytes& der, size_t plen) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return ossl::error("crypto.signature", "not a DER ECDSA signature");
  Bytes out(2 * plen);
  const BIGNUM* r = ECDSA_SIG_get0_r(sig);
  const BIGNUM* s = ECDSA_SIG_get0_s(sig);
  bool ok = BN_bn2binpad(r, out.data(), static_cast<int>(plen)) > 0 &&
            BN_bn2binpad(s, out.data() + plen, static_cast<int>(plen)) > 0;
  ECDSA_SIG_free(sig);
  if (!ok) return make_error("crypto.signature", "ECDSA value too large");
  return out;
}

Result<Bytes> ecdsa_raw_to_der(const Bytes& raw) {
  if (raw.empty() || raw.size() % 2 != 0) return make_error("crypto.signature", "odd raw signature length");
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* buf = nullptr;
  int n = i2d_ECDSA_SIG(sig, &buf);
  ECDSA_SIG_free(sig);
  if (n <= 0) return ossl::error("crypto.signature", "encode ECDSA signature");
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

}  // namespace gh::crypto
