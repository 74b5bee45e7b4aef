#include "codec/dpp_uri.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/key.h"

namespace gh::codec {
namespace {

TEST(DppUri, VectorsFromFile) {
  std::ifstream in(std::string(GH_VECTORS_DIR) + "/dpp/uris.txt");
  ASSERT_TRUE(in.good());
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto bar = line.find('|');
    std::string want = line.substr(0, bar), uri = line.substr(bar + 1);
    auto parsed = DppUri::parse(uri);
    EXPECT_EQ(parsed.ok(), want == "ok")
        << uri << (parsed.ok() ? "" : " -> " + parsed.error().message);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, "dpp.uri");
    }
    ++cases;
  }
  EXPECT_GE(cases, 12);
}

TEST(DppUri, WritesHostapdLayoutAndRoundTrips) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  DppUri u;
  u.channels = "81/1,6,11";
  u.mac = "0a0b0c0d0e0f";
  u.version = 2;
  u.key = key.public_key().der_compressed();
  std::string text = u.to_string();
  EXPECT_EQ(text.rfind("DPP:C:81/1,6,11;M:0a0b0c0d0e0f;V:2;K:", 0), 0u);
  EXPECT_EQ(text.substr(text.size() - 2), ";;");
  EXPECT_EQ(u.key.size(), 59u);  // compressed P-256 SPKI
  auto back = DppUri::parse(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->key, u.key);
  EXPECT_EQ(back->mac, u.mac);
  EXPECT_EQ(back->version, 2);
  EXPECT_EQ(back->key_hash().size(), 32u);
}

TEST(DppUri, FirstOccurrenceWins) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  std::string k = base64_encode(key.public_key().der_compressed());
  auto u = DppUri::parse("DPP:I:first;I:second;K:" + k + ";;");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->info, "first");
  EXPECT_EQ(u->version, 1);  // V: absent
}

}  // namespace
}  // namespace gh::codec
