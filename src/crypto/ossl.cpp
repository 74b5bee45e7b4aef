#include "crypto/ossl.h"

#include <openssl/ssl.h>

namespace gh::crypto::ossl {

void Free<EVP_PKEY>::operator()(EVP_PKEY* p) const {
  EVP_PKEY_free(p);
}
EVP_PKEY* Copy<EVP_PKEY>::operator()(EVP_PKEY* p) const {
  EVP_PKEY_up_ref(p);
  return p;
}
void Free<X509>::operator()(X509* p) const {
  X509_free(p);
}
X509* Copy<X509>::operator()(X509* p) const {
  X509_up_ref(p);
  return p;
}
void Free<X509_REQ>::operator()(X509_REQ* p) const {
  X509_REQ_free(p);
}
X509_REQ* Copy<X509_REQ>::operator()(X509_REQ* p) const {
  return X509_REQ_dup(p);
}
void Free<SSL_CTX>::operator()(SSL_CTX* p) const {
  SSL_CTX_free(p);
}
void Free<SSL>::operator()(SSL* p) const {
  SSL_free(p);
}

std::string drain(const std::string& what) {
  std::string out = what;
  bool first = true;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(e);
    out += first ? ": " : "; ";
    out += reason ? reason : buf;
    first = false;
  }
  return out;
}

Error error(const std::string& code, const std::string& what) {
  return make_error(code, drain(what));
}

const EVP_MD* digest_for(Curve c) {
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static const EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  switch (c) {
    case Curve::kP384:
      return sha384;
    case Curve::kP521:
      return sha512;
    default:
      return sha256;
  }
}

Result<MdCtxPtr> sign_context(const PrivateKey& key) {
  auto curve = TRY(key.curve());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (key.libctx() == nullptr) {
    if (EVP_DigestSignInit(ctx.get(), nullptr, digest_for(curve), nullptr, key.raw()) != 1)
      return error("crypto.sign", "sign init");
  } else {
    const char* md = curve == Curve::kP384   ? "SHA2-384"
                     : curve == Curve::kP521 ? "SHA2-512"
                                             : "SHA2-256";
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, md, key.libctx(), nullptr, key.raw(), nullptr) !=
        1)
      return error("crypto.sign", "sign init (provider key)");
  }
  return ctx;
}

BioPtr mem_bio(const void* data, size_t len) {
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(len)));
}
BioPtr mem_bio(std::string_view data) {
  return mem_bio(data.data(), data.size());
}

std::string bio_string(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return n > 0 ? std::string(p, static_cast<size_t>(n)) : std::string();
}

Bytes bio_bytes(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return n > 0 ? Bytes(p, p + n) : Bytes();
}

}  // namespace gh::crypto::ossl
