// Why a deprecated API: OpenSSL 3.0 encodes a provider-native key into a certificate or CSR
// (X509_set_pubkey) through its generic encoder framework, which costs more than signing the
// certificate. A key held as a legacy EC_KEY takes the direct pub_encode path. This file is the
// only place that touches EC_KEY, and only for public keys.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "crypto/ossl.h"

namespace gh::crypto::ossl {

// EC_KEY's deleter lives here, with the only code that touches EC_KEY.
template <>
struct Free<EC_KEY> : FreeWith<EC_KEY_free> {};

namespace {

int nid_of(Curve c) {
  return c == Curve::kP384   ? NID_secp384r1
         : c == Curve::kP521 ? NID_secp521r1
                             : NID_X9_62_prime256v1;
}

// An EC_KEY holding only the public point; null if the point is not on the curve.
Ptr<EC_KEY> ec_public(Curve curve, const Bytes& point) {
  Ptr<EC_KEY> ec(EC_KEY_new_by_curve_name(nid_of(curve)));
  if (ec && EC_KEY_oct2key(ec.get(), point.data(), point.size(), nullptr) == 1) return ec;
  return nullptr;
}

// The EVP_PKEY around ec, which it takes over.
PkeyPtr wrap(Ptr<EC_KEY> ec) {
  if (!ec) return nullptr;
  PkeyPtr pkey(EVP_PKEY_new());
  if (!pkey || EVP_PKEY_assign_EC_KEY(pkey.get(), ec.get()) != 1) return nullptr;
  ec.release();  // now the EVP_PKEY's
  return pkey;
}

}  // namespace

PkeyPtr legacy_ec_public_key(Curve curve, const Bytes& point) {
  return wrap(ec_public(curve, point));
}

bool legacy_ec_info(EVP_PKEY* key, Curve* curve, Bytes* point) {
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);
  if (!ec) return false;
  const EC_GROUP* group = EC_KEY_get0_group(ec);
  switch (EC_GROUP_get_curve_name(group)) {
    case NID_X9_62_prime256v1:
      *curve = Curve::kP256;
      break;
    case NID_secp384r1:
      *curve = Curve::kP384;
      break;
    case NID_secp521r1:
      *curve = Curve::kP521;
      break;
    default:
      return false;
  }
  if (point) {
    unsigned char* buf = nullptr;
    size_t n = EC_KEY_key2buf(ec, POINT_CONVERSION_UNCOMPRESSED, &buf, nullptr);
    Memory<unsigned char> owned(buf);
    if (n == 0) return false;
    point->assign(buf, buf + n);
  }
  return true;
}

namespace {

// The key a proxy signs with; owned by the proxy's EC_KEY (freed with it).
int proxy_index() {
  static const int index = EC_KEY_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<PrivateKey*>(ptr);
      });
  return index;
}

// ECDSA over a digest OpenSSL computed, by the held key in its own provider (one operation on a
// fresh context, which is all a TPM has room for).
ECDSA_SIG* proxy_sign_sig(const unsigned char* dgst, int dgst_len, const BIGNUM*, const BIGNUM*,
                          EC_KEY* ec) {
  auto* key = static_cast<PrivateKey*>(EC_KEY_get_ex_data(ec, proxy_index()));
  if (!key || dgst_len <= 0) return nullptr;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(key->libctx(), key->raw(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, dgst, static_cast<size_t>(dgst_len)) != 1)
    return nullptr;
  Bytes der(len);
  if (EVP_PKEY_sign(ctx.get(), der.data(), &len, dgst, static_cast<size_t>(dgst_len)) != 1)
    return nullptr;
  const unsigned char* p = der.data();
  return d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
}

int proxy_sign(int, const unsigned char* dgst, int dlen, unsigned char* sig, unsigned int* siglen,
               const BIGNUM*, const BIGNUM*, EC_KEY* ec) {
  Ptr<ECDSA_SIG> s(proxy_sign_sig(dgst, dlen, nullptr, nullptr, ec));
  if (!s) return 0;
  unsigned char* out = sig;
  int n = i2d_ECDSA_SIG(s.get(), &out);
  if (n <= 0) return 0;
  *siglen = static_cast<unsigned int>(n);
  return 1;
}

const EC_KEY_METHOD* proxy_method() {
  static EC_KEY_METHOD* const method = [] {
    EC_KEY_METHOD* m = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    int (*setup)(EC_KEY*, BN_CTX*, BIGNUM**, BIGNUM**) = nullptr;
    EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), nullptr, &setup, nullptr);
    EC_KEY_METHOD_set_sign(m, proxy_sign, setup, proxy_sign_sig);
    return m;
  }();
  return method;
}

}  // namespace

PkeyPtr signing_proxy(const PrivateKey& key) {
  auto curve = key.curve();
  if (!curve) return nullptr;
  Ptr<EC_KEY> ec = ec_public(*curve, key.public_key().point());
  if (!ec || EC_KEY_set_method(ec.get(), proxy_method()) != 1) return nullptr;
  auto held = std::make_unique<PrivateKey>(key);
  if (EC_KEY_set_ex_data(ec.get(), proxy_index(), held.get()) != 1) return nullptr;
  held.release();  // now the EC_KEY's (see proxy_index)
  return wrap(std::move(ec));
}

}  // namespace gh::crypto::ossl

// DPP's mutual authentication needs a point sum and a scalar sum, which OpenSSL 3 offers only
// through EC_POINT and BIGNUM.
namespace gh::crypto {
namespace {
using GroupPtr = ossl::Ptr<EC_GROUP>;
using PointPtr = ossl::Ptr<EC_POINT>;
using BnPtr = ossl::Ptr<BIGNUM>;
using BnCtxPtr = ossl::Ptr<BN_CTX>;
using ossl::nid_of;
}  // namespace

Result<PublicKey> ec_point_sum(const PublicKey& a, const PublicKey& b) {
  auto curve = TRY(a.curve());
  if (TRY(b.curve()) != curve) return make_error("crypto.curve", "points on different curves");
  GroupPtr group(EC_GROUP_new_by_curve_name(nid_of(curve)));
  PointPtr pa(EC_POINT_new(group.get())), pb(EC_POINT_new(group.get())),
      sum(EC_POINT_new(group.get()));
  BnCtxPtr ctx(BN_CTX_new());
  Bytes ea = a.point(), eb = b.point();
  if (!group || !pa || !pb || !sum || !ctx ||
      EC_POINT_oct2point(group.get(), pa.get(), ea.data(), ea.size(), ctx.get()) != 1 ||
      EC_POINT_oct2point(group.get(), pb.get(), eb.data(), eb.size(), ctx.get()) != 1 ||
      EC_POINT_add(group.get(), sum.get(), pa.get(), pb.get(), ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(group.get(), sum.get()))
    return ossl::error("crypto.ec", "point sum");
  Bytes out(1 + 2 * prime_len(curve));
  if (EC_POINT_point2oct(group.get(), sum.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), ctx.get()) != out.size())
    return ossl::error("crypto.ec", "point sum encoding");
  return PublicKey::from_point(curve, out);
}

Result<PrivateKey> ec_scalar_sum(const PrivateKey& a, const PrivateKey& b) {
  auto curve = TRY(a.curve());
  if (TRY(b.curve()) != curve) return make_error("crypto.curve", "keys on different curves");
  BIGNUM* da = nullptr;
  BIGNUM* db = nullptr;
  EVP_PKEY_get_bn_param(a.raw(), OSSL_PKEY_PARAM_PRIV_KEY, &da);
  EVP_PKEY_get_bn_param(b.raw(), OSSL_PKEY_PARAM_PRIV_KEY, &db);
  BnPtr pa(da), pb(db), sum(BN_secure_new());
  if (!pa || !pb)
    return make_error("crypto.key",
                      "a key held in a token or TPM cannot take part in a scalar sum");
  GroupPtr group(EC_GROUP_new_by_curve_name(nid_of(curve)));
  BnCtxPtr ctx(BN_CTX_secure_new());
  ossl::Ptr<EC_KEY> ec(EC_KEY_new_by_curve_name(nid_of(curve)));
  PointPtr pub(group ? EC_POINT_new(group.get()) : nullptr);
  bool ok =
      group && ctx && ec && pub && sum &&
      BN_mod_add(sum.get(), pa.get(), pb.get(), EC_GROUP_get0_order(group.get()), ctx.get()) == 1 &&
      !BN_is_zero(sum.get()) && EC_KEY_set_private_key(ec.get(), sum.get()) == 1 &&
      EC_POINT_mul(group.get(), pub.get(), sum.get(), nullptr, nullptr, ctx.get()) == 1 &&
      EC_KEY_set_public_key(ec.get(), pub.get()) == 1;
  ossl::PkeyPtr pkey = ok ? ossl::wrap(std::move(ec)) : nullptr;
  if (!pkey) return ossl::error("crypto.ec", "scalar sum");
  return PrivateKey::adopt(std::move(pkey));
}

}  // namespace gh::crypto
