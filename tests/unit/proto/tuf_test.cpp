// TUF metadata primitives: canonical JSON, keys, signatures and thresholds, path patterns.
#include "proto/tuf.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace gh::tuf {
namespace {

TEST(TufCanonicalJson, SortsKeysAndEscapesOnlyQuoteAndBackslash) {
  Json j = Json::parse(R"({"b": [1, true, null], "a": "x\"y\\z/é", "c": {"z": 1, "y": -2}})");
  auto c = canonical_json(j);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "{\"a\":\"x\\\"y\\\\z/é\",\"b\":[1,true,null],\"c\":{\"y\":-2,\"z\":1}}");
}

TEST(TufCanonicalJson, RefusesFloatsAndWritesControlCharactersRaw) {
  ASSERT_REFUSED(canonical_json(Json::parse(R"({"a": 1.5})")), "tuf.json");
  auto c = canonical_json(Json{{"a", std::string("x\ny")}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, std::string("{\"a\":\"x\ny\"}"));
}

TEST(TufKey, IdIsTheHashOfTheCanonicalKeyAndParsesBack) {
  auto priv = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto key = make_key(priv.public_key());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->json["keytype"], "ecdsa");
  EXPECT_EQ(key->json["scheme"], "ecdsa-sha2-nistp256");
  EXPECT_EQ(key->id.size(), 64u);
  auto back = parse_key(key->id, key->json);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->public_key == priv.public_key());
  Json ed = {{"keytype", "ed25519"}, {"scheme", "ed25519"}, {"keyval", {{"public", "00"}}}};
  ASSERT_REFUSED(parse_key("x", ed), "tuf.keytype");
}

struct Signed {
  std::vector<Signer> signers;
  RoleKeys role;
  std::map<std::string, Key> keys;
};

Signed make_role(int nkeys, int threshold) {
  Signed s;
  for (int i = 0; i < nkeys; ++i) {
    auto priv = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto key = *make_key(priv.public_key());
    s.role.keyids.push_back(key.id);
    s.keys[key.id] = key;
    s.signers.push_back({key, priv});
  }
  s.role.threshold = threshold;
  return s;
}

TEST(TufSignatures, ThresholdCountsDistinctValidKeysOfTheRole) {
  auto r = make_role(3, 2);
  Json body{{"_type", "targets"}, {"version", 1}};
  auto one = *sign_metadata(body, {&r.signers[0]});
  auto env1 = *parse_envelope(one);
  ASSERT_REFUSED(verify_role(env1, r.role, r.keys, "targets"), "tuf.signature");
  // The same key's signature twice still counts once.
  auto twice = *sign_metadata(body, {&r.signers[0], &r.signers[0]});
  ASSERT_REFUSED(verify_role(*parse_envelope(twice), r.role, r.keys, "targets"), "tuf.signature");
  auto two = *sign_metadata(body, {&r.signers[0], &r.signers[2]});
  EXPECT_TRUE(verify_role(*parse_envelope(two), r.role, r.keys, "targets").ok());
  // A key outside the role does not count, even if it signed correctly.
  auto other = make_role(1, 1);
  auto mixed = *sign_metadata(body, {&r.signers[0], &other.signers[0]});
  auto all_keys = r.keys;
  all_keys.insert(other.keys.begin(), other.keys.end());
  ASSERT_REFUSED(verify_role(*parse_envelope(mixed), r.role, all_keys, "targets"), "tuf.signature");
}

// One key listed under two key IDs counts once (go-tuf GHSA-3633-5h82-39pq).
TEST(TufSignatures, OneKeyUnderTwoIdsCountsOnce) {
  auto r = make_role(1, 1);
  const auto& key = r.keys.begin()->second;
  Key alias = key;
  alias.id = "alias";
  r.keys["alias"] = alias;
  r.role.keyids.push_back("alias");
  r.role.threshold = 2;
  Signer as_alias{alias, r.signers[0].private_key};
  auto text = *sign_metadata(Json{{"_type", "root"}}, {&r.signers[0], &as_alias});
  ASSERT_REFUSED(verify_role(*parse_envelope(text), r.role, r.keys, "root"), "tuf.signature");
}

TEST(TufSignatures, AChangedSignedPartBreaksTheSignature) {
  auto r = make_role(1, 1);
  auto text = *sign_metadata(Json{{"_type", "targets"}, {"version", 1}}, {&r.signers[0]});
  auto j = Json::parse(text);
  j["signed"]["version"] = 2;
  ASSERT_REFUSED(verify_role(*parse_envelope(j.dump()), r.role, r.keys, "targets"),
                 "tuf.signature");
}

TEST(TufMetadata, WrongTypeAndSpecVersionAreRefused) {
  Json s{{"_type", "snapshot"},
         {"spec_version", "1.0.31"},
         {"version", 1},
         {"expires", "2030-01-01T00:00:00Z"},
         {"meta", {{"snapshot.json", {{"version", 1}}}}}};
  ASSERT_REFUSED(parse_timestamp(s), "tuf.type");
  s["_type"] = "timestamp";
  s["spec_version"] = "2.0.0";
  ASSERT_REFUSED(parse_timestamp(s), "tuf.spec");
  s["spec_version"] = "1.0.0";
  EXPECT_TRUE(parse_timestamp(s).ok());
  s["version"] = 0;
  ASSERT_REFUSED(parse_timestamp(s), "tuf.json");
}

TEST(TufPaths, PatternsMatchWithinSegments) {
  EXPECT_TRUE(path_matches("modela/*", "modela/app.bin"));
  EXPECT_FALSE(path_matches("modela/*", "modela/1.0/app.bin"));
  EXPECT_TRUE(path_matches("modela/*/*", "modela/1.0/app.bin"));
  EXPECT_TRUE(path_matches("*/1.?/app.bin", "modela/1.0/app.bin"));
  EXPECT_FALSE(path_matches("modelb/*/*", "modela/1.0/app.bin"));
  EXPECT_EQ(hashed_target_name("m/1.0/app.bin", "ab"), "m/1.0/ab.app.bin");
  EXPECT_EQ(versioned_name(3, "snapshot"), "3.snapshot.json");
}

TEST(TufHashes, LengthAndHashAreBothChecked) {
  std::map<std::string, std::string> h{
      {"sha256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}};
  EXPECT_TRUE(check_length_and_hashes("hello", 5, h, "t").ok());
  ASSERT_REFUSED(check_length_and_hashes("hellO", 5, h, "t"), "tuf.hash");
  ASSERT_REFUSED(check_length_and_hashes("hello!", 5, h, "t"), "tuf.length");
  ASSERT_REFUSED(check_length_and_hashes("hello", 5, {{"md5", "x"}}, "t"), "tuf.hash");
}

}  // namespace
}  // namespace gh::tuf
