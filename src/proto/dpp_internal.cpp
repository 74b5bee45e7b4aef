#include "proto/dpp_internal.h"

#include "crypto/ct.h"
#include "crypto/kdf_siv.h"

namespace gh::proto::dpp::detail {

Bytes cat(std::initializer_list<const Bytes*> parts) {
  Bytes out;
  for (const Bytes* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

Bytes xy_of(const crypto::PublicKey& k) {
  Bytes p = k.point();
  return p.empty() ? p : Bytes(p.begin() + 1, p.end());
}

Result<crypto::PublicKey> point_from_xy(crypto::Curve curve, const Bytes& xy) {
  if (xy.size() != 2 * crypto::prime_len(curve))
    return make_error("dpp.protocol-key",
                      "protocol key is not a " + std::string(crypto::curve_name(curve)) + " point");
  Bytes p{0x04};
  p.insert(p.end(), xy.begin(), xy.end());
  auto k = crypto::PublicKey::from_point(curve, p);
  if (!k) return make_error("dpp.protocol-key", "protocol key is not on the curve");
  return k;
}

Attr wrapped(const Bytes& key, const std::vector<Bytes>& ad, const std::vector<Attr>& inner) {
  Bytes plain = cd::encode_attrs(inner);
  auto out = crypto::aes_siv_encrypt(key, ad, plain);
  crypto::secure_zero(plain);
  return {attr::kWrappedData, out ? *out : Bytes{}};
}

Result<std::vector<Attr>> unwrap(const Bytes& key, const std::vector<Bytes>& ad,
                                 const std::vector<Attr>& attrs, const char* what) {
  auto wd = TRY(cd::require_attr(attrs, attr::kWrappedData, "Wrapped Data"));
  auto plain = crypto::aes_siv_decrypt(key, ad, wd);
  if (!plain)
    return make_error("dpp.unwrap", std::string("wrapped data of the ") + what +
                                        " does not decrypt (wrong key, tag or AD)");
  auto inner = cd::parse_attrs(plain->data(), plain->size());
  crypto::secure_zero(*plain);
  if (!inner) return std::move(inner).error().context(std::string("inside ") + what);
  return inner;
}

Bytes one_octet(uint8_t v) {
  return Bytes{v};
}

}  // namespace gh::proto::dpp::detail
