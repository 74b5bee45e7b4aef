// Internal to src/crypto: OpenSSL ownership helpers and error draining. Never include elsewhere.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/key.h"

namespace gh::crypto::ossl {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};
template <class T, auto Fn>
using Ptr = std::unique_ptr<T, Deleter<Fn>>;

using BioPtr = Ptr<BIO, BIO_free_all>;
using PkeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = Ptr<X509, X509_free>;
using ReqPtr = Ptr<X509_REQ, X509_REQ_free>;
using StorePtr = Ptr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = Ptr<X509_STORE_CTX, X509_STORE_CTX_free>;
using CmsPtr = Ptr<CMS_ContentInfo, CMS_ContentInfo_free>;
using NamePtr = Ptr<X509_NAME, X509_NAME_free>;
using ExtPtr = Ptr<X509_EXTENSION, X509_EXTENSION_free>;
using ObjPtr = Ptr<ASN1_OBJECT, ASN1_OBJECT_free>;
using CrlPtr = Ptr<X509_CRL, X509_CRL_free>;

inline void free_x509_stack(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
using X509StackPtr = Ptr<STACK_OF(X509), free_x509_stack>;

// Drains the OpenSSL error queue into one line: "what: reason; reason".
std::string drain(const std::string& what);
// An Error with the drained queue appended.
Error error(const std::string& code, const std::string& what);

// The curve's hash, fetched once (EVP_sha256() re-resolves through the provider store under a
// lock on every use, which shows up as lock traffic on the production line).
const EVP_MD* digest_for(Curve c);

// A digest-sign context for key with its curve's hash, in the key's own library context.
Result<MdCtxPtr> sign_context(const PrivateKey& key);

// A public EC key backed by a legacy EC_KEY (see legacy_ec.cpp for why); caller owns it.
EVP_PKEY* legacy_ec_public_key(Curve curve, const Bytes& encoded_point);
// For a legacy EC key: its curve and uncompressed point. false if key is not a legacy EC key.
bool legacy_ec_info(EVP_PKEY* key, Curve* curve, Bytes* point);

// A key OpenSSL's TLS can sign with that hands each ECDSA signature to key, in key's own library
// context (caller owns it). For a TPM-held key: TLS duplicates its signing contexts, and each copy
// of a tpm2-provider context loads the key into the TPM again until its object slots run out
// (TPM_RC_OBJECT_MEMORY); through the proxy the TPM sees one signature per handshake.
EVP_PKEY* signing_proxy(const PrivateKey& key);

BioPtr mem_bio(const void* data, size_t len);
BioPtr mem_bio(std::string_view data);
std::string bio_string(BIO* bio);
Bytes bio_bytes(BIO* bio);

}  // namespace gh::crypto::ossl
