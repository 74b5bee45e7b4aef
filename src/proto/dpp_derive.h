// The key derivations of DPP authentication (Wi-Fi Easy Connect 6.3), as free functions of plain
// inputs (nonces, x-coordinates, keys), so that the specification's own test vectors (Appendix B)
// can drive each one and the engine uses exactly what they checked.
#pragma once

#include <string>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/key.h"

namespace gh::proto::dpp {

// The hash H() that goes with the curve: SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521.
// Its length is the length of k1, k2, ke and the authenticating tags; nonces are half of it.
const char* hash_name(crypto::Curve curve);  // "SHA256", "SHA384" or "SHA512"
size_t hash_len(crypto::Curve curve);
Bytes hash(crypto::Curve curve, const Bytes& data);

// The x-coordinate of a public key's point (prime_len octets): "P.x".
Bytes point_x(const crypto::PublicKey& key);

// k1 = HKDF(<>, "first intermediate key", M.x), M = pI * BR = bR * PI.
Result<Bytes> derive_k1(crypto::Curve curve, const Bytes& m_x);
// k2 = HKDF(<>, "second intermediate key", N.x), N = pI * PR = pR * PI.
Result<Bytes> derive_k2(crypto::Curve curve, const Bytes& n_x);

// Mutual authentication only: L = bI * (BR + PR) on the initiator, L = ((bR + pR) mod q) * BI on
// the responder; both give the same point, and these return its x-coordinate.
Result<Bytes> derive_l_initiator(const crypto::PrivateKey& b_i, const crypto::PublicKey& b_r,
                                 const crypto::PublicKey& p_r);
// Refuses when a private key cannot be added to (one held in a TPM or a token).
Result<Bytes> derive_l_responder(const crypto::PrivateKey& b_r, const crypto::PrivateKey& p_r,
                                 const crypto::PublicKey& b_i);

// ke = HKDF(I-nonce | R-nonce, "DPP Key", M.x | N.x [| L.x]), in its two steps:
//   bk = HKDF-Extract(I-nonce | R-nonce, M.x | N.x [| L.x])   (l_x empty: responder-only)
//   ke = HKDF-Expand(bk, "DPP Key", length of the hash)
// bk outlives ke: the CSR challengePassword is derived from it.
Result<Bytes> derive_bk(crypto::Curve curve, const Bytes& i_nonce, const Bytes& r_nonce,
                        const Bytes& m_x, const Bytes& n_x, const Bytes& l_x);
Result<Bytes> derive_ke(crypto::Curve curve, const Bytes& bk);

// R-auth = H(I-nonce | R-nonce | PI.x | PR.x | [ BI.x | ] BR.x | 0)
// I-auth = H(R-nonce | I-nonce | PR.x | PI.x | BR.x | [ BI.x | ] 1)
// bi_x is empty in responder-only authentication.
Bytes derive_r_auth(crypto::Curve curve, const Bytes& i_nonce, const Bytes& r_nonce,
                    const Bytes& pi_x, const Bytes& pr_x, const Bytes& bi_x, const Bytes& br_x);
Bytes derive_i_auth(crypto::Curve curve, const Bytes& r_nonce, const Bytes& i_nonce,
                    const Bytes& pr_x, const Bytes& pi_x, const Bytes& br_x, const Bytes& bi_x);

// The CSR's challengePassword (802.1X configuration): cp = HKDF-Expand(bk, "CSR challengePassword",
// 64), carried base64.
Result<std::string> derive_csr_challenge_password(crypto::Curve curve, const Bytes& bk);

}  // namespace gh::proto::dpp
