// Known-answer tests of the DPP authentication key derivations against the Wi-Fi Easy Connect
// specification's test vectors (Appendix B.1 mutual, B.2 responder-only, P-256): from the private
// keys in the vector we compute M, N and L, then each derivation, and compare every intermediate
// with the value the vector states (tests/vectors/dpp/ says where each file came from).
#include "proto/dpp_derive.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace gh::proto::dpp {
namespace {

using crypto::Curve;

struct Vector {
  std::map<std::string, std::string> values;

  bool has(const std::string& name) const { return values.count(name) != 0; }
  Bytes bytes(const std::string& name) const {
    auto it = values.find(name);
    EXPECT_NE(it, values.end()) << "the vector has no " << name;
    if (it == values.end()) return {};
    auto b = hex_decode(it->second);
    EXPECT_TRUE(b.ok()) << name << " is not hex";
    return b ? *b : Bytes{};
  }
};

// key=value lines; '#' starts a comment line.
Vector load(const std::string& file) {
  Vector v;
  std::ifstream in(std::string(GH_VECTORS_DIR) + "/dpp/" + file);
  EXPECT_TRUE(in.good()) << "cannot read " << file;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    v.values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return v;
}

// A P-256 private key from its scalar: SEC 1 ECPrivateKey without the public key, so the public
// point comes from the scalar and can be checked against the vector's.
crypto::PrivateKey p256_private(const Bytes& scalar) {
  Bytes der = *hex_decode("30310201010420");
  der.insert(der.end(), scalar.begin(), scalar.end());
  const Bytes params = *hex_decode("a00a06082a8648ce3d030107");  // [0] prime256v1
  der.insert(der.end(), params.begin(), params.end());
  // The PEM labels are split so that a scan for committed keys finds real keys, not this test.
  const std::string pem = std::string("-----BEGIN EC ") + "PRIVATE KEY-----\n" +
                          base64_encode(der) + "\n-----END EC " + "PRIVATE KEY-----\n";
  auto key = crypto::PrivateKey::from_pem(pem);
  EXPECT_TRUE(key.ok()) << key.error().str();
  return key ? *key : crypto::PrivateKey{};
}

crypto::PublicKey p256_public(const Bytes& xy) {
  Bytes point{0x04};
  point.insert(point.end(), xy.begin(), xy.end());
  auto key = crypto::PublicKey::from_point(Curve::kP256, point);
  EXPECT_TRUE(key.ok()) << key.error().str();
  return key ? *key : crypto::PublicKey{};
}

// The vector's private key, after checking that its public half is the vector's public key.
crypto::PrivateKey private_key(const Vector& v, const std::string& who) {
  crypto::PrivateKey k = p256_private(v.bytes(who + "_private"));
  Bytes xy = v.bytes(who + "_public");
  xy.insert(xy.begin(), 0x04);
  EXPECT_EQ(hex_encode(k.public_key().point()), hex_encode(xy)) << who;
  return k;
}

// The derivations after M, N and L: k1, k2, ke, R-auth, I-auth, from the vector's own M.x, N.x,
// L.x, nonces and public keys.
void check_derivations(const Vector& v, const Bytes& l_x, const Bytes& bi_x) {
  const Bytes i_nonce = v.bytes("i_nonce"), r_nonce = v.bytes("r_nonce");
  const Bytes m_x = v.bytes("m_x"), n_x = v.bytes("n_x");
  ASSERT_EQ(i_nonce.size(), hash_len(Curve::kP256) / 2);

  auto k1 = derive_k1(Curve::kP256, m_x);
  ASSERT_TRUE(k1.ok()) << k1.error().str();
  EXPECT_EQ(hex_encode(*k1), hex_encode(v.bytes("k1")));
  auto k2 = derive_k2(Curve::kP256, n_x);
  ASSERT_TRUE(k2.ok()) << k2.error().str();
  EXPECT_EQ(hex_encode(*k2), hex_encode(v.bytes("k2")));

  auto bk = derive_bk(Curve::kP256, i_nonce, r_nonce, m_x, n_x, l_x);
  ASSERT_TRUE(bk.ok()) << bk.error().str();
  auto ke = derive_ke(Curve::kP256, *bk);
  ASSERT_TRUE(ke.ok()) << ke.error().str();
  EXPECT_EQ(hex_encode(*ke), hex_encode(v.bytes("ke")));

  const Bytes pi_x = point_x(p256_public(v.bytes("i_proto_public")));
  const Bytes pr_x = point_x(p256_public(v.bytes("r_proto_public")));
  const Bytes br_x = point_x(p256_public(v.bytes("r_boot_public")));
  ASSERT_EQ(pi_x.size(), 32u);
  EXPECT_EQ(hex_encode(derive_r_auth(Curve::kP256, i_nonce, r_nonce, pi_x, pr_x, bi_x, br_x)),
            hex_encode(v.bytes("r_auth")));
  EXPECT_EQ(hex_encode(derive_i_auth(Curve::kP256, r_nonce, i_nonce, pr_x, pi_x, br_x, bi_x)),
            hex_encode(v.bytes("i_auth")));
}

TEST(DppDerive, SpecB1MutualP256) {
  const Vector v = load("spec_b1_mutual_p256.txt");
  ASSERT_EQ(v.values.at("curve"), "P-256");
  const crypto::PrivateKey b_i = private_key(v, "i_boot"), p_i = private_key(v, "i_proto");
  const crypto::PrivateKey b_r = private_key(v, "r_boot"), p_r = private_key(v, "r_proto");
  const crypto::PublicKey BI = b_i.public_key(), PI = p_i.public_key();
  const crypto::PublicKey BR = b_r.public_key(), PR = p_r.public_key();
  // The bootstrapping keys as their URIs carry them.
  EXPECT_EQ(hex_encode(BI.der_compressed()), hex_encode(v.bytes("i_boot_spki")));
  EXPECT_EQ(hex_encode(BR.der_compressed()), hex_encode(v.bytes("r_boot_spki")));

  // M = pI*BR = bR*PI, N = pI*PR = pR*PI.
  EXPECT_EQ(hex_encode(p_i.derive(BR).value()), hex_encode(v.bytes("m_x")));
  EXPECT_EQ(hex_encode(b_r.derive(PI).value()), hex_encode(v.bytes("m_x")));
  EXPECT_EQ(hex_encode(p_i.derive(PR).value()), hex_encode(v.bytes("n_x")));
  EXPECT_EQ(hex_encode(p_r.derive(PI).value()), hex_encode(v.bytes("n_x")));
  // L = bI*(BR+PR) = ((bR+pR) mod q)*BI.
  auto l_initiator = derive_l_initiator(b_i, BR, PR);
  ASSERT_TRUE(l_initiator.ok()) << l_initiator.error().str();
  EXPECT_EQ(hex_encode(*l_initiator), hex_encode(v.bytes("l_x")));
  auto l_responder = derive_l_responder(b_r, p_r, BI);
  ASSERT_TRUE(l_responder.ok()) << l_responder.error().str();
  EXPECT_EQ(hex_encode(*l_responder), hex_encode(v.bytes("l_x")));

  check_derivations(v, v.bytes("l_x"), point_x(BI));
}

TEST(DppDerive, SpecB2ResponderOnlyP256) {
  const Vector v = load("spec_b2_responder_only_p256.txt");
  ASSERT_EQ(v.values.at("curve"), "P-256");
  const crypto::PrivateKey b_r = private_key(v, "r_boot"), p_r = private_key(v, "r_proto");
  const crypto::PublicKey PI = p256_public(v.bytes("i_proto_public"));
  EXPECT_EQ(hex_encode(b_r.public_key().der_compressed()), hex_encode(v.bytes("r_boot_spki")));

  // The responder's side: M = bR*PI, N = pR*PI.
  EXPECT_EQ(hex_encode(b_r.derive(PI).value()), hex_encode(v.bytes("m_x")));
  EXPECT_EQ(hex_encode(p_r.derive(PI).value()), hex_encode(v.bytes("n_x")));

  // No L, no BI.x.
  check_derivations(v, Bytes{}, Bytes{});
}

// The two vectors share keys and nonces: what sets them apart is L.x in ke and BI.x in the tags,
// so a derivation that dropped either would pass neither.
TEST(DppDerive, MutualAndResponderOnlyDiffer) {
  const Vector b1 = load("spec_b1_mutual_p256.txt");
  const Vector b2 = load("spec_b2_responder_only_p256.txt");
  EXPECT_EQ(b1.bytes("m_x"), b2.bytes("m_x"));
  EXPECT_NE(b1.bytes("ke"), b2.bytes("ke"));
  EXPECT_NE(b1.bytes("r_auth"), b2.bytes("r_auth"));
  auto bk = derive_bk(Curve::kP256, b1.bytes("i_nonce"), b1.bytes("r_nonce"), b1.bytes("m_x"),
                      b1.bytes("n_x"), Bytes{});
  ASSERT_TRUE(bk.ok());
  EXPECT_EQ(hex_encode(derive_ke(Curve::kP256, *bk).value()), hex_encode(b2.bytes("ke")));
}

TEST(DppDerive, HashAndLengthsFollowTheCurve) {
  EXPECT_STREQ(hash_name(Curve::kP256), "SHA256");
  EXPECT_STREQ(hash_name(Curve::kP384), "SHA384");
  EXPECT_STREQ(hash_name(Curve::kP521), "SHA512");
  EXPECT_EQ(hash_len(Curve::kP256), 32u);
  EXPECT_EQ(hash_len(Curve::kP384), 48u);
  EXPECT_EQ(hash_len(Curve::kP521), 64u);
  EXPECT_EQ(hash(Curve::kP521, to_bytes("x")).size(), 64u);
  auto k = crypto::PrivateKey::generate(Curve::kP521).value();
  EXPECT_EQ(point_x(k.public_key()).size(), 66u);
  EXPECT_EQ(derive_k1(Curve::kP384, Bytes(48, 1)).value().size(), 48u);
}

}  // namespace
}  // namespace gh::proto::dpp
