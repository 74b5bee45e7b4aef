// The authorization policy: first matching rule wins, fields AND, values OR (globs), the default
// otherwise; a file with any error is refused whole, naming the YAML path.
#include "proto/policy.h"

#include <gtest/gtest.h>

namespace gh::proto::policy {
namespace {

const char* kPolicy = R"(
default:
  action: deny
  segment: quarantine
rules:
  - name: no-old-firmware-models
    match: {model: legacy-*}
    action: deny
  - name: sensors
    match:
      manufacturer: [Acme, "Acme Sensors"]
      owner: Example Hospital
      mud: present
    action: allow
    segment: sensors
  - name: cameras-by-dpp
    match: {model: "cam-?", protocol: dpp}
    action: allow
    segment: cameras
)";

Subject device(std::string manufacturer, std::string model, std::string protocol) {
  Subject s;
  s.serial = "X-1";
  s.manufacturer = std::move(manufacturer);
  s.model = std::move(model);
  s.protocol = std::move(protocol);
  s.owner = "Example Hospital";
  s.mud_url = "https://mud.example/x.json";
  return s;
}

TEST(Policy, FirstMatchWinsElseDefault) {
  auto p = Policy::parse_yaml(kPolicy, "test").value();
  auto d = evaluate(p, device("Acme", "th-100", "brski"));
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, "sensors");
  EXPECT_EQ(d.segment, "sensors");
  d = evaluate(p, device("Acme", "legacy-7", "brski"));  // denied before "sensors" can match
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "no-old-firmware-models");
  d = evaluate(p, device("Other", "cam-1", "dpp"));
  EXPECT_EQ(d.rule, "cameras-by-dpp");
  d = evaluate(p, device("Other", "cam-1", "brski"));  // protocol does not match
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, "default");
  EXPECT_EQ(d.segment, "quarantine");
  Subject no_mud = device("Acme", "th-100", "brski");
  no_mud.mud_url.clear();
  EXPECT_EQ(evaluate(p, no_mud).rule, "default");
}

TEST(Policy, BuiltinAllows) {
  auto d = evaluate(Policy::builtin(), device("Any", "any", "dpp"));
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.segment, "default");
}

TEST(Policy, ErrorsNameTheYamlPath) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"rules:\n  - name: a\n    action: maybe\n", "/rules/0/action"},
      {"rules:\n  - name: a\n    action: allow\n    match: {colour: red}\n",
       "/rules/0/match/colour"},
      {"rules:\n  - name: a\n    action: allow\n  - name: a\n    action: deny\n", "/rules/1/name"},
      {"rules:\n  - name: a\n    action: allow\n    segment: 'bad segment'\n", "/rules/0/segment"},
      {"rules:\n  - name: a\n    action: allow\n    match: {mud: sometimes}\n",
       "/rules/0/match/mud"},
      {"default: {action: allow}\nextra: 1\n", "/extra"},
      {"mud:\n  controllers:\n    \"urn:x\": [10.0.0.300]\n", "/mud/controllers/urn:x"},
      {"mud:\n  my-controllers:\n    \"https://m/x.json\": [\"fe80::1/64\"]\n",
       "/mud/my-controllers/https://m/x.json"},
      {"mud:\n  controler: {}\n", "/mud/controler"},
      {"mud:\n  overlay:\n    - {name: a, action: deny, to: [10.0.0.0/33]}\n", "/mud/overlay/0/to"},
      {"mud:\n  overlay:\n    - {name: a, action: deny, to: 10.0.0.1, port: 80}\n",
       "/mud/overlay/0/port"},
      {"mud:\n  overlay:\n    - {name: a, action: deny}\n", "/mud/overlay/0/to"},
      {"mud:\n  overlay:\n    - {name: a, action: deny, to: 10.0.0.1, direction: up}\n",
       "/mud/overlay/0/direction"},
      {"quarantine:\n  reach:\n    - {name: u, action: allow, to: 10.0.0.1}\n",
       "/quarantine/reach/0/action"},
      {"quarantine:\n  reach:\n    - {name: u, to: 10.0.0.1, port: 80}\n",
       "/quarantine/reach/0/port"},
      {"quarantine:\n  reach: 10.0.0.1\n", "/quarantine/reach"},
      {"quarantine:\n  segment: q\n", "/quarantine/segment"},
      {"rules: [", ""},
  };
  for (const auto& c : cases) {
    auto r = Policy::parse_yaml(c.yaml, "test");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.error().code, "policy.file");
    EXPECT_NE(r.error().message.find(c.path), std::string::npos) << r.error().message;
  }
}

TEST(Policy, AnEmptyPolicyIsRefusedAndDenyingAllIsSaidOutright) {
  for (const char* empty : {"{}", "{}\n# nothing\n"}) {
    auto r = Policy::parse_yaml(empty, "test");
    ASSERT_FALSE(r.ok()) << empty;
    EXPECT_EQ(r.error().code, "policy.empty");
  }
  auto deny = Policy::parse_yaml("default: {action: deny}\n", "test");
  ASSERT_TRUE(deny.ok()) << deny.error().str();
  EXPECT_FALSE(deny->default_allow);
  EXPECT_TRUE(deny->rules.empty());
}

TEST(Policy, MudControllers) {
  auto p = Policy::parse_yaml(
      "default: {action: allow}\nmud:\n  controllers:\n    \"urn:ietf:params:mud:ntp\": "
      "10.0.0.1\n  my-controllers:\n    \"https://mud.x/a.json\": [10.0.0.2, \"2001:db8::2\"]\n",
      "test");
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_EQ(p->controllers.at("urn:ietf:params:mud:ntp"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(p->my_controllers.at("https://mud.x/a.json"),
            (std::vector<std::string>{"10.0.0.2", "2001:db8::2"}));
}

TEST(Policy, MudOverlayGoesAroundTheFilesRules) {
  auto p = Policy::parse_yaml(
      "mud:\n  overlay:\n"
      "    - {name: no-cloud, mud-url: \"https://mud.x/*\", action: deny, to: [192.0.2.0/24, "
      "\"2001:db8::/32\"], protocol: tcp, port: 443}\n"
      "    - {name: ntp, action: allow, to: 10.0.0.123, protocol: udp, port: 123}\n"
      "    - {name: other, mud-url: \"https://other/*\", action: allow, to: 10.9.9.9}\n",
      "test");
  ASSERT_TRUE(p.ok()) << p.error().str();
  ASSERT_EQ(p->overlay.size(), 3u);
  mud::Compiled c;
  c.from_rules = {"ip daddr 1.1.1.1 return", "update @drops_fr { iifname . ether saddr }",
                  "counter reject"};
  c.from_tail = 2;
  mud::apply_overlay(c, "https://mud.x/a.json", p->overlay);
  // Denies first (one rule per family), the allow after the file's own rules, before the tail;
  // the rule for another MUD URL is not there.
  ASSERT_EQ(c.from_rules.size(), 6u);
  EXPECT_EQ(c.from_rules[0],
            "ip daddr { 192.0.2.0/24 } tcp dport 443 counter drop comment \"overlay no-cloud\"");
  EXPECT_EQ(c.from_rules[1].rfind("ip6 daddr { 2001:db8::/32 }", 0), 0u) << c.from_rules[1];
  EXPECT_EQ(c.from_rules[2], "ip daddr 1.1.1.1 return");
  EXPECT_EQ(c.from_rules[3],
            "ip daddr { 10.0.0.123 } udp dport 123 return comment \"overlay ntp\"");
  EXPECT_EQ(c.from_rules[4].rfind("update @", 0), 0u);
}

TEST(Policy, QuarantineReach) {
  auto builtin = Policy::parse_yaml("default: {action: allow}\n", "test");
  ASSERT_TRUE(builtin.ok());
  EXPECT_FALSE(builtin->quarantine_reach_set);  // the site's own services, by the router
  auto none = Policy::parse_yaml("quarantine: {reach: []}\n", "test");
  ASSERT_TRUE(none.ok()) << none.error().str();
  EXPECT_TRUE(none->quarantine_reach_set);  // nothing at all
  EXPECT_TRUE(none->quarantine_reach.empty());
  auto p = Policy::parse_yaml(
      "quarantine:\n  reach:\n    - {name: updates, to: [10.0.0.5, \"2001:db8::5\"], protocol: "
      "tcp, port: 443}\n",
      "test");
  ASSERT_TRUE(p.ok()) << p.error().str();
  ASSERT_EQ(p->quarantine_reach.size(), 1u);
  EXPECT_TRUE(p->quarantine_reach[0].allow);
  EXPECT_EQ(mud::remote_matches(p->quarantine_reach[0]),
            (std::vector<std::string>{"ip daddr { 10.0.0.5 } tcp dport 443",
                                      "ip6 daddr { 2001:db8::5 } tcp dport 443"}));
}

// The alias bomb of issue 13: a list of 10,000 serials, named once and used by 1,000 rules. A
// ~200 KB file that a reader following aliases sees as 10 million values.
std::string alias_bomb(int entries, int rules) {
  std::string y = "rules:\n  - name: r0\n    action: allow\n    match:\n      serial: &s [";
  for (int i = 0; i < entries; ++i) y += (i ? ",s" : "s") + std::to_string(i);
  y += "]\n";
  for (int r = 1; r < rules; ++r)
    y += "  - {name: r" + std::to_string(r) + ", action: allow, match: {serial: *s}}\n";
  return y;
}

TEST(PolicyLimits, AliasesAreCountedEveryTimeTheyAreUsed) {
  std::string bomb = alias_bomb(10000, 1000);
  ASSERT_LT(bomb.size(), kMaxPolicyBytes);  // small as text
  auto p = Policy::parse_yaml(bomb, "test");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "policy.size");
  // Nested anchors (a billion laughs) are refused as quickly.
  std::string laughs =
      "rules:\n  - {name: a, action: allow, match: {serial: &a [x,x,x,x,x,x,x,x,x,x]}}\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    laughs += "  - {name: " + std::string(1, c) + ", action: allow, match: {serial: &" +
              std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i) laughs += (i ? ",*" : "*") + prev;
    laughs += "]}}\n";
    prev = std::string(1, c);
  }
  auto l = Policy::parse_yaml(laughs, "test");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, "policy.size");
}

TEST(PolicyLimits, AnAliasUsedWithinTheLimitIsAccepted) {
  auto p = Policy::parse_yaml(alias_bomb(100, 10), "test");  // ~1,000 nodes followed
  ASSERT_TRUE(p.ok()) << p.error().str();
  ASSERT_EQ(p->rules.size(), 10u);
  EXPECT_EQ(p->rules[9].match.at("serial").size(), 100u);
}

TEST(PolicyLimits, TooLargeOrTooDeepIsRefused) {
  std::string big = "default: {action: allow}\n#" + std::string(kMaxPolicyBytes, 'x') + "\n";
  auto p = Policy::parse_yaml(big, "test");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "policy.size");
  std::string deep =
      "rules: " + std::string(kMaxPolicyDepth, '[') + std::string(kMaxPolicyDepth, ']');
  auto d = Policy::parse_yaml(deep, "test");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "policy.size");
  // Many plain nodes without an alias are refused the same way.
  std::string flat = "rules: [";
  for (uint64_t i = 0; i <= kMaxPolicyNodes; ++i) flat += "a,";
  flat += "a]\n";
  auto f = Policy::parse_yaml(flat, "test");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "policy.size");
}

TEST(Policy, Globs) {
  EXPECT_TRUE(glob_match("ACME-*", "ACME-0001"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_FALSE(glob_match("ACME-*", "XACME-1"));
  EXPECT_TRUE(glob_match("*-1*", "cam-12"));
}

TEST(Policy, ANodeOfTheWrongKindIsRefusedNotThrown) {
  // Found by fuzzing: yaml-cpp's conversion of a list to a string threw out of parse_yaml.
  for (const char* yaml : {"mud:\n  overlay:\n    - {name: a, action: deny, to: 10.0.0.1, "
                           "direction: [x]}\n",
                           "default: {action: allow, segment: {a: b}}\n",
                           "rules:\n  - {name: r, action: allow, match: {[a]: b}}\n"}) {
    auto r = Policy::parse_yaml(yaml, "test");
    ASSERT_FALSE(r.ok()) << yaml;
    EXPECT_EQ(r.error().code, "policy.file");
  }
}

}  // namespace
}  // namespace gh::proto::policy

namespace gh::proto::policy {
namespace {

TEST(PolicyAssurance, AttestationTiersMatchAndTheOldNamesReadAsTiers) {
  auto p = Policy::parse_yaml(R"(
default: {action: allow, segment: general}
rules:
  - {name: suspect, match: {attestation: [warning, stale]}, action: allow, segment: restricted}
  - {name: failed, match: {attestation: fail}, action: deny}
  - {name: unproven-cameras, match: {model: cam-*, attestation: none}, action: allow, segment: onboarding}
)",
                              "t");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->rules[1].match["attestation"], std::vector<std::string>{"contraindicated"});
  auto with = [](const char* model, const char* tier) {
    Subject s;
    s.model = model;
    s.attestation = tier;
    return s;
  };
  EXPECT_EQ(evaluate(*p, with("th-1", "affirming")).segment, "general");
  EXPECT_EQ(evaluate(*p, with("th-1", "warning")).segment, "restricted");
  EXPECT_EQ(evaluate(*p, with("th-1", "stale")).segment, "restricted");
  EXPECT_FALSE(evaluate(*p, with("th-1", "contraindicated")).allow);
  EXPECT_EQ(evaluate(*p, with("cam-2", "none")).segment, "onboarding");
  auto bad = Policy::parse_yaml(
      "rules:\n  - {name: x, match: {attestation: maybe}, action: allow}\n", "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "policy.file");
  EXPECT_NE(bad.error().message.find("/rules/0/match/attestation"), std::string::npos);
}

TEST(PolicyAssurance, ActionsAndIntervals) {
  auto def = Policy::parse_yaml("default: {action: allow}\n", "t");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->assurance.action_for("contraindicated"), "quarantine");
  EXPECT_EQ(def->assurance.action_for("warning"), "keep");
  EXPECT_EQ(def->assurance.action_for("affirming"), "keep");
  EXPECT_EQ(def->assurance.interval_s, 60);
  EXPECT_EQ(def->assurance.stale_after_s, 180);
  auto p = Policy::parse_yaml(
      "assurance: {warning: quarantine, contraindicated: revoke, stale: quarantine, interval: 1}\n",
      "t");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->assurance.action_for("contraindicated"), "revoke");
  EXPECT_EQ(p->assurance.action_for("stale"), "quarantine");
  EXPECT_EQ(p->assurance.interval_s, 1);
  EXPECT_EQ(p->assurance.stale_after_s, 3);
  for (const char* y : {"assurance: {warning: delete}\n", "assurance: {interval: 0}\n",
                        "assurance: {interval: 10, stale-after: 5}\n", "assurance: [keep]\n",
                        "assurance: {sometimes: keep}\n"}) {
    auto r = Policy::parse_yaml(y, "t");
    ASSERT_FALSE(r.ok()) << y;
    EXPECT_EQ(r.error().code, "policy.file") << y;
    EXPECT_NE(r.error().message.find("/assurance"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace gh::proto::policy
