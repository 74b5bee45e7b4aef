// Why a deprecated API: OpenSSL 3.0 encodes a provider-native key into a certificate or CSR
// (X509_set_pubkey) through its generic encoder framework, which costs more than signing the
// certificate. A key held as a legacy EC_KEY takes the direct pub_encode path. This file is the
// only place that touches EC_KEY, and only for public keys.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ec.h>

#include "crypto/ossl.h"

namespace gh::crypto::ossl {

EVP_PKEY* legacy_ec_public_key(Curve curve, const Bytes& point) {
  int nid = curve == Curve::kP384   ? NID_secp384r1
            : curve == Curve::kP521 ? NID_secp521r1
                                    : NID_X9_62_prime256v1;
  EC_KEY* ec = EC_KEY_new_by_curve_name(nid);
  if (!ec) return nullptr;
  if (EC_KEY_oct2key(ec, point.data(), point.size(), nullptr) != 1) {
    EC_KEY_free(ec);
    return nullptr;
  }
  EVP_PKEY* pkey = EVP_PKEY_new();
  if (!pkey || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
    EC_KEY_free(ec);
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return pkey;
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
    if (n == 0) return false;
    point->assign(buf, buf + n);
    OPENSSL_free(buf);
  }
  return true;
}

}  // namespace gh::crypto::ossl
