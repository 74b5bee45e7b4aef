// Ownership of OpenSSL objects, for the headers of src/crypto that others include: OpenSSL types
// are only forward-declared here, and each type's free and copy are declared once (defined in
// ossl.cpp). The types used only inside src/crypto get theirs in ossl.h.
#pragma once

#include <memory>
#include <utility>

struct evp_pkey_st;  // EVP_PKEY
struct x509_st;      // X509
struct X509_req_st;  // X509_REQ
struct ssl_ctx_st;   // SSL_CTX
struct ssl_st;       // SSL

namespace gh::crypto::ossl {

// Frees one OpenSSL object of type T: one specialization per type.
template <class T>
struct Free;
// Another owning pointer to the same immutable value: OpenSSL's reference count where the type has
// one, a duplicate where it has none. One specialization per copyable type.
template <class T>
struct Copy;

template <class T>
using Ptr = std::unique_ptr<T, Free<T>>;

template <>
struct Free<evp_pkey_st> {
  void operator()(evp_pkey_st* p) const;
};
template <>
struct Copy<evp_pkey_st> {
  evp_pkey_st* operator()(evp_pkey_st* p) const;  // EVP_PKEY_up_ref
};
template <>
struct Free<x509_st> {
  void operator()(x509_st* p) const;
};
template <>
struct Copy<x509_st> {
  x509_st* operator()(x509_st* p) const;  // X509_up_ref
};
template <>
struct Free<X509_req_st> {
  void operator()(X509_req_st* p) const;
};
template <>
struct Copy<X509_req_st> {
  X509_req_st* operator()(X509_req_st* p) const;  // X509_REQ_dup: a request has no count
};
template <>
struct Free<ssl_ctx_st> {
  void operator()(ssl_ctx_st* p) const;
};
template <>
struct Free<ssl_st> {
  void operator()(ssl_st* p) const;
};

// An OpenSSL object inside a value type (PublicKey, Certificate, Csr): the object is never changed
// after construction, so a copy is Copy<T> (for keys and certificates one more reference to the
// same object) and the value type gets default copy, move and destruction.
template <class T>
class Value {
 public:
  Value() = default;
  explicit Value(Ptr<T> p) : p_(std::move(p)) {}
  Value(const Value& o) : p_(copy(o.get())) {}
  Value& operator=(const Value& o) {
    p_.reset(copy(o.get()));  // the copy is taken first, so self-assignment keeps the object
    return *this;
  }
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() = default;

  T* get() const { return p_.get(); }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  static T* copy(T* p) { return p ? Copy<T>()(p) : nullptr; }
  Ptr<T> p_;
};

}  // namespace gh::crypto::ossl
