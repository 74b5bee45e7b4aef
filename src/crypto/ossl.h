// Internal to src/crypto: OpenSSL ownership helpers and error draining. Never include elsewhere.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/key.h"
#include "crypto/ossl_handle.h"

namespace gh::crypto::ossl {

// Each OpenSSL type's deleter, once: ossl::Ptr<T> holds a T. EVP_PKEY, X509, X509_REQ, SSL_CTX
// and SSL have theirs in ossl_handle.h; EC_KEY and ENGINE (deprecated APIs) in the one file that
// may use each (legacy_ec.cpp, keystore_pkcs11.cpp).
template <auto Fn>
struct FreeWith {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};
inline void free_x509_stack(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
// ASN1_STRING is also ASN1_INTEGER, ASN1_ENUMERATED, ASN1_TIME, ASN1_OCTET_STRING, ASN1_IA5STRING.
template <>
struct Free<ASN1_STRING> : FreeWith<ASN1_STRING_free> {};
template <>
struct Free<ASN1_OBJECT> : FreeWith<ASN1_OBJECT_free> {};
template <>
struct Free<BIGNUM> : FreeWith<BN_clear_free> {};  // some hold private scalars
template <>
struct Free<BIO> : FreeWith<BIO_free_all> {};
template <>
struct Free<BN_CTX> : FreeWith<BN_CTX_free> {};
template <>
struct Free<CMS_ContentInfo> : FreeWith<CMS_ContentInfo_free> {};
template <>
struct Free<EC_GROUP> : FreeWith<EC_GROUP_free> {};
template <>
struct Free<EC_POINT> : FreeWith<EC_POINT_free> {};
template <>
struct Free<ECDSA_SIG> : FreeWith<ECDSA_SIG_free> {};
template <>
struct Free<EVP_CIPHER_CTX> : FreeWith<EVP_CIPHER_CTX_free> {};
template <>
struct Free<EVP_KDF> : FreeWith<EVP_KDF_free> {};
template <>
struct Free<EVP_KDF_CTX> : FreeWith<EVP_KDF_CTX_free> {};
template <>
struct Free<EVP_MAC_CTX> : FreeWith<EVP_MAC_CTX_free> {};
template <>
struct Free<EVP_MD_CTX> : FreeWith<EVP_MD_CTX_free> {};
template <>
struct Free<EVP_PKEY_CTX> : FreeWith<EVP_PKEY_CTX_free> {};
template <>
struct Free<EXTENDED_KEY_USAGE> : FreeWith<EXTENDED_KEY_USAGE_free> {};
template <>
struct Free<GENERAL_NAMES> : FreeWith<GENERAL_NAMES_free> {};
template <>
struct Free<OSSL_ENCODER_CTX> : FreeWith<OSSL_ENCODER_CTX_free> {};
template <>
struct Free<OSSL_LIB_CTX> : FreeWith<OSSL_LIB_CTX_free> {};
template <>
struct Free<OSSL_PROVIDER> : FreeWith<OSSL_PROVIDER_unload> {};
template <>
struct Free<OSSL_STORE_CTX> : FreeWith<OSSL_STORE_close> {};
template <>
struct Free<OSSL_STORE_INFO> : FreeWith<OSSL_STORE_INFO_free> {};
template <>
struct Free<PKCS7> : FreeWith<PKCS7_free> {};
template <>
struct Free<STACK_OF(X509)> : FreeWith<free_x509_stack> {};
template <>
struct Free<X509_CRL> : FreeWith<X509_CRL_free> {};
template <>
struct Free<X509_EXTENSION> : FreeWith<X509_EXTENSION_free> {};
template <>
struct Free<X509_NAME> : FreeWith<X509_NAME_free> {};
template <>
struct Free<X509_REVOKED> : FreeWith<X509_REVOKED_free> {};
template <>
struct Free<X509_STORE> : FreeWith<X509_STORE_free> {};
template <>
struct Free<X509_STORE_CTX> : FreeWith<X509_STORE_CTX_free> {};

using BioPtr = Ptr<BIO>;
using PkeyPtr = Ptr<EVP_PKEY>;
using PkeyCtxPtr = Ptr<EVP_PKEY_CTX>;
using MdCtxPtr = Ptr<EVP_MD_CTX>;
using X509Ptr = Ptr<X509>;
using ReqPtr = Ptr<X509_REQ>;
using StorePtr = Ptr<X509_STORE>;
using StoreCtxPtr = Ptr<X509_STORE_CTX>;
using CmsPtr = Ptr<CMS_ContentInfo>;
using NamePtr = Ptr<X509_NAME>;
using ExtPtr = Ptr<X509_EXTENSION>;
using ObjPtr = Ptr<ASN1_OBJECT>;
using CrlPtr = Ptr<X509_CRL>;
using X509StackPtr = Ptr<STACK_OF(X509)>;

// Memory OpenSSL hands out (strings, encodings), freed with OPENSSL_free.
struct FreeMemory {
  void operator()(void* p) const { OPENSSL_free(p); }
};
template <class T>
using Memory = std::unique_ptr<T, FreeMemory>;

// obj's DER encoding by its i2d_ function; empty if it cannot be encoded.
template <class T>
Bytes to_der(int (*i2d)(const T*, unsigned char**), const T* obj) {
  unsigned char* buf = nullptr;
  int n = i2d(obj, &buf);
  Memory<unsigned char> owned(buf);
  if (n <= 0 || !buf) return {};
  return Bytes(buf, buf + n);
}

// Drains the OpenSSL error queue into one line: "what: reason; reason".
std::string drain(const std::string& what);
// An Error with the drained queue appended.
Error error(const std::string& code, const std::string& what);

// The curve's hash, fetched once (EVP_sha256() re-resolves through the provider store under a
// lock on every use, which shows up as lock traffic on the production line).
const EVP_MD* digest_for(Curve c);

// A digest-sign context for key with its curve's hash, in the key's own library context.
Result<MdCtxPtr> sign_context(const PrivateKey& key);

// A public EC key backed by a legacy EC_KEY (see legacy_ec.cpp for why); null if the point is not
// on the curve.
PkeyPtr legacy_ec_public_key(Curve curve, const Bytes& encoded_point);
// For a legacy EC key: its curve and uncompressed point. false if key is not a legacy EC key.
bool legacy_ec_info(EVP_PKEY* key, Curve* curve, Bytes* point);

// A key OpenSSL's TLS can sign with that hands each ECDSA signature to key, in key's own library
// context. For a TPM-held key: TLS duplicates its signing contexts, and each copy
// of a tpm2-provider context loads the key into the TPM again until its object slots run out
// (TPM_RC_OBJECT_MEMORY); through the proxy the TPM sees one signature per handshake.
PkeyPtr signing_proxy(const PrivateKey& key);

BioPtr mem_bio(const void* data, size_t len);
BioPtr mem_bio(std::string_view data);
std::string bio_string(BIO* bio);
Bytes bio_bytes(BIO* bio);

}  // namespace gh::crypto::ossl
