// Constant-time comparison and secure zeroing: the answers (the timing is OpenSSL's to keep).
#include "crypto/ct.h"

#include <gtest/gtest.h>

#include <array>

namespace gh::crypto {
namespace {

TEST(CtEqual, SameOctetsAreEqual) {
  EXPECT_TRUE(ct_equal(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
  EXPECT_TRUE(ct_equal(Bytes{}, Bytes{}));
  EXPECT_TRUE(ct_equal(std::string_view("abc"), std::string_view("abc")));
}

TEST(CtEqual, AnyDifferenceIsUnequal) {
  EXPECT_FALSE(ct_equal(Bytes{1, 2, 3}, Bytes{0, 2, 3}));  // first octet
  EXPECT_FALSE(ct_equal(Bytes{1, 2, 3}, Bytes{1, 2, 4}));  // last octet
  EXPECT_FALSE(ct_equal(Bytes{1, 2, 3}, Bytes{1, 2}));     // a prefix is not equal
  EXPECT_FALSE(ct_equal(Bytes{}, Bytes{0}));
  EXPECT_FALSE(ct_equal(std::string_view("abc"), std::string_view("abd")));
  EXPECT_FALSE(ct_equal(std::string_view("abc"), std::string_view("abcd")));
}

TEST(SecureZero, WipesTheBuffer) {
  std::array<uint8_t, 5> a{9, 8, 7, 6, 5};
  secure_zero(a.data(), a.size());
  EXPECT_EQ(a, (std::array<uint8_t, 5>{}));
  secure_zero(nullptr, 0);  // nothing to do, no crash
}

TEST(SecureZero, EmptiesBytesAndStrings) {
  Bytes b{1, 2, 3};
  secure_zero(b);
  EXPECT_TRUE(b.empty());
  std::string s = "secret";
  secure_zero(s);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace gh::crypto
