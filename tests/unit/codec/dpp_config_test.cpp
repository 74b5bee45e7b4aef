#include <gtest/gtest.h>

#include "codec/dpp.h"

namespace gh::codec::dpp {
namespace {

Result<ConfigObject> with_ssid64(const Bytes& ssid) {
  Json j{{"wi-fi_tech", "infra"},
         {"discovery", {{"ssid64", base64url_encode(ssid)}}},
         {"cred", {{"akm", "psk"}, {"pass", "12345678"}}}};
  return ConfigObject::parse(to_bytes(j.dump()));
}

TEST(DppConfigObject, Ssid64MustDecodeToUtf8) {
  auto ok = with_ssid64(to_bytes("caf\xc3\xa9"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->ssid, "caf\xc3\xa9");
  // Found by fuzzing: these octets reached network.json, whose writer threw on them.
  auto bad = with_ssid64({0x72, 0xbb, 0x6f});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "dpp.config-object");
}

}  // namespace
}  // namespace gh::codec::dpp
