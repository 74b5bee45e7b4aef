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

// MUD files others published (tests/vectors/mud/field, origins in its README): each is decided
// as expected.txt says (plain, legacy, or refused with its first check), and every one accepted
// compiles to rules for every entry it has.
TEST(MudField, PublishedFilesAreDecidedAsRecorded) {
  std::ifstream in(std::string(GH_VECTORS_DIR) + "/mud/field/expected.txt");
  ASSERT_TRUE(in.good());
  std::string line;
  int files = 0, accepted = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string want = line.substr(0, line.find(' ')), path = line.substr(line.find(' ') + 1);
    std::string text = vector_file("field/" + path);
    ASSERT_FALSE(text.empty()) << path;
    ++files;
    std::vector<Problem> plain, legacy;
    parse(text, {}, &plain);
    File f = parse(text, {true}, &legacy);
    if (want == "plain") {
      EXPECT_TRUE(plain.empty()) << path << ": " << plain.front().path << " " << plain.front().code;
    } else if (want == "legacy") {
      EXPECT_FALSE(plain.empty()) << path << " needs no rewrite";
      EXPECT_TRUE(legacy.empty()) << path << ": " << legacy.front().path << " "
                                  << legacy.front().code << " " << legacy.front().message;
    } else {
      ASSERT_EQ(want.rfind("refused:", 0), 0u) << line;
      ASSERT_FALSE(legacy.empty()) << path << " accepted";
      EXPECT_EQ(legacy.front().code, want.substr(8)) << path << ": " << legacy.front().message;
      continue;
    }
    ++accepted;
    // Nothing dropped: each direction's chain holds at least a rule per entry of the ACLs its
    // policy names (one per address family the entry applies to).
    auto entries_of = [&](const std::vector<std::string>& names) {
      size_t n = 0;
      for (const auto& name : names) n += f.acls.count(name) ? f.acls.at(name).aces.size() : 0;
      return n;
    };
    auto c = proto::mud::compile(f, "dev");
    EXPECT_GE(c.from_rules.size(), entries_of(f.from_device)) << path;
    EXPECT_GE(c.to_rules.size(), entries_of(f.to_device)) << path;
  }
  EXPECT_GE(files, 60);
  EXPECT_GE(accepted, 50);
}

TEST(Mud, DraftFormsAreRewrittenOrRefusedNeverEmptied) {
  // draft-ietf-netmod-acl-model names: acl-name, acl-type, access-list-entries, rule-name,
  // <family>-acl matches, *-port-range, permit.
  std::string draft = R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://x.example/m.json",
    "last-update":"2018-01-23T13:33:52+01:00","cache-validity":48,"is-supported":"true",
    "systeminfo":"a lightbulb","from-device-policy":{"access-lists":{"access-list":[
      {"acl-name":"fr","acl-type":"ipv6-acl"}]}}},
    "ietf-access-control-list:access-lists":{"acl":[{"acl-name":"fr","acl-type":"ipv6-acl",
      "access-list-entries":{"ace":[{"rule-name":"cloud","matches":{"ipv6-acl":{
        "ietf-acldns:dst-dnsname":"svc.x.example","protocol":6,
        "destination-port-range":{"lower-port":443,"upper-port":443}}},
        "actions":{"permit":[null]}}]}}]}})";
  std::vector<Problem> plain, legacy;
  parse(draft, {}, &plain);
  EXPECT_FALSE(plain.empty());
  File f = parse(draft, {true}, &legacy);
  ASSERT_TRUE(legacy.empty()) << legacy.front().path << " " << legacy.front().message;
  ASSERT_EQ(f.acls.count("fr"), 1u);
  ASSERT_EQ(f.acls["fr"].aces.size(), 1u);
  const auto& ace = f.acls["fr"].aces[0];
  EXPECT_EQ(ace.name, "cloud");
  EXPECT_TRUE(ace.accept);
  EXPECT_EQ(ace.l4, "tcp");
  ASSERT_TRUE(ace.dst_port);
  EXPECT_EQ(ace.dst_port->lower, 443);
  EXPECT_EQ(f.acls["fr"].type, "ipv6-acl-type");
  bool named = false;
  for (const auto& w : f.warnings) named |= w.message.find("rule-name") != std::string::npos;
  EXPECT_TRUE(named) << "each rewrite is named";

  // A form the rewrite does not know: the entries would be lost, so the file is refused.
  std::string unknown = draft;
  unknown.replace(unknown.find("access-list-entries"), 19, "access-list-entryz");
  std::vector<Problem> lost;
  parse(unknown, {true}, &lost);
  EXPECT_TRUE(has(lost, "/ietf-access-control-list:acls", "mud.legacy"));
}

TEST(Mud, LenientWhereTheRfcIsAndStrictWhereIgnoringWidens) {
  Json j = Json::parse(vector_file("rfc8520-example.json"));
  auto& acl = j["ietf-access-control-list:acls"]["acl"][0];
  acl.erase("type");                                       // optional in RFC 8519: inferred
  j["ietf-mud:mud"]["systeminfo"] = std::string(70, 's');  // SHOULD NOT: a warning
  std::vector<Problem> problems;
  File f = parse(j.dump(), {}, &problems);
  EXPECT_TRUE(problems.empty()) << problems.front().path << " " << problems.front().message;
  EXPECT_EQ(f.acls[acl["name"].get<std::string>()].type, "ipv4-acl-type");
  bool warned = false;
  for (const auto& w : f.warnings) warned |= w.code == "mud.systeminfo";
  EXPECT_TRUE(warned);

  // A match field we do not know (a misspelt one, seen in the field) would widen the entry.
  Json k = Json::parse(vector_file("rfc8520-example.json"));
  auto& m = k["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["ipv4"];
  m["ietf-acldns:s:qrc-dnsname"] = m["ietf-acldns:dst-dnsname"];
  m.erase("ietf-acldns:dst-dnsname");
  problems.clear();
  parse(k.dump(), {}, &problems);
  EXPECT_TRUE(has(problems,
                  "/ietf-access-control-list:acls/acl/0/aces/ace/0/matches/ipv4/"
                  "ietf-acldns:s:qrc-dnsname",
                  "mud.match"));
  // An IPv4 literal in an IPv6 field names the family; a bare address is one host.
  Json v = Json::parse(vector_file("rfc8520-example.json"));
  auto& ace = v["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"];
  ace.erase("ipv4");
  ace["ipv6"] = Json{{"protocol", 6}, {"destination-ipv6-network", "192.0.2.1"}};
  v["ietf-access-control-list:acls"]["acl"][0]["type"] = "ipv6-acl-type";
  problems.clear();
  parse(v.dump(), {}, &problems);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().message.find("IPv4 prefix in an IPv6 field"), std::string::npos)
      << problems.front().message;
  ace["ipv6"]["destination-ipv6-network"] = "2001:db8::1";
  problems.clear();
  File host = parse(v.dump(), {}, &problems);
  EXPECT_TRUE(problems.empty()) << problems.front().message;
  EXPECT_EQ(host.acls.begin()->second.aces[0].dst_network, "2001:db8::1/128");
}

}  // namespace
}  // namespace gh::codec::mud
