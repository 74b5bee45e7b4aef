// The router's table and its incremental transactions: a device's change touches set members
// only; and, in a real network namespace (root), the kernel holds the same table after any
// sequence of incremental transactions as after applying the final table whole.
#include "proto/router_rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "codec/mud.h"
#include "common/json.h"
#include "common/process.h"
#include "net/nft.h"
#include "test_util.h"

namespace gh::proto::router {
namespace {

const Frame kFrame{"gh_t", "r-site", "r-dev*", "10.77.0.2", {8443, 8908}};

codec::mud::File mud_file(const std::string& url, const std::string& dns) {
  std::string text = R"({"ietf-mud:mud":{"mud-version":1,"mud-url":")" + url +
                     R"(","last-update":"2026-11-01T00:00:00Z","cache-validity":48,
 "is-supported":true,"from-device-policy":{"access-lists":{"access-list":[{"name":"fr"}]}},
 "to-device-policy":{"access-lists":{"access-list":[{"name":"to"}]}}},
 "ietf-access-control-list:acls":{"acl":[
  {"name":"fr","type":"ipv4-acl-type","aces":{"ace":[{"name":"a","matches":{"ipv4":{"protocol":6,
   "ietf-acldns:dst-dnsname":")" +
                     dns + R"("},"tcp":{"destination-port":{"operator":"eq","port":443}}},
   "actions":{"forwarding":"accept"}}]}},
  {"name":"to","type":"ipv4-acl-type","aces":{"ace":[{"name":"b","matches":{"ipv4":{"protocol":6,
   "ietf-acldns:src-dnsname":")" +
                     dns + R"("},"tcp":{"source-port":{"operator":"eq","port":443}}},
   "actions":{"forwarding":"accept"}}]}}]}})";
  auto f = codec::mud::parse_strict(text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().str());
  return f.ok() ? *f : codec::mud::File{};
}

Table with_files(int n) {
  Table t;
  for (int i = 0; i < n; ++i) {
    std::string url = "https://mud.test/m" + std::to_string(i) + ".json";
    std::string id = mud::policy_chain_id(url);
    add_policy(t, id, mud::compile(mud_file(url, "c" + std::to_string(i) + ".test"), id, true));
  }
  return t;
}

std::string id_of(const Table& t, int i) {
  return std::next(t.policies.begin(), i)->first;
}

TEST(RouterRules, SameTableNoTransaction) {
  Table t = with_files(2);
  t.from[station_key("r-dev1", "02:00:00:00:00:01")] = id_of(t, 0);
  EXPECT_EQ(delta_script(kFrame, t, t), "");
}

TEST(RouterRules, ADeviceChangeTouchesMembersOnly) {
  Table a = with_files(2);
  for (int i = 0; i < 100; ++i) {
    a.from[station_key("r-dev" + std::to_string(i), "02:00:00:00:00:" + std::to_string(10 + i))] =
        id_of(a, i % 2);
    a.to["10.78.0." + std::to_string(i)] = id_of(a, i % 2);
  }
  Table b = a;
  std::string k = station_key("r-dev3", "02:00:00:00:00:13");
  b.from[k] = id_of(a, 0);  // moved from file 1 to file 0
  b.to["10.78.0.3"] = id_of(a, 0);
  b.from.erase(station_key("r-dev4", "02:00:00:00:00:14"));  // quarantined
  std::string d = delta_script(kFrame, a, b);
  EXPECT_EQ(d.find("add rule"), std::string::npos) << d;
  EXPECT_EQ(d.find("chain"), std::string::npos) << d;
  EXPECT_EQ(d.find("jump"), std::string::npos) << d;
  EXPECT_NE(d.find("delete element inet gh_t " + id_of(a, 1) + "_st { " + k + " }"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("add element inet gh_t " + id_of(a, 0) + "_st { " + k + " }"), std::string::npos)
      << d;
  EXPECT_NE(d.find("delete element inet gh_t admitted { \"r-dev4\" . 02:00:00:00:00:14 }"),
            std::string::npos)
      << d;
  // The moved device stays admitted: it is not taken out of the admitted set.
  EXPECT_EQ(d.find("admitted { " + k), std::string::npos) << d;
}

TEST(RouterRules, SegmentsSeparateDevices) {
  Table a = with_files(1);
  std::string k1 = station_key("r-dev1", "02:00:00:00:00:01"),
              k2 = station_key("r-dev2", "02:00:00:00:00:02");
  for (const auto& k : {k1, k2}) a.from[k] = id_of(a, 0);
  a.station_segment = {{k1, "a"}, {k2, "b"}};
  a.to = {{"10.0.0.1", id_of(a, 0)}, {"10.0.0.2", id_of(a, 0)}};
  a.address_segment = {{"10.0.0.1", "a"}, {"10.0.0.2", "b"}};
  std::string full = full_script(kFrame, a);
  // One drop rule per segment, reached before the MUD dispatch.
  size_t rules = 0;
  for (size_t p = full.find("add rule inet gh_t segments"); p != std::string::npos;
       p = full.find("add rule inet gh_t segments", p + 1))
    ++rules;
  EXPECT_EQ(rules, 2u) << full;
  EXPECT_LT(full.find("jump segments"), full.find("jump mud_from"));
  EXPECT_NE(full.find("comment \"segment a\""), std::string::npos);
  // Moving device 2 into segment a: members only; segment b, now empty, goes with its rule.
  Table b = a;
  b.station_segment[k2] = "a";
  b.address_segment["10.0.0.2"] = "a";
  std::string d = delta_script(kFrame, a, b);
  EXPECT_NE(d.find("flush chain inet gh_t segments"), std::string::npos) << d;
  EXPECT_NE(d.find("delete set"), std::string::npos) << d;
  // Between two segments that both stay: element changes only.
  Table c = a;
  c.station_segment[k1] = "b";
  c.station_segment[k2] = "a";
  d = delta_script(kFrame, a, c);
  EXPECT_EQ(d.find("chain"), std::string::npos) << d;
}

TEST(RouterRules, ANewMudFileDeclaresItsChainsAndDispatch) {
  Table a = with_files(1);
  Table b = with_files(2);
  std::string d = delta_script(kFrame, a, b);
  // Only the file that is new is declared; the one already there is not touched.
  const std::string old_id = a.policies.begin()->first;
  const std::string new_id = id_of(b, 0) == old_id ? id_of(b, 1) : id_of(b, 0);
  EXPECT_NE(d.find("chain " + new_id + "_fr"), std::string::npos) << d;
  EXPECT_EQ(d.find("chain " + old_id + "_fr"), std::string::npos) << d;
  EXPECT_NE(d.find("flush chain inet gh_t mud_from"), std::string::npos) << d;
  // Back again: the file's chains and sets go.
  std::string back = delta_script(kFrame, b, a);
  EXPECT_NE(back.find("delete chain"), std::string::npos) << back;
  EXPECT_NE(back.find("delete set"), std::string::npos) << back;
}

TEST(RouterRules, AbstractionSetsHoldTheAdmittedDevicesAndTheNamedControllers) {
  Table t;
  mud::SetRef mfr{"mfr_a_v4", "ipv4", "manufacturer", "mud.a.test"};
  mud::SetRef mfr6{"mfr_a_v6", "ipv6", "manufacturer", "mud.a.test"};
  mud::SetRef model{"model_b_v4", "ipv4", "model", "https://mud.b.test/y.json"};
  mud::SetRef my{"myctl_v4", "ipv4", "my-controller", "https://mud.a.test/x.json"};
  mud::SetRef ctl{"ctl_v6", "ipv6", "controller", "urn:ietf:params:mud:ntp"};
  for (const auto& r : {mfr, mfr6, model, my, ctl}) t.sets[r.name] = AddressSet{r, {"stale"}};
  fill_abstraction_sets(t,
                        {{"https://mud.a.test/x.json", "10.0.0.2"},
                         {"https://mud.a.test/z.json", "10.0.0.1"},
                         {"https://mud.b.test/y.json", "10.0.0.3"},
                         {"https://mud.a.test/x.json", ""}},
                        {{"urn:ietf:params:mud:ntp", {"10.9.9.9", "2001:db8::9"}}},
                        {{"https://mud.a.test/x.json", {"10.0.0.7"}}});
  EXPECT_EQ(t.sets["mfr_a_v4"].elements, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_TRUE(t.sets["mfr_a_v6"].elements.empty());
  EXPECT_EQ(t.sets["model_b_v4"].elements, std::vector<std::string>{"10.0.0.3"});
  EXPECT_EQ(t.sets["myctl_v4"].elements, std::vector<std::string>{"10.0.0.7"});
  EXPECT_EQ(t.sets["ctl_v6"].elements, std::vector<std::string>{"2001:db8::9"});
  // A changed member list is a flush and refill of that set only.
  Table u = t;
  u.sets["model_b_v4"].elements.clear();
  std::string d = delta_script(kFrame, t, u);
  EXPECT_EQ(d, "flush set inet gh_t model_b_v4\n") << d;
}

// A device quarantined is a set element; the lifecycle service the quarantine reaches is one
// chain, rewritten only when the policy changes it.
TEST(RouterRules, QuarantineIsAMembershipAndOneChain) {
  Table t = with_files(1);
  std::string st = station_key("r-dev1", "02:00:00:00:00:01");
  t.from[st] = id_of(t, 0);
  t.quarantine_rules = {"ip daddr 10.77.0.2 tcp dport { 8443 } accept"};
  std::string full = full_script(kFrame, t);
  EXPECT_NE(full.find("iifname . ether saddr @quarantined jump quarantine"), std::string::npos);
  EXPECT_NE(full.find("add rule inet gh_t quarantine ip daddr 10.77.0.2 tcp dport { 8443 } accept"),
            std::string::npos);
  // The quarantine's jump comes before the onboarding services' accept.
  EXPECT_LT(full.find("@quarantined jump"), full.find("comment \"onboarding services\""));
  Table q = t;
  q.from.erase(st);
  q.quarantined = {st};
  std::string d = delta_script(kFrame, t, q);
  EXPECT_NE(d.find("add element inet gh_t quarantined { " + st + " }"), std::string::npos) << d;
  EXPECT_EQ(d.find("chain inet gh_t quarantine"), std::string::npos) << d;
  Table moved = q;
  moved.quarantine_rules = {"ip daddr 10.77.1.11 tcp dport 80 accept"};
  d = delta_script(kFrame, q, moved);
  EXPECT_EQ(d,
            "flush chain inet gh_t quarantine\n"
            "add rule inet gh_t quarantine ip daddr 10.77.1.11 tcp dport 80 accept\n"
            "add rule inet gh_t quarantine counter log prefix \"gh quarantine drop \" group 2 "
            "reject with icmpx admin-prohibited comment \"quarantine: the lifecycle service "
            "only\"\n");
  d = delta_script(kFrame, moved, t);  // released
  EXPECT_NE(d.find("delete element inet gh_t quarantined { " + st + " }"), std::string::npos) << d;
}

// Canonical view of a table in the kernel: every set's sorted elements (without counters or
// expiry) and every chain's rules (without handles).
std::string canonical(const std::string& ns, const std::string& table) {
  auto l = process::run({"ip", "netns", "exec", ns, "nft", "-j", "list", "table", "inet", table});
  if (!l.ok() || l->exit_status != 0) return "(no table)";
  auto j = parse_json(l->out, "nft");
  if (!j.ok()) return "(bad json)";
  std::map<std::string, std::vector<std::string>> sets, chains;
  for (const auto& item : (*j)["nftables"]) {
    if (item.contains("set")) {
      auto& v = sets[item["set"].value("name", "")];
      for (const auto& e : item["set"].value("elem", Json::array())) {
        Json x = e;
        if (x.is_object() && x.contains("elem")) {
          x["elem"].erase("counter");
          x["elem"].erase("expires");
        }
        v.push_back(x.dump());
      }
      std::sort(v.begin(), v.end());
    } else if (item.contains("chain")) {
      chains[item["chain"].value("name", "")];
    } else if (item.contains("rule")) {
      chains[item["rule"].value("chain", "")].push_back(item["rule"]["expr"].dump());
    }
  }
  std::string out;
  for (const auto& [n, v] : sets) {
    out += "set " + n + ":";
    for (const auto& e : v) out += " " + e;
    out += "\n";
  }
  for (const auto& [n, v] : chains) {
    out += "chain " + n + ":";
    for (const auto& r : v) out += "\n  " + r;
    out += "\n";
  }
  return out;
}

class RouterRulesKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    for (const char* n : {"a", "b"}) {
      ns_.push_back("gh-rr-" + std::string(n) + std::to_string(::getpid()));
      auto r = process::run({"ip", "netns", "add", ns_.back()});
      ASSERT_TRUE(r.ok() && r->exit_status == 0);
    }
  }
  void TearDown() override {
    for (const auto& n : ns_) (void)process::run({"ip", "netns", "del", n});
  }
  std::vector<std::string> ns_;
};

TEST_F(RouterRulesKernel, IncrementalChangesEndWhereTheWholeTableDoes) {
  auto inc = net::NftSession::open(ns_[0]);
  ASSERT_TRUE(inc.ok()) << inc.error().str();
  Table t;
  ASSERT_TRUE((*inc)->run(full_script(kFrame, t)).ok());
  // A sequence of states: devices admitted, a second MUD file, a device moved, one quarantined,
  // a DNS answer changed, the first MUD file's rules changed, the second file gone.
  std::vector<Table> states;
  Table s = with_files(1);
  for (int i = 0; i < 5; ++i) {
    s.from[station_key("r-dev" + std::to_string(i), "02:00:00:00:00:0" + std::to_string(i))] =
        id_of(s, 0);
    s.to["10.78." + std::to_string(i) + ".10"] = id_of(s, 0);
  }
  states.push_back(s);
  Table two = with_files(2);
  two.from = s.from;
  two.to = s.to;
  std::string second =
      two.policies.begin()->first == s.policies.begin()->first ? id_of(two, 1) : id_of(two, 0);
  two.from[station_key("r-dev2", "02:00:00:00:00:02")] = second;
  two.to["10.78.2.10"] = second;
  states.push_back(two);
  Table q = two;
  q.from.erase(station_key("r-dev3", "02:00:00:00:00:03"));
  q.to.erase("10.78.3.10");
  q.quarantined = {station_key("r-dev3", "02:00:00:00:00:03")};
  q.quarantine_rules = {"ip daddr 10.77.0.2 tcp dport { 8443 } accept comment \"lifecycle\""};
  for (auto& [name, set] : q.sets)
    if (set.ref.kind == "dns" && set.ref.family == "ipv4") set.elements = {"192.0.2.7"};
  states.push_back(q);
  Table r = q;
  r.policies.begin()->second.from_rules.insert(r.policies.begin()->second.from_rules.begin(),
                                               "tcp dport 8883 return");
  states.push_back(r);
  Table back = r;
  back.quarantined.clear();
  back.quarantine_rules = {"ip daddr 10.77.1.11 tcp dport 80 accept comment \"lifecycle u\""};
  for (auto& [k, id] : back.from) id = s.policies.begin()->first;
  for (auto& [k, id] : back.to) id = s.policies.begin()->first;
  back.policies.erase(second);
  for (auto it = back.sets.begin(); it != back.sets.end();)
    it = (s.sets.count(it->first) ? std::next(it) : back.sets.erase(it));
  states.push_back(back);

  // A wrong transaction would show: the first state applied whole differs from the empty table.
  {
    auto whole = net::NftSession::open(ns_[1]);
    ASSERT_TRUE(whole.ok());
    ASSERT_TRUE((*whole)->run(full_script(kFrame, states[0])).ok());
    EXPECT_NE(canonical(ns_[0], "gh_t"), canonical(ns_[1], "gh_t"));
  }
  // Segments: everyone in "default", but r-dev2 in "cameras" while the second file is there.
  for (auto& st : states) {
    st.station_segment.clear();
    st.address_segment.clear();
    for (const auto& [k, id] : st.from)
      st.station_segment[k] =
          st.policies.size() > 1 && k.find("r-dev2") != std::string::npos ? "cameras" : "default";
    for (const auto& [k, id] : st.to)
      st.address_segment[k] = st.policies.size() > 1 && k == "10.78.2.10" ? "cameras" : "default";
  }
  Table applied = t;
  for (size_t i = 0; i < states.size(); ++i) {
    std::string d = delta_script(kFrame, applied, states[i]);
    Status st = (*inc)->run(d);
    ASSERT_TRUE(st.ok()) << "step " << i << ": " << st.error().str() << "\n" << d;
    applied = states[i];
    auto whole = net::NftSession::open(ns_[1]);
    ASSERT_TRUE(whole.ok());
    ASSERT_TRUE((*whole)->run(full_script(kFrame, states[i])).ok());
    std::string got = canonical(ns_[0], "gh_t");
    EXPECT_EQ(got, canonical(ns_[1], "gh_t")) << "after step " << i;
    // The comparison sees members and rules (it is not comparing two empty views).
    EXPECT_NE(got.find("r-dev0"), std::string::npos) << got;
    EXPECT_NE(got.find("10.78.0.10"), std::string::npos) << got;
    EXPECT_NE(got.find("\"jump\""), std::string::npos) << got;
  }
}

}  // namespace
}  // namespace gh::proto::router
