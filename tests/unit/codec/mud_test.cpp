// MUD files: every RFC 8520 constraint is reported with its JSON path; legacy forms are rewritten
// only with --legacy and each rewrite is named; the compiler emits rules for every match kind.
#include "codec/mud.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "proto/mud_nft.h"
#include "test_util.h"

namespace gh::codec::mud {
namespace {

std::string vector_file(const std::string& name) {
  std::ifstream in(std::string(GH_VECTORS_DIR) + "/mud/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has(const std::vector<Problem>& ps, const std::string& path, const std::string& code) {
  for (const auto& p : ps)
    if (p.path == path && p.code == code) return true;
  return false;
}

TEST(Mud, Rfc8520ExampleIsValid) {
  std::vector<Problem> problems;
  File f = parse(vector_file("rfc8520-example.json"), {}, &problems);
  ASSERT_TRUE(problems.empty()) << problems[0].path << ": " << problems[0].message;
  EXPECT_EQ(f.mud_url, "https://iot.example.com/mx.json");
  EXPECT_EQ(f.cache_validity, 48);
  ASSERT_EQ(f.from_device.size(), 1u);
  const Acl& fr = f.acls.at("mx-v4fr");
  ASSERT_EQ(fr.aces.size(), 3u);
  EXPECT_EQ(fr.aces[0].dst_dnsname, "cloud.example.com");
  EXPECT_EQ(fr.aces[0].dst_port->port, 443);
  EXPECT_EQ(fr.aces[0].direction_initiated, "from-device");
  EXPECT_TRUE(fr.aces[1].same_manufacturer);
  EXPECT_EQ(fr.aces[2].controller, "urn:ietf:params:mud:ntp");
}

TEST(Mud, EveryProblemIsListedByPath) {
  std::vector<Problem> problems;
  parse(vector_file("bad.json"), {}, &problems);
  const std::string m = "/ietf-mud:mud", a = "/ietf-access-control-list:acls/acl/";
  EXPECT_TRUE(has(problems, m + "/mud-version", "mud.version"));
  EXPECT_TRUE(has(problems, m + "/mud-url", "mud.url"));
  EXPECT_TRUE(has(problems, m + "/cache-validity", "mud.cache-validity"));
  EXPECT_TRUE(has(problems, m + "/is-supported", "mud.is-supported"));
  EXPECT_TRUE(
      has(problems, m + "/from-device-policy/access-lists/access-list/1/name", "mud.reference"));
  EXPECT_TRUE(
      has(problems, m + "/from-device-policy/access-lists/access-list/0/name", "mud.dnsname"));
  EXPECT_TRUE(
      has(problems, m + "/to-device-policy/access-lists/access-list/0/name", "mud.dnsname"));
  EXPECT_TRUE(has(problems, a + "0/aces/ace/0/matches", "mud.protocol"));  // 17 with tcp
  EXPECT_TRUE(has(problems, a + "0/aces/ace/0/matches/tcp/destination-port/port", "mud.port"));
  EXPECT_TRUE(has(problems, a + "0/aces/ace/1/name", "mud.duplicate"));
  EXPECT_TRUE(has(problems, a + "0/aces/ace/1/matches/ipv6", "mud.acl-type"));
  EXPECT_TRUE(has(problems, a + "0/aces/ace/1/actions/forwarding", "mud.action"));
  EXPECT_GE(problems.size(), 12u);
  // The strict reader refuses with the first problem's code.
  ASSERT_REFUSED(parse_strict(vector_file("bad.json")), "mud.version");
}

TEST(Mud, LegacyFormsNeedTheLegacyMode) {
  std::vector<Problem> strict;
  parse(vector_file("legacy.json"), {}, &strict);
  bool legacy_named = false;
  for (const auto& p : strict) legacy_named |= p.code == "mud.legacy";
  EXPECT_TRUE(legacy_named);

  std::vector<Problem> problems;
  File f = parse(vector_file("legacy.json"), {true}, &problems);
  ASSERT_TRUE(problems.empty()) << problems[0].path << ": " << problems[0].message;
  // Each rewrite is reported.
  std::string all;
  for (const auto& w : f.warnings) all += w.message + "\n";
  EXPECT_NE(all.find("no mud-version"), std::string::npos) << all;
  EXPECT_NE(all.find("moved ACLs inlined"), std::string::npos) << all;
  EXPECT_NE(all.find("rewrote type 'ipv4'"), std::string::npos) << all;
  EXPECT_NE(all.find("moved actions out of matches"), std::string::npos) << all;
  EXPECT_NE(all.find("same-manufacturer"), std::string::npos) << all;
  EXPECT_NE(all.find("direction-initiated under udp"), std::string::npos) << all;
  EXPECT_TRUE(f.acls.at("fr").aces[0].same_manufacturer);
}

TEST(Mud, UnknownNodesAreIgnoredWithAWarning) {
  std::string text = vector_file("rfc8520-example.json");
  text.insert(text.find("\"mud-version\""), "\"vendor-thing\":{\"x\":1},");
  std::vector<Problem> problems;
  File f = parse(text, {}, &problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_FALSE(f.warnings.empty());
  EXPECT_EQ(f.warnings[0].path, "/ietf-mud:mud/vendor-thing");
}

TEST(Mud, OversizedOrDeepFilesAreOneSizeProblem) {
  std::vector<Problem> problems;
  std::string big = "{\"x\": \"" + std::string(kMaxMudBytes, 'a') + "\"}";
  (void)parse(big, {}, &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "mud.size");
  problems.clear();
  std::string deep = "{\"x\": " + std::string(40, '[') + std::string(40, ']') + "}";
  (void)parse(deep, {}, &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "mud.size");
  auto strict = parse_strict(big);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, "mud.size");
}

TEST(MudCompile, RulesForEachMatch) {
  std::vector<Problem> problems;
  File f = parse(vector_file("rfc8520-example.json"), {}, &problems);
  auto c = proto::mud::compile(f, "dev7");
  EXPECT_EQ(c.from_chain, "dev7_fr");
  ASSERT_GE(c.from_rules.size(), 4u);
  EXPECT_NE(c.from_rules[0].find("tcp dport 443 return"), std::string::npos) << c.from_rules[0];
  EXPECT_NE(c.from_rules[0].find("ip daddr @dns_"), std::string::npos);
  // The to-device ACE was initiated by the device: only established flows.
  EXPECT_NE(c.to_rules[0].find("tcp sport 443 ct state established,related return"),
            std::string::npos)
      << c.to_rules[0];
  EXPECT_NE(c.from_rules.back().find("reject"), std::string::npos);
  EXPECT_NE(c.to_rules.back().find("reject"), std::string::npos);
  bool dns_set = false, mfr_set = false;
  for (const auto& s : c.sets) {
    dns_set |= s.kind == "dns" && s.key == "cloud.example.com";
    mfr_set |= s.kind == "manufacturer" && s.key == "iot.example.com";
  }
  EXPECT_TRUE(dns_set);
  EXPECT_TRUE(mfr_set);
}

// The RFC 8520 example with its first ACE's matches.ipv4 member `key` set to `value`.
std::string example_with(const std::string& key, const Json& value) {
  Json j = Json::parse(vector_file("rfc8520-example.json"));
  Json& ace = j["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0];
  ace["matches"]["ipv4"].erase("ietf-acldns:dst-dnsname");
  ace["matches"]["ipv4"][key] = value;
  return j.dump();
}

TEST(Mud, NetworksArePrefixesOfTheirFamily) {
  // Found by fuzzing: any text with a '/' passed, and went into the nft rules as it was.
  const std::string path =
      "/ietf-access-control-list:acls/acl/0/aces/ace/0/matches/ipv4/destination-ipv4-network";
  for (const char* bad : {"0.0.0.0/0 accept; flush ruleset; add rule inet x y ip daddr 1.2.3.4/32",
                          "2001:db8::/32", "192.0.2.0/33", "192.0.2.0/", "example.com/24"}) {
    std::vector<Problem> problems;
    parse(example_with("destination-ipv4-network", bad), {}, &problems);
    EXPECT_TRUE(has(problems, path, "mud.network")) << bad;
  }
  std::vector<Problem> problems;
  File f = parse(example_with("destination-ipv4-network", "192.0.2.0/24"), {}, &problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(f.has_ip_literals);
}

TEST(MudCompile, AnAceNameStaysInsideItsComment) {
  // Found by fuzzing: a quote in an ACE name ended the comment and the rest became nft syntax.
  Json j = Json::parse(vector_file("rfc8520-example.json"));
  j["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["name"] =
      "x\" accept comment \"y\nz";
  std::vector<Problem> problems;
  File f = parse(j.dump(), {}, &problems);
  ASSERT_TRUE(problems.empty());
  auto c = proto::mud::compile(f, "dev7");
  ASSERT_FALSE(c.from_rules.empty());
  EXPECT_EQ(c.from_rules[0].substr(c.from_rules[0].find(" comment ")),
            " comment \"x' accept comment 'y z\"");
}

}  // namespace
}  // namespace gh::codec::mud
