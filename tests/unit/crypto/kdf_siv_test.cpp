#include "crypto/kdf_siv.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace gh::crypto {
namespace {

Bytes h(const std::string& hex) {
  return *hex_decode(hex);
}

TEST(Hkdf, Rfc5869TestCase1) {
  Bytes ikm(22, 0x0b);
  Bytes salt = h("000102030405060708090a0b0c");
  Bytes info = h("f0f1f2f3f4f5f6f7f8f9");
  auto prk = hkdf_extract("SHA256", salt, ikm);
  ASSERT_TRUE(prk.ok()) << prk.error().str();
  EXPECT_EQ(hex_encode(*prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  auto okm = hkdf("SHA256", salt, ikm, info, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(hex_encode(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // An absent salt means hash-length zeros (RFC 5869 2.2), which DPP's "<>" relies on.
  EXPECT_EQ(*hkdf_extract("SHA256", {}, ikm), *hkdf_extract("SHA256", Bytes(32, 0), ikm));
  EXPECT_EQ(hkdf_extract("SHA384", {}, ikm)->size(), 48u);
}

TEST(AesSiv, Rfc5297DeterministicExampleA1) {
  Bytes key = h("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Bytes ad = h("101112131415161718191a1b1c1d1e1f2021222324252627");
  Bytes pt = h("112233445566778899aabbccddee");
  auto out = aes_siv_encrypt(key, {ad}, pt);
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_EQ(hex_encode(*out), "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c");
  auto back = aes_siv_decrypt(key, {ad}, *out);
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_EQ(*back, pt);
}

TEST(AesSiv, Rfc5297NonceBasedExampleA2) {
  Bytes key =
      h("7f7e7d7c7b7a797877767574737271704041424344454647"
        "48494a4b4c4d4e4f");
  Bytes ad1 = h("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100");
  Bytes ad2 = h("102030405060708090a0");
  Bytes nonce = h("09f911029d74e35bd84156c5635688c0");
  Bytes pt =
      h("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d41"
        "4553");
  auto out = aes_siv_encrypt(key, {ad1, ad2, nonce}, pt);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(hex_encode(*out),
            "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f7"
            "48ba8af829ea64ad54"
            "4a272e9c485b62a3fd5c0d");
  EXPECT_EQ(*aes_siv_decrypt(key, {ad1, ad2, nonce}, *out), pt);
}

TEST(AesSiv, RefusesAnyChange) {
  Bytes key(32, 7), ad = to_bytes("header"), pt = to_bytes("configuration object");
  auto out = *aes_siv_encrypt(key, {ad}, pt);
  Bytes flipped = out;
  flipped.back() ^= 1;
  ASSERT_REFUSED(aes_siv_decrypt(key, {ad}, flipped), "crypto.siv");
  flipped = out;
  flipped[0] ^= 1;  // the synthetic IV itself
  ASSERT_REFUSED(aes_siv_decrypt(key, {ad}, flipped), "crypto.siv");
  ASSERT_REFUSED(aes_siv_decrypt(key, {to_bytes("other")}, out), "crypto.siv");
  ASSERT_REFUSED(aes_siv_decrypt(key, {ad, ad}, out), "crypto.siv");  // component count matters
  ASSERT_REFUSED(aes_siv_decrypt(Bytes(32, 8), {ad}, out), "crypto.siv");
  ASSERT_REFUSED(aes_siv_decrypt(key, {ad}, Bytes(10, 0)), "crypto.siv");
  ASSERT_REFUSED(aes_siv_encrypt(Bytes(16, 0), {}, pt), "crypto.siv");
  // 48- and 64-octet keys (P-384, P-521 curves in DPP).
  for (size_t n : {48u, 64u}) {
    auto o = aes_siv_encrypt(Bytes(n, 3), {ad}, pt);
    ASSERT_TRUE(o.ok()) << n;
    EXPECT_EQ(*aes_siv_decrypt(Bytes(n, 3), {ad}, *o), pt);
  }
}

// DPP's Configuration Result uses [hdr6, ""] as AD: the empty component must count (S2V folds in
// CMAC("")), so it differs from [hdr6] alone, and empty plaintext still authenticates.
TEST(AesSiv, ZeroLengthAdComponentCounts) {
  Bytes key(32, 5), h = {0x50, 0x6f, 0x9a, 0x1a, 0x01, 0x0b}, pt = to_bytes("status");
  auto with_empty = aes_siv_encrypt(key, {h, Bytes{}}, pt);
  ASSERT_TRUE(with_empty.ok()) << with_empty.error().str();
  auto without = aes_siv_encrypt(key, {h}, pt).value();
  EXPECT_NE(*with_empty, without);
  EXPECT_EQ(*aes_siv_decrypt(key, {h, Bytes{}}, *with_empty), pt);
  ASSERT_REFUSED(aes_siv_decrypt(key, {h}, *with_empty), "crypto.siv");
  auto empty_pt = aes_siv_encrypt(key, {h}, {}).value();
  EXPECT_EQ(empty_pt.size(), 16u);
  EXPECT_TRUE(aes_siv_decrypt(key, {h}, empty_pt).ok());
}

}  // namespace
}  // namespace gh::crypto
