// EC keys. OpenSSL stays behind an opaque handle; callers see value types.
#pragma once

#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/log.h"
#include "common/result.h"
#include "crypto/ossl_handle.h"

struct ossl_lib_ctx_st;  // OpenSSL's OSSL_LIB_CTX

namespace gh::crypto {

enum class Curve { kP256, kP384, kP521 };

const char* curve_name(Curve c);  // "P-256", ...
Result<Curve> parse_curve(std::string_view name);

class PublicKey {
 public:
  static Result<PublicKey> from_der(const Bytes& spki);
  static Result<PublicKey> from_pem(std::string_view pem);
  // From an uncompressed (04||x||y) or compressed point; refuses a point not on the curve.
  static Result<PublicKey> from_point(Curve curve, const Bytes& point);

  bool valid() const { return static_cast<bool>(key_); }
  Bytes der() const;             // SubjectPublicKeyInfo, uncompressed point
  Bytes der_compressed() const;  // SubjectPublicKeyInfo, compressed point (DPP bootstrapping)
  Bytes point() const;           // uncompressed point 04||x||y
  std::string pem() const;
  Bytes spki_sha256() const;  // SHA-256 over der(): how we name a domain CA or a manufacturer
  Result<Curve> curve() const;
  // Verifies a DER ECDSA signature over data with the curve's hash.
  Status verify(const Bytes& data, const Bytes& der_signature) const;
  // Verifies a raw r||s signature (JWS, DPP).
  Status verify_raw(const Bytes& data, const Bytes& raw_signature) const;
  bool operator==(const PublicKey& other) const;

  evp_pkey_st* raw() const { return key_.get(); }      // for src/crypto only
  static PublicKey adopt(ossl::Ptr<evp_pkey_st> key);  // for src/crypto only
  // A new legacy-decoded copy, for fast certificate building; for src/crypto only.
  ossl::Ptr<evp_pkey_st> legacy_copy() const;

 private:
  friend class PrivateKey;        // public_key(): the same key, seen as public
  ossl::Value<evp_pkey_st> key_;  // copies share the key
};

// A private key: in memory (file keystore) or a handle into a token or TPM. It has no text form;
// export_pkcs8_pem() is for the file keystore alone.
class PrivateKey {
 public:
  static Result<PrivateKey> generate(Curve curve);
  static Result<PrivateKey> from_pem(std::string_view pem);

  bool valid() const { return static_cast<bool>(key_); }
  PublicKey public_key() const;
  Result<Curve> curve() const;
  // ECDSA with the curve's hash (SHA-256/384/512), DER signature.
  Result<Bytes> sign(const Bytes& data) const;
  // The same, as raw r||s of 2*prime_len octets.
  Result<Bytes> sign_raw(const Bytes& data) const;
  Result<SecretString> export_pkcs8_pem() const;
  // ECDH shared secret (x coordinate).
  Result<Bytes> derive(const PublicKey& peer) const;

  evp_pkey_st* raw() const { return key_.get(); }
  // The library context a provider-held key (TPM) lives in; nullptr for the default one. The
  // keystore that made the key must outlive it.
  ossl_lib_ctx_st* libctx() const { return libctx_; }
  static PrivateKey adopt(ossl::Ptr<evp_pkey_st> key, ossl_lib_ctx_st* libctx = nullptr);

 private:
  ossl::Value<evp_pkey_st> key_;       // copies share the key
  ossl_lib_ctx_st* libctx_ = nullptr;  // not owned: the keystore's
};

// DER ECDSA-Sig-Value <-> raw r||s with each half padded to prime_len octets.
Result<Bytes> ecdsa_der_to_raw(const Bytes& der, size_t prime_len);
Result<Bytes> ecdsa_raw_to_der(const Bytes& raw);
size_t prime_len(Curve c);

// Point and scalar sums, for DPP mutual authentication: L = bI*(BR+PR) = ((bR+pR) mod q)*BI.
// The scalar sum needs both private scalars in memory (file keystore keys).
Result<PublicKey> ec_point_sum(const PublicKey& a, const PublicKey& b);
Result<PrivateKey> ec_scalar_sum(const PrivateKey& a, const PrivateKey& b);

}  // namespace gh::crypto
