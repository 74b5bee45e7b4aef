#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace gh::crypto {
using ossl::legacy_ec_public_key;
namespace {

bool spki_fallback(EVP_PKEY* key, Curve* curve, Bytes* point);
const Bytes& spki_prefix(Curve c, bool compressed);

Result<Curve> curve_of(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  Curve legacy;
  if (key && EVP_PKEY_get0_provider(key) == nullptr && ossl::legacy_ec_info(key, &legacy, nullptr))
    return legacy;
  if (!key) return make_error("crypto.key", "no key");
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    ERR_clear_error();
    if (spki_fallback(key, &legacy, nullptr))
      return legacy;  // providers without the parameter (tpm2)
    return make_error("crypto.key", "not an EC key with a named curve");
  }
  if (std::strcmp(name, "prime256v1") == 0 || std::strcmp(name, "P-256") == 0) return Curve::kP256;
  if (std::strcmp(name, "secp384r1") == 0 || std::strcmp(name, "P-384") == 0) return Curve::kP384;
  if (std::strcmp(name, "secp521r1") == 0 || std::strcmp(name, "P-521") == 0) return Curve::kP521;
  return make_error("crypto.curve", std::string("unsupported curve ") + name);
}

Result<Bytes> digest_sign(const PrivateKey& key, const Bytes& data) {
  auto ctx = TRY(ossl::sign_context(key));
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
    case Curve::kP384:
      return "P-384";
    case Curve::kP521:
      return "P-521";
    default:
      return "P-256";
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
    case Curve::kP384:
      return 48;
    case Curve::kP521:
      return 66;
    default:
      return 32;
  }
}

// ---- PublicKey ----
PublicKey PublicKey::adopt(ossl::PkeyPtr key) {
  PublicKey p;
  p.key_ = ossl::Value<EVP_PKEY>(std::move(key));
  return p;
}

Result<PublicKey> PublicKey::from_der(const Bytes& spki) {
  // Named-curve EC keys with an uncompressed point skip OpenSSL 3.0's decoder framework.
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    const Bytes& prefix = spki_prefix(c, false);
    if (spki.size() == prefix.size() + 1 + 2 * prime_len(c) &&
        std::equal(prefix.begin(), prefix.end(), spki.begin())) {
      Bytes point(spki.begin() + static_cast<long>(prefix.size()), spki.end());
      if (auto k = legacy_ec_public_key(c, point)) return adopt(std::move(k));
      return ossl::error("crypto.key", "SubjectPublicKeyInfo holds no valid point on " +
                                           std::string(curve_name(c)));
    }
  }
  const unsigned char* p = spki.data();
  ossl::PkeyPtr k(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!k) return ossl::error("crypto.key", "not a SubjectPublicKeyInfo");
  if (p != spki.data() + spki.size())
    return make_error("crypto.key", "trailing bytes after SubjectPublicKeyInfo");
  return adopt(std::move(k));
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  ossl::PkeyPtr k(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return ossl::error("crypto.key", "not a PEM public key");
  return adopt(std::move(k));
}

namespace {
// DER SubjectPublicKeyInfo prefixes for id-ecPublicKey with a named curve (RFC 5480), up to and
// including the BIT STRING's unused-bits octet, for an uncompressed (u) or compressed (c) point.
const Bytes& spki_prefix(Curve c, bool compressed) {
  static const Bytes p256u = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                              0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                              0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
  static const Bytes p256c = {0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                              0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                              0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00};
  static const Bytes p384u = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                              0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                              0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
  static const Bytes p384c = {0x30, 0x46, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                              0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                              0x81, 0x04, 0x00, 0x22, 0x03, 0x32, 0x00};
  static const Bytes p521u = {0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                              0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
                              0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00};
  static const Bytes p521c = {0x30, 0x58, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                              0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                              0x81, 0x04, 0x00, 0x23, 0x03, 0x44, 0x00};
  switch (c) {
    case Curve::kP384:
      return compressed ? p384c : p384u;
    case Curve::kP521:
      return compressed ? p521c : p521u;
    default:
      return compressed ? p256c : p256u;
  }
}

// The uncompressed point 04||x||y, read as a parameter (no encoder involved).
Bytes encoded_point(EVP_PKEY* key) {
  Curve legacy;
  Bytes out;
  if (key && EVP_PKEY_get0_provider(key) == nullptr && ossl::legacy_ec_info(key, &legacy, &out))
    return out;
  unsigned char buf[160];
  size_t len = 0;
  if (!key) return {};
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf,
                                      &len) != 1) {
    ERR_clear_error();
    spki_fallback(key, &legacy, &out);  // providers without the parameter (tpm2)
    return out;
  }
  return Bytes(buf, buf + len);
}

// Curve and uncompressed point read from the key's SPKI encoding (the slow, general path).
bool spki_fallback(EVP_PKEY* key, Curve* curve, Bytes* point) {
  Bytes der = ossl::to_der(i2d_PUBKEY, key);
  if (der.empty()) return false;
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    const Bytes& prefix = spki_prefix(c, false);
    if (der.size() == prefix.size() + 1 + 2 * prime_len(c) &&
        std::equal(prefix.begin(), prefix.end(), der.begin())) {
      *curve = c;
      if (point) point->assign(der.begin() + static_cast<long>(prefix.size()), der.end());
      return true;
    }
  }
  return false;
}

Bytes spki(EVP_PKEY* key, bool compressed) {
  auto curve = curve_of(key);
  Bytes point = encoded_point(key);
  if (!curve || point.empty()) return {};
  if (point[0] != 0x04) return {};  // we only ever hold uncompressed points here
  Bytes out = spki_prefix(*curve, compressed);
  if (compressed) {
    size_t plen = (point.size() - 1) / 2;
    out.push_back(static_cast<uint8_t>(0x02 | (point.back() & 1)));  // SEC 1 2.3.3
    out.insert(out.end(), point.begin() + 1, point.begin() + 1 + static_cast<long>(plen));
  } else {
    out.insert(out.end(), point.begin(), point.end());
  }
  return out;
}
}  // namespace

Bytes PublicKey::der() const {
  return spki(raw(), false);
}
Bytes PublicKey::der_compressed() const {
  return spki(raw(), true);
}
Bytes PublicKey::point() const {
  return encoded_point(raw());
}

Result<PublicKey> PublicKey::from_point(Curve curve, const Bytes& point) {
  // A provider-native key (EVP_PKEY_fromdata checks the point is on the curve): key agreement
  // with it skips the legacy-to-provider export a legacy EC_KEY costs on every use.
  thread_local ossl::PkeyCtxPtr ctx;
  if (!ctx) {
    ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
      ctx.reset();
      return ossl::error("crypto.key", "EC key import unavailable");
    }
  }
  std::string group = curve == Curve::kP384 ? "P-384" : curve == Curve::kP521 ? "P-521" : "P-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* k = nullptr;
  if (point.empty() || EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return make_error("crypto.key", std::string("not a point on ") + curve_name(curve));
  }
  return adopt(ossl::PkeyPtr(k));
}

ossl::PkeyPtr PublicKey::legacy_copy() const {
  auto curve = curve_of(raw());
  Bytes point = encoded_point(raw());
  if (!curve || point.empty()) return nullptr;
  return legacy_ec_public_key(*curve, point);
}

std::string PublicKey::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), raw());
  return ossl::bio_string(bio.get());
}

Bytes PublicKey::spki_sha256() const {
  return sha256(der());
}
Result<Curve> PublicKey::curve() const {
  return curve_of(raw());
}

Status PublicKey::verify(const Bytes& data, const Bytes& sig) const {
  auto curve = TRY(curve_of(raw()));
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, ossl::digest_for(curve), nullptr, raw()) != 1)
    return ossl::error("crypto.verify", "verify init");
  int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size());
  ERR_clear_error();
  if (rc != 1) return make_error("crypto.signature", "signature does not verify");
  return ok_status();
}

Status PublicKey::verify_raw(const Bytes& data, const Bytes& raw) const {
  auto curve = TRY(curve_of(key_.get()));
  if (raw.size() != 2 * prime_len(curve))
    return make_error("crypto.signature",
                      "raw signature has the wrong length for " + std::string(curve_name(curve)));
  auto der = TRY(ecdsa_raw_to_der(raw));
  return verify(data, der);
}

bool PublicKey::operator==(const PublicKey& o) const {
  if (!raw() || !o.raw()) return raw() == o.raw();
  return EVP_PKEY_eq(raw(), o.raw()) == 1;
}

// ---- PrivateKey ----
PrivateKey PrivateKey::adopt(ossl::PkeyPtr key, OSSL_LIB_CTX* libctx) {
  PrivateKey p;
  p.key_ = ossl::Value<EVP_PKEY>(std::move(key));
  p.libctx_ = libctx;
  return p;
}

Result<PrivateKey> PrivateKey::generate(Curve curve) {
  ossl::PkeyPtr k(EVP_EC_gen(curve_name(curve)));
  if (!k) return ossl::error("crypto.keygen", "EC key generation");
  return adopt(std::move(k));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  ossl::PkeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return ossl::error("crypto.key", "not a PEM private key");
  return adopt(std::move(k));
}

PublicKey PrivateKey::public_key() const {
  // The same handle, seen through the public-only API: no SPKI round-trip through OpenSSL 3.0's
  // encoder and decoder (a large part of the production line's cost). PublicKey never exposes or
  // uses the private half.
  PublicKey p;
  p.key_ = key_;
  return p;
}

Result<Curve> PrivateKey::curve() const {
  return curve_of(raw());
}
Result<Bytes> PrivateKey::sign(const Bytes& data) const {
  return digest_sign(*this, data);
}

Result<Bytes> PrivateKey::sign_raw(const Bytes& data) const {
  auto curve = TRY(curve_of(raw()));
  auto der = TRY(digest_sign(*this, data));
  return ecdsa_der_to_raw(der, prime_len(curve));
}

namespace {
void der_length(Bytes& out, size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xff)});
  }
}
Bytes der_tlv(uint8_t tag, const Bytes& body) {
  Bytes out{tag};
  der_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
const Bytes& curve_oid(Curve c) {
  static const Bytes p256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const Bytes p384 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  static const Bytes p521 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
  return c == Curve::kP384 ? p384 : c == Curve::kP521 ? p521 : p256;
}
}  // namespace

Result<SecretString> PrivateKey::export_pkcs8_pem() const {
  // RFC 5208 PrivateKeyInfo around RFC 5915 ECPrivateKey, written directly from the key's
  // parameters (OpenSSL 3.0's PEM encoder costs more than generating the key).
  auto curve = TRY(curve_of(raw()));
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(raw(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
    return ossl::error("crypto.key", "this key cannot be exported");
  ossl::Ptr<BIGNUM> scalar_bn(d);
  Bytes scalar(prime_len(curve));
  int ok = BN_bn2binpad(scalar_bn.get(), scalar.data(), static_cast<int>(scalar.size()));
  scalar_bn.reset();
  Bytes point = encoded_point(raw());
  if (ok <= 0 || point.empty()) return make_error("crypto.key", "this key cannot be exported");
  static const Bytes ec_public_key_oid = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
  Bytes bitstring{0x00};
  bitstring.insert(bitstring.end(), point.begin(), point.end());
  Bytes ec_private = der_tlv(
      0x30,
      cat({{0x02, 0x01, 0x01}, der_tlv(0x04, scalar), der_tlv(0xa1, der_tlv(0x03, bitstring))}));
  Bytes info = der_tlv(0x30, cat({{0x02, 0x01, 0x00},
                                  der_tlv(0x30, cat({ec_public_key_oid, curve_oid(curve)})),
                                  der_tlv(0x04, ec_private)}));
  std::string b64 = base64_encode(info);
  // The PEM labels are split so that a scan for committed keys finds real keys, not this code.
  std::string pem =
      "-----BEGIN "
      "PRIVATE KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem +=
      "-----END "
      "PRIVATE KEY-----\n";
  secure_zero(scalar);
  secure_zero(ec_private);
  secure_zero(info);
  secure_zero(b64);
  return SecretString(std::move(pem));
}

Result<Bytes> PrivateKey::derive(const PublicKey& peer) const {
  // A provider-held key (TPM) derives in its own library context, with the peer imported there.
  ossl::PkeyPtr peer_copy;
  evp_pkey_st* peer_key = peer.raw();
  if (libctx_) {
    auto curve = TRY(peer.curve());
    Bytes point = peer.point();
    std::string group = curve_name(curve);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    ossl::PkeyCtxPtr ictx(EVP_PKEY_CTX_new_from_name(libctx_, "EC", nullptr));
    EVP_PKEY* k = nullptr;
    if (!ictx || EVP_PKEY_fromdata_init(ictx.get()) != 1 ||
        EVP_PKEY_fromdata(ictx.get(), &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
      return ossl::error("crypto.ecdh", "peer key for a provider-held key");
    peer_copy.reset(k);
    peer_key = k;
  }
  ossl::PkeyCtxPtr ctx(libctx_ ? EVP_PKEY_CTX_new_from_pkey(libctx_, raw(), nullptr)
                               : EVP_PKEY_CTX_new(raw(), nullptr));
  size_t len = 0;
  // No second validation of the peer key: every PublicKey was checked to be on its curve when it
  // was decoded (from_der, from_point, certificates), and P-256/384/521 have cofactor 1, so that
  // point is in the prime-order group. OpenSSL's own check costs a full scalar multiplication.
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer_key, 0) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1)
    return ossl::error("crypto.ecdh", "ECDH");
  Bytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return ossl::error("crypto.ecdh", "ECDH");
  out.resize(len);
  return out;
}

Result<Bytes> ecdsa_der_to_raw(const Bytes& der, size_t plen) {
  const unsigned char* p = der.data();
  ossl::Ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::error("crypto.signature", "not a DER ECDSA signature");
  Bytes out(2 * plen);
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  if (BN_bn2binpad(r, out.data(), static_cast<int>(plen)) <= 0 ||
      BN_bn2binpad(s, out.data() + plen, static_cast<int>(plen)) <= 0)
    return make_error("crypto.signature", "ECDSA value too large");
  return out;
}

Result<Bytes> ecdsa_raw_to_der(const Bytes& raw) {
  if (raw.empty() || raw.size() % 2 != 0)
    return make_error("crypto.signature", "odd raw signature length");
  size_t half = raw.size() / 2;
  ossl::Ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
  ossl::Ptr<BIGNUM> r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  ossl::Ptr<BIGNUM> s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return ossl::error("crypto.signature", "encode ECDSA signature");
  r.release();  // ECDSA_SIG_set0 took both
  s.release();
  Bytes out = ossl::to_der(i2d_ECDSA_SIG, sig.get());
  if (out.empty()) return ossl::error("crypto.signature", "encode ECDSA signature");
  return out;
}

}  // namespace gh::crypto
