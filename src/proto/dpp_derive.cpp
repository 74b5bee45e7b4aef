#include "proto/dpp_derive.h"

#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/kdf_siv.h"
#include "proto/dpp_internal.h"

namespace gh::proto::dpp {
namespace {

using detail::cat;

// HKDF with the all-zero salt <> of hash_len octets.
Result<Bytes> hkdf_no_salt(crypto::Curve curve, const Bytes& ikm, const char* info) {
  return crypto::hkdf(hash_name(curve), Bytes(hash_len(curve), 0), ikm, to_bytes(info),
                      hash_len(curve));
}

}  // namespace

const char* hash_name(crypto::Curve curve) {
  return curve == crypto::Curve::kP384   ? "SHA384"
         : curve == crypto::Curve::kP521 ? "SHA512"
                                         : "SHA256";
}

size_t hash_len(crypto::Curve curve) {
  const size_t p = crypto::prime_len(curve);
  return p == 32 ? 32 : p == 48 ? 48 : 64;
}

Bytes hash(crypto::Curve curve, const Bytes& data) {
  switch (curve) {
    case crypto::Curve::kP384:
      return crypto::sha384(data);
    case crypto::Curve::kP521:
      return crypto::sha512(data);
    default:
      return crypto::sha256(data);
  }
}

Bytes point_x(const crypto::PublicKey& key) {
  Bytes p = key.point();  // 04 || x || y
  if (p.empty()) return p;
  const size_t half = (p.size() - 1) / 2;
  return Bytes(p.begin() + 1, p.begin() + 1 + static_cast<long>(half));
}

Result<Bytes> derive_k1(crypto::Curve curve, const Bytes& m_x) {
  return hkdf_no_salt(curve, m_x, "first intermediate key");
}

Result<Bytes> derive_k2(crypto::Curve curve, const Bytes& n_x) {
  return hkdf_no_salt(curve, n_x, "second intermediate key");
}

Result<Bytes> derive_l_initiator(const crypto::PrivateKey& b_i, const crypto::PublicKey& b_r,
                                 const crypto::PublicKey& p_r) {
  auto sum = TRY(crypto::ec_point_sum(b_r, p_r));
  return b_i.derive(sum);
}

Result<Bytes> derive_l_responder(const crypto::PrivateKey& b_r, const crypto::PrivateKey& p_r,
                                 const crypto::PublicKey& b_i) {
  auto sum = TRY(crypto::ec_scalar_sum(b_r, p_r));
  return sum.derive(b_i);
}

Result<Bytes> derive_bk(crypto::Curve curve, const Bytes& i_nonce, const Bytes& r_nonce,
                        const Bytes& m_x, const Bytes& n_x, const Bytes& l_x) {
  const Bytes salt = cat({&i_nonce, &r_nonce});
  Bytes ikm = cat({&m_x, &n_x, &l_x});
  auto bk = crypto::hkdf_extract(hash_name(curve), salt, ikm);
  crypto::secure_zero(ikm);
  return bk;
}

Result<Bytes> derive_ke(crypto::Curve curve, const Bytes& bk) {
  return crypto::hkdf_expand(hash_name(curve), bk, to_bytes("DPP Key"), hash_len(curve));
}

Bytes derive_r_auth(crypto::Curve curve, const Bytes& i_nonce, const Bytes& r_nonce,
                    const Bytes& pi_x, const Bytes& pr_x, const Bytes& bi_x, const Bytes& br_x) {
  const Bytes zero{0x00};
  return hash(curve, cat({&i_nonce, &r_nonce, &pi_x, &pr_x, &bi_x, &br_x, &zero}));
}

Bytes derive_i_auth(crypto::Curve curve, const Bytes& r_nonce, const Bytes& i_nonce,
                    const Bytes& pr_x, const Bytes& pi_x, const Bytes& br_x, const Bytes& bi_x) {
  const Bytes one{0x01};
  return hash(curve, cat({&r_nonce, &i_nonce, &pr_x, &pi_x, &br_x, &bi_x, &one}));
}

Result<std::string> derive_csr_challenge_password(crypto::Curve curve, const Bytes& bk) {
  auto cp = TRY(crypto::hkdf_expand(hash_name(curve), bk, to_bytes("CSR challengePassword"), 64));
  std::string out = base64_encode(cp);
  crypto::secure_zero(cp);
  return out;
}

}  // namespace gh::proto::dpp
