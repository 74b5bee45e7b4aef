#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "common/utf8.h"
#include "test_util.h"

namespace gh {
namespace {

TEST(Encoding, Base64RoundTripAndRfc4648Vectors) {
  // RFC 4648 section 10 test vectors.
  EXPECT_EQ(base64_encode(to_bytes("")), "");
  EXPECT_EQ(base64_encode(to_bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(to_bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(to_bytes("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(to_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(to_string(*base64_decode("Zm9vYg==")), "foob");
  EXPECT_EQ(to_string(*base64_decode("Zm9v\nYmE")), "fooba");  // lenient: whitespace, no pad
  ASSERT_REFUSED(base64_decode("Zm9v*"), "encoding.base64");
  ASSERT_REFUSED(base64_decode("Z"), "encoding.base64");
}

TEST(Encoding, Base64UrlAndHex) {
  Bytes b = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64url_encode(b), "-__-");
  EXPECT_EQ(*base64url_decode("-__-"), b);
  ASSERT_REFUSED(base64url_decode("+//+"), "encoding.base64");
  EXPECT_EQ(hex_encode(b), "fbfffe");
  EXPECT_EQ(*hex_decode("FB:FF:fe"), b);
  ASSERT_REFUSED(hex_decode("abc"), "encoding.hex");
  ASSERT_REFUSED(hex_decode("zz"), "encoding.hex");
}

TEST(Encoding, Utf8Rfc3629) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("gatehouse"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"));  // é € U+1F511
  EXPECT_FALSE(valid_utf8("\xbb"));                                      // a lone continuation
  EXPECT_FALSE(valid_utf8("\xc3"));                                      // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                                  // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                              // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));                          // past U+10FFFF
}

TEST(Encoding, DerFromAnyRefusesAnEmptyPemBlock) {
  auto r = der_from_any("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "est.body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "est.body");
  auto ok = der_from_any("-----BEGIN X-----\nMAA=\n-----END X-----\n", "est.body");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (Bytes{0x30, 0x00}));
}

TEST(Json, ANumberOutOfRangeIsRefusedNotThrown) {
  // nlohmann reports it as out_of_range, which once escaped parse_json and ended the process.
  auto r = parse_json(R"({"expiry":1e999})", "dpp.connector");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "dpp.connector.json");
  auto bad = parse_json("{", "voucher");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "voucher.json");
}

TEST(Time, Rfc3339WriteStrictReadLenient) {
  EXPECT_EQ(time::format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(time::format_rfc3339(time::from_civil(9999, 12, 31, 23, 59, 59)),
            "9999-12-31T23:59:59Z");
  auto base = time::from_civil(2016, 10, 7, 19, 31, 42);
  EXPECT_EQ(*time::parse_rfc3339("2016-10-07T19:31:42Z"), base);
  EXPECT_EQ(*time::parse_rfc3339("2016-10-07t19:31:42.123456z"), base);
  EXPECT_EQ(*time::parse_rfc3339("2016-10-07T21:31:42+02:00"), base);
  EXPECT_EQ(*time::parse_rfc3339("2016-10-07T18:01:42-01:30"), base);
  EXPECT_EQ(*time::parse_rfc3339("2016-10-07"), time::from_civil(2016, 10, 7));
  ASSERT_REFUSED(time::parse_rfc3339("2016-10-07T19:31:42"), "time.format");  // zone required
  ASSERT_REFUSED(time::parse_rfc3339("2016-13-07T19:31:42Z"), "time.format");
  ASSERT_REFUSED(time::parse_rfc3339("yesterday"), "time.format");
  ASSERT_REFUSED(time::parse_rfc3339("garbage"), "time.format");
}

}  // namespace
}  // namespace gh
