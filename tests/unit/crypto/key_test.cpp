#include "crypto/key.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "test_util.h"

namespace gh::crypto {
namespace {

class KeyTest : public ::testing::TestWithParam<Curve> {};

TEST_P(KeyTest, SignVerifyDerAndRaw) {
  auto key = PrivateKey::generate(GetParam());
  ASSERT_TRUE(key.ok());
  Bytes msg = to_bytes("trusted onboarding");
  auto sig = key->sign(msg);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key->public_key().verify(msg, *sig).ok());
  auto raw = key->sign_raw(msg);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), 2 * prime_len(GetParam()));
  EXPECT_TRUE(key->public_key().verify_raw(msg, *raw).ok());
  Bytes other = to_bytes("trusted onboardinG");
  ASSERT_REFUSED(key->public_key().verify(other, *sig), "crypto.signature");
  ASSERT_REFUSED(key->public_key().verify_raw(other, *raw), "crypto.signature");
  (*raw)[0] ^= 1;
  ASSERT_REFUSED(key->public_key().verify_raw(msg, *raw), "crypto.signature");
}

TEST_P(KeyTest, SpkiRoundTripsUncompressedAndCompressed) {
  auto key = PrivateKey::generate(GetParam());
  ASSERT_TRUE(key.ok());
  PublicKey pub = key->public_key();
  Bytes der = pub.der();
  auto back = PublicKey::from_der(der);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == pub);
  EXPECT_EQ(back->der(), der);
  Bytes compressed = pub.der_compressed();
  EXPECT_LT(compressed.size(), der.size());
  auto from_compressed = PublicKey::from_der(compressed);  // through OpenSSL's decoder
  ASSERT_TRUE(from_compressed.ok());
  EXPECT_EQ(from_compressed->der(), der);
  EXPECT_EQ(*back->curve(), GetParam());
}

TEST_P(KeyTest, Pkcs8ExportLoadsBackAsTheSameKey) {
  auto key = PrivateKey::generate(GetParam());
  ASSERT_TRUE(key.ok());
  auto pem = key->export_pkcs8_pem();
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->reveal().rfind("-----BEGIN "
                                "PRIVATE KEY-----\n",
                                0),
            0u);
  auto loaded = PrivateKey::from_pem(pem->reveal());
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->public_key() == key->public_key());
  auto sig = loaded->sign(to_bytes("x"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key->public_key().verify(to_bytes("x"), *sig).ok());
}

INSTANTIATE_TEST_SUITE_P(Curves, KeyTest,
                         ::testing::Values(Curve::kP256, Curve::kP384, Curve::kP521));

TEST(Key, EcdhAgreesBothWays) {
  auto a = PrivateKey::generate(Curve::kP256);
  auto b = PrivateKey::generate(Curve::kP256);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ab = a->derive(b->public_key());
  auto ba = b->derive(a->public_key());
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(*ab, *ba);
  EXPECT_EQ(ab->size(), 32u);
}

TEST(Key, RejectsGarbageAndPointsOffTheCurve) {
  ASSERT_REFUSED(PublicKey::from_der(to_bytes("not a key")), "crypto.key");
  auto key = PrivateKey::generate(Curve::kP256);
  ASSERT_TRUE(key.ok());
  Bytes der = key->public_key().der();
  der.back() ^= 0x01;  // the point leaves the curve
  ASSERT_REFUSED(PublicKey::from_der(der), "crypto.key");
  Bytes trailing = key->public_key().der_compressed();
  trailing.push_back(0);
  ASSERT_REFUSED(PublicKey::from_der(trailing), "crypto.key");
  ASSERT_REFUSED(PrivateKey::from_pem("-----BEGIN "
                                      "PRIVATE KEY-----\nAAAA\n-----END "
                                      "PRIVATE KEY-----\n"),
                 "crypto.key");
  ASSERT_REFUSED(parse_curve("P-192"), "crypto.curve");
}

TEST(Digest, KnownAnswers) {
  // FIPS 180-2 "abc".
  EXPECT_EQ(hex_encode(sha256(to_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(hmac_sha256(to_bytes("Jefe"), to_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(random_bytes(16), random_bytes(16));
}

}  // namespace
}  // namespace gh::crypto
