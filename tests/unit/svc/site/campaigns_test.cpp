// Update campaigns: staged groups in random order, advanced by confirmations the site's own
// attestation backs, stopped by the error threshold with the failed group rolled back.
#include "svc/site/campaigns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/fs.h"
#include "test_util.h"

namespace gh::svc {
namespace {

using store::Actor;
using store::Transition;

class CampaignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-campaign");
    inv_ = std::move(*store::open_sqlite_inventory(dir_ + "/inv.db"));
    ASSERT_TRUE(inv_->add_reference_values({{"Acme", "cam", "2.0", "corim", "[]", 1},
                                            {"Acme", "lamp", "2.0", "corim", "[]", 1}},
                                           ev("", "reference.import"))
                    .ok());
  }
  void TearDown() override { (void)fs::remove_all(dir_); }

  store::Event ev(const std::string& serial, const std::string& kind) {
    return store::Event{0, now_, serial, kind, "ok", "", "{}"};
  }
  static std::string serial(int i) {
    char s[16];
    std::snprintf(s, sizeof s, "SN-%03d", i);
    return s;
  }
  // Devices first..first+n-1 of the model, onboarded (DPP) and operational at version.
  void add_devices(int first, int n, const std::string& model = "cam",
                   const std::string& version = "1.0") {
    std::vector<store::DeviceRecord> devices;
    for (int i = first; i < first + n; ++i)
      devices.push_back({serial(i), model, "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1});
    ASSERT_TRUE(inv_->import_devices(devices, "b1", ev("", "bundle.import")).ok());
    for (const auto& d : devices) {
      ASSERT_TRUE(inv_->transition(d.serial, Transition::kDppConfigured, Actor::kConfigurator,
                                   ev(d.serial, "dpp.configured"))
                      .ok());
      ASSERT_TRUE(
          inv_->record_app_status(d.serial, "streamlined", version, ev(d.serial, "app.status"))
              .ok());
    }
  }
  Campaigns campaigns(uint64_t seed = 1) {
    return Campaigns(
        *inv_, [gen = std::mt19937_64(seed)]() mutable { return gen(); }, [this] { return now_; });
  }
  CampaignSpec spec(int groups = 3, bool approved = true) {
    CampaignSpec s;
    s.model = "cam";
    s.version = "2.0";
    s.groups = groups;
    s.approved = approved;
    s.created_by = "alice";
    return s;
  }
  void attest(const std::string& serial, const std::string& status = "affirming",
              const std::string& release = "2.0") {
    store::AttestationRecord r{
        0, serial, now_, status, status == "affirming" ? "ok" : "measurement", "", release, "ear"};
    ASSERT_TRUE(inv_->record_attestation(r, ev(serial, "attest.appraise")).ok());
  }
  // Takes the assignment and reports download and install.
  void install(Campaigns& c, int64_t id, const std::string& serial) {
    auto a = c.assignment(serial);
    ASSERT_TRUE(a.ok()) << a.error().str();
    ASSERT_TRUE(a->has_value()) << serial << " has no assignment";
    EXPECT_EQ((*a)->action, "install");
    EXPECT_EQ((*a)->campaign, id);
    EXPECT_EQ((*a)->version, "2.0");
    EXPECT_EQ((*a)->previous_version, "1.0");
    auto d = c.report(serial, id, "download", "2.0", "");
    ASSERT_TRUE(d.ok()) << d.error().str();
    auto i = c.report(serial, id, "install", "2.0", "");
    ASSERT_TRUE(i.ok()) << i.error().str();
  }
  // Install, the site's affirming attestation, confirm.
  void confirm(Campaigns& c, int64_t id, const std::string& serial) {
    install(c, id, serial);
    attest(serial);
    auto st = c.report(serial, id, "confirm", "2.0", "app.health");
    ASSERT_TRUE(st.ok()) << st.error().str();
  }
  void fail(Campaigns& c, int64_t id, const std::string& serial) {
    ASSERT_TRUE(c.assignment(serial).ok());
    ASSERT_TRUE(c.report(serial, id, "download", "2.0", "").ok());
    auto st = c.report(serial, id, "failed", "2.0", "tuf.hash");
    ASSERT_TRUE(st.ok()) << st.error().str();
  }
  // The members of each group.
  std::vector<std::vector<std::string>> groups(Campaigns& c, int64_t id) {
    std::vector<std::vector<std::string>> out;
    auto s = c.status(id);
    EXPECT_TRUE(s.ok());
    if (!s.ok()) return out;
    out.resize(s->groups.size());
    for (const auto& m : s->members) out[static_cast<size_t>(m.group)].push_back(m.serial);
    return out;
  }
  std::string state(Campaigns& c, int64_t id) { return c.status(id)->campaign.state; }
  std::string group_state(Campaigns& c, int64_t id, size_t g) {
    return c.status(id)->groups.at(g).state;
  }
  std::string phase(Campaigns& c, int64_t id, const std::string& serial) {
    auto s = c.status(id);
    for (const auto& m : s->members)
      if (m.serial == serial) return m.phase;
    return "";
  }
  bool has_assignment(Campaigns& c, const std::string& serial) {
    auto a = c.assignment(serial);
    EXPECT_TRUE(a.ok());
    return a.ok() && a->has_value();
  }
  size_t count_events(const std::string& kind, const std::string& serial = "") {
    size_t n = 0;
    auto log = *inv_->events(serial);
    for (const auto& e : log) n += e.kind == kind;
    return n;
  }
  std::string app_version(const std::string& serial) { return (*inv_->get(serial))->app_version; }

  std::string dir_;
  std::unique_ptr<store::Inventory> inv_;
  time::Seconds now_ = 1'800'000'000;
};

TEST_F(CampaignTest, CreateRefusesWhatItCannotRollOut) {
  auto c = campaigns();
  ASSERT_REFUSED(c.create(spec()), "campaign.devices");  // no device of the model yet
  add_devices(0, 4);
  auto bad = spec();
  bad.groups = 0;
  ASSERT_REFUSED(c.create(bad), "campaign.spec");
  bad = spec();
  bad.groups = 101;
  ASSERT_REFUSED(c.create(bad), "campaign.spec");
  // A release the site holds no reference values for could never be confirmed.
  auto unknown_release = spec();
  unknown_release.version = "3.0";
  ASSERT_REFUSED(c.create(unknown_release), "campaign.release");
  // Devices that already run the release are no members.
  add_devices(10, 2, "lamp", "2.0");
  auto lamps = spec();
  lamps.model = "lamp";
  ASSERT_REFUSED(c.create(lamps), "campaign.devices");
  // One open campaign per model.
  auto first = c.create(spec(3, false));
  ASSERT_TRUE(first.ok()) << first.error().str();
  ASSERT_REFUSED(c.create(spec()), "campaign.exists");
  ASSERT_TRUE(c.stop(*first, "alice").ok());
  EXPECT_TRUE(c.create(spec()).ok());
  auto log = *inv_->events();
  for (const auto& e : log) {
    if (e.kind == "campaign.create") {
      EXPECT_NE(e.detail.find("\"created_by\":\"alice\""), e.detail.npos);
    }
  }
}

TEST_F(CampaignTest, OnlyOnboardedOperationalDevicesOfAnotherVersionAreMembers) {
  add_devices(0, 3);
  add_devices(3, 1, "cam", "2.0");  // already there
  ASSERT_TRUE(inv_->transition(serial(1), Transition::kQuarantine, Actor::kOperator,
                               ev(serial(1), "device.quarantine"))
                  .ok());
  store::DeviceRecord silent{"SN-900", "cam", "Acme", "onboarded", "PEM", "",
                             "",       "jws", 1,      "b1",        1};
  ASSERT_TRUE(inv_->import_devices({silent}, "b1", ev("", "bundle.import")).ok());
  auto c = campaigns();
  auto id = c.create(spec());
  ASSERT_TRUE(id.ok()) << id.error().str();
  std::set<std::string> members;
  for (const auto& g : groups(c, *id)) members.insert(g.begin(), g.end());
  EXPECT_EQ(members, (std::set<std::string>{serial(0), serial(2)}));
  EXPECT_EQ(c.status(*id)->groups.size(), 2u);  // fewer devices than groups asked for
}

TEST_F(CampaignTest, GroupsOfNearEqualSizeInRandomOrder) {
  add_devices(0, 10);
  auto a = campaigns(1);
  auto first = a.create(spec(3, false));
  ASSERT_TRUE(first.ok());
  auto g1 = groups(a, *first);
  ASSERT_EQ(g1.size(), 3u);
  EXPECT_EQ(g1[0].size(), 4u);
  EXPECT_EQ(g1[1].size(), 3u);
  EXPECT_EQ(g1[2].size(), 3u);
  std::set<std::string> all;
  for (const auto& g : g1) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), 10u);

  ASSERT_TRUE(a.stop(*first, "alice").ok());
  auto b = campaigns(2);
  auto second = b.create(spec(3, false));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(groups(b, *second), g1);  // another draw, another order

  ASSERT_TRUE(b.stop(*second, "alice").ok());
  auto again = campaigns(1);
  auto third = again.create(spec(3, false));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(groups(again, *third), g1);  // the randomness is all that decides
}

TEST_F(CampaignTest, ConfirmationsAdvanceTheGroupsToTheEnd) {
  add_devices(0, 9);
  auto c = campaigns();
  auto id = c.create(spec(3));
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(state(c, *id), "running");
  EXPECT_EQ(group_state(c, *id, 0), "running");
  EXPECT_FALSE(has_assignment(c, g[1][0]));  // a group that has not started
  confirm(c, *id, g[0][0]);
  confirm(c, *id, g[0][1]);
  EXPECT_EQ(group_state(c, *id, 0), "running");  // 2 of 3 < 80 %
  confirm(c, *id, g[0][2]);
  EXPECT_EQ(group_state(c, *id, 0), "succeeded");
  EXPECT_EQ(group_state(c, *id, 1), "running");
  EXPECT_FALSE(has_assignment(c, g[0][0]));  // confirmed: nothing more
  for (size_t k = 1; k < 3; ++k)
    for (const auto& s : g[k]) confirm(c, *id, s);
  auto st = c.status(*id);
  EXPECT_EQ(st->campaign.state, "finished");
  for (const auto& grp : st->groups) {
    EXPECT_EQ(grp.state, "succeeded");
    EXPECT_EQ(grp.count("confirmed"), 3);
  }
  for (int i = 0; i < 9; ++i) EXPECT_EQ(app_version(serial(i)), "2.0");
  EXPECT_FALSE(has_assignment(c, g[2][0]));
  auto json = st->to_json();
  EXPECT_EQ(json["state"], "finished");
  EXPECT_EQ(json["groups"][1]["phases"]["confirmed"], 3);
  EXPECT_EQ(json["members"].size(), 9u);
}

TEST_F(CampaignTest, AGroupsRemainingMembersGoOnAfterItSucceeded) {
  add_devices(0, 5);
  auto c = campaigns();
  auto id = c.create(spec(1));
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  for (int k = 0; k < 4; ++k) confirm(c, *id, g[0][k]);
  EXPECT_EQ(group_state(c, *id, 0), "succeeded");  // 4 of 5 = 80 %
  EXPECT_EQ(state(c, *id), "running");             // the fifth may still take it
  ASSERT_TRUE(has_assignment(c, g[0][4]));
  ASSERT_TRUE(c.tick().ok());
  EXPECT_EQ(state(c, *id), "running");
  ASSERT_TRUE(c.report(g[0][4], *id, "download", "2.0", "").ok());
  ASSERT_TRUE(c.report(g[0][4], *id, "failed", "2.0", "tuf.hash").ok());
  EXPECT_EQ(state(c, *id), "finished");
  auto st = c.status(*id);
  EXPECT_EQ(st->members.size(), 5u);
  for (const auto& m : st->members) {
    if (m.serial == g[0][4]) {
      EXPECT_EQ(m.check, "tuf.hash");
    }
  }
  auto log = *inv_->events();
  ASSERT_EQ(log.back().kind, "campaign.finish");
  EXPECT_NE(log.back().detail.find("\"failed\":1"), log.back().detail.npos);
}

TEST_F(CampaignTest, TooManyFailuresStopTheCampaignAndRollTheGroupBack) {
  add_devices(0, 10);
  auto c = campaigns();
  auto id = c.create(spec(2));  // 5 and 5; more than 20 % failed (2 of 5) stops it
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  confirm(c, *id, g[0][0]);
  install(c, *id, g[0][1]);
  ASSERT_TRUE(c.assignment(g[0][2]).ok());  // assigned, never installed
  fail(c, *id, g[0][3]);
  EXPECT_EQ(state(c, *id), "running");  // 1 of 5 = 20 %: not more
  fail(c, *id, g[0][4]);
  EXPECT_EQ(state(c, *id), "failed");
  EXPECT_EQ(group_state(c, *id, 0), "failed");
  EXPECT_EQ(group_state(c, *id, 1), "pending");
  EXPECT_EQ(count_events("campaign.threshold"), 1u);

  // Those that installed the release are told to return to the one they ran; nobody else.
  for (int k : {0, 1}) {
    auto a = c.assignment(g[0][k]);
    ASSERT_TRUE(a.ok() && a->has_value()) << g[0][k];
    EXPECT_EQ((*a)->action, "rollback");
    EXPECT_EQ((*a)->version, "1.0");
    EXPECT_EQ((*a)->previous_version, "2.0");
    EXPECT_EQ(count_events("campaign.rollback", g[0][k]), 1u);
  }
  EXPECT_FALSE(has_assignment(c, g[0][2]));
  EXPECT_FALSE(has_assignment(c, g[1][0]));
  ASSERT_REFUSED(c.report(g[0][2], *id, "download", "2.0", ""), "campaign.assignment");

  EXPECT_EQ(app_version(g[0][0]), "2.0");
  ASSERT_TRUE(c.report(g[0][0], *id, "rollback", "1.0", "").ok());
  EXPECT_EQ(app_version(g[0][0]), "1.0");
  EXPECT_EQ(group_state(c, *id, 0), "failed");  // one rollback still to come
  ASSERT_TRUE(c.report(g[0][1], *id, "rollback", "1.0", "").ok());
  EXPECT_EQ(group_state(c, *id, 0), "rolled-back");
  EXPECT_EQ(phase(c, *id, g[0][1]), "rolled-back");
  EXPECT_FALSE(has_assignment(c, g[0][1]));
  ASSERT_REFUSED(c.stop(*id, "alice"), "campaign.state");  // it stopped itself
}

TEST_F(CampaignTest, PauseResumeStop) {
  add_devices(0, 4);
  auto c = campaigns();
  auto id = c.create(spec(1));
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  ASSERT_TRUE(has_assignment(c, g[0][0]));
  ASSERT_TRUE(c.pause(*id, "bob").ok());
  EXPECT_EQ(state(c, *id), "paused");
  EXPECT_FALSE(has_assignment(c, g[0][0]));
  EXPECT_FALSE(has_assignment(c, g[0][1]));
  ASSERT_REFUSED(c.report(g[0][0], *id, "download", "2.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.pause(*id, "bob"), "campaign.state");
  ASSERT_TRUE(c.resume(*id, "bob").ok());
  EXPECT_TRUE(has_assignment(c, g[0][1]));
  ASSERT_TRUE(c.report(g[0][0], *id, "download", "2.0", "").ok());
  ASSERT_TRUE(c.stop(*id, "carol").ok());
  EXPECT_EQ(state(c, *id), "stopped");
  EXPECT_FALSE(has_assignment(c, g[0][2]));
  ASSERT_REFUSED(c.report(g[0][0], *id, "install", "2.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.resume(*id, "bob"), "campaign.state");
  ASSERT_REFUSED(c.stop(*id, "bob"), "campaign.state");
  ASSERT_REFUSED(c.pause(*id + 1, "bob"), "campaign.unknown");
  ASSERT_REFUSED(c.status(*id + 1), "campaign.unknown");
  for (const char* kind : {"campaign.pause", "campaign.resume", "campaign.stop"})
    EXPECT_EQ(count_events(kind), 1u) << kind;
}

TEST_F(CampaignTest, AnUnapprovedCampaignWaitsForApproval) {
  add_devices(0, 4);
  auto c = campaigns();
  auto id = c.create(spec(2, false));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(state(c, *id), "waiting-approval");
  auto g = groups(c, *id);
  EXPECT_FALSE(has_assignment(c, g[0][0]));
  ASSERT_REFUSED(c.pause(*id, "bob"), "campaign.state");
  ASSERT_TRUE(c.approve(*id, "bob").ok());
  EXPECT_EQ(state(c, *id), "running");
  EXPECT_EQ(group_state(c, *id, 0), "running");
  EXPECT_TRUE(has_assignment(c, g[0][0]));
  ASSERT_REFUSED(c.approve(*id, "bob"), "campaign.state");
  auto events = *inv_->events();
  auto approve = std::find_if(events.begin(), events.end(),
                              [](const auto& e) { return e.kind == "campaign.approve"; });
  ASSERT_NE(approve, events.end());
  EXPECT_NE(approve->detail.find("\"by\":\"bob\""), approve->detail.npos);
}

TEST_F(CampaignTest, AConfirmationNeedsTheSitesAttestationAfterTheInstall) {
  add_devices(0, 3);
  auto c = campaigns();
  auto id = c.create(spec(1));
  ASSERT_TRUE(id.ok());
  const std::string s = serial(0);
  ASSERT_TRUE(c.assignment(s).ok());
  ASSERT_TRUE(c.report(s, *id, "download", "2.0", "").ok());
  attest(s);  // affirming, the release, but before the install
  ASSERT_TRUE(c.report(s, *id, "install", "2.0", "").ok());
  ASSERT_REFUSED(c.report(s, *id, "confirm", "2.0", ""), "campaign.attestation");
  attest(s, "contraindicated", "");
  ASSERT_REFUSED(c.report(s, *id, "confirm", "2.0", ""), "campaign.attestation");
  attest(s, "affirming", "1.0");  // still the old release
  ASSERT_REFUSED(c.report(s, *id, "confirm", "2.0", ""), "campaign.attestation");
  EXPECT_EQ(phase(c, *id, s), "installed");
  EXPECT_EQ(app_version(s), "1.0");
  attest(s);
  ASSERT_TRUE(c.report(s, *id, "confirm", "2.0", "").ok());
  EXPECT_EQ(phase(c, *id, s), "confirmed");
  EXPECT_EQ(app_version(s), "2.0");
  // Each refusal is in the device's evidence.
  size_t refused = 0;
  auto log = *inv_->events(s);
  for (const auto& e : log)
    refused +=
        e.kind == "campaign.report" && e.outcome == "refused" && e.reason == "campaign.attestation";
  EXPECT_EQ(refused, 3u);

  // A device the site never appraised.
  const std::string t = serial(1);
  install(c, *id, t);
  ASSERT_REFUSED(c.report(t, *id, "confirm", "2.0", ""), "campaign.attestation");
}

TEST_F(CampaignTest, AReportMustMatchAnAssignment) {
  add_devices(0, 4);
  add_devices(100, 1, "lamp");
  auto c = campaigns();
  auto id = c.create(spec(2));
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  const std::string s = g[0][0];
  ASSERT_TRUE(has_assignment(c, s));
  ASSERT_REFUSED(c.report(s, *id + 1, "download", "2.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.report(s, *id, "download", "3.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.report(serial(100), *id, "download", "2.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.report(g[0][1], *id, "download", "2.0", ""), "campaign.assignment");  // none yet
  ASSERT_REFUSED(c.report(g[1][0], *id, "download", "2.0", ""), "campaign.assignment");
  ASSERT_REFUSED(c.report(s, *id, "rollback", "1.0", ""), "campaign.assignment");
  EXPECT_EQ(phase(c, *id, s), "assigned");
  auto events = *inv_->events(s);
  EXPECT_EQ(events.back().outcome, "refused");
  EXPECT_EQ(events.back().reason, "campaign.assignment");
}

TEST_F(CampaignTest, PhasesComeInOrder) {
  add_devices(0, 10);  // one failure (10 %) leaves it running
  auto c = campaigns();
  auto id = c.create(spec(1));
  ASSERT_TRUE(id.ok());
  const std::string s = serial(0);
  ASSERT_TRUE(has_assignment(c, s));
  ASSERT_REFUSED(c.report(s, *id, "install", "2.0", ""), "campaign.phase");
  ASSERT_REFUSED(c.report(s, *id, "confirm", "2.0", ""), "campaign.phase");
  ASSERT_REFUSED(c.report(s, *id, "reboot", "2.0", ""), "campaign.phase");
  ASSERT_TRUE(c.report(s, *id, "download", "2.0", "").ok());
  ASSERT_TRUE(c.report(s, *id, "download", "2.0", "").ok());  // a repeat changes nothing
  ASSERT_REFUSED(c.report(s, *id, "confirm", "2.0", ""), "campaign.phase");
  ASSERT_TRUE(c.report(s, *id, "install", "2.0", "").ok());
  // A step it is past: a device retrying after a lost answer; nothing changes.
  ASSERT_TRUE(c.report(s, *id, "download", "2.0", "").ok());
  EXPECT_EQ(phase(c, *id, s), "installed");
  ASSERT_REFUSED(c.report(s, *id, "rollback", "1.0", ""), "campaign.assignment");
  EXPECT_EQ(count_events("campaign.report", s), 7u);  // 2 ok, 5 refused; the repeats not again
  // A failure is final.
  const std::string t = serial(1);
  ASSERT_TRUE(has_assignment(c, t));
  ASSERT_TRUE(c.report(t, *id, "failed", "2.0", "tuf.hash").ok());
  ASSERT_REFUSED(c.report(t, *id, "download", "2.0", ""), "campaign.phase");
  EXPECT_FALSE(has_assignment(c, t));
}

TEST_F(CampaignTest, ADeviceThatBecomesOperationalJoinsTheLastGroup) {
  add_devices(0, 4);
  auto c = campaigns();
  auto id = c.create(spec(2));
  ASSERT_TRUE(id.ok());
  add_devices(50, 1);  // onboarded and operational after the campaign was made
  ASSERT_TRUE(c.tick().ok());
  auto g = groups(c, *id);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].size(), 3u);
  EXPECT_NE(std::find(g[1].begin(), g[1].end(), serial(50)), g[1].end());
  EXPECT_EQ(count_events("campaign.join", serial(50)), 1u);
  // A report advances the campaign too: a device joining then is picked up.
  add_devices(51, 1);
  confirm(c, *id, g[0][0]);
  g = groups(c, *id);
  EXPECT_NE(std::find(g[1].begin(), g[1].end(), serial(51)), g[1].end());
  ASSERT_TRUE(c.tick().ok());
  EXPECT_EQ(count_events("campaign.join", serial(51)), 1u);  // once
  // Once the rollout is through, it is finished, whoever joined.
  confirm(c, *id, g[0][1]);
  for (const auto& s : g[1]) confirm(c, *id, s);
  EXPECT_EQ(state(c, *id), "finished");
}

TEST_F(CampaignTest, AQuarantinedDeviceGetsNothing) {
  add_devices(0, 2);
  auto c = campaigns();
  auto id = c.create(spec(1));
  ASSERT_TRUE(id.ok());
  const std::string s = serial(0);
  ASSERT_TRUE(has_assignment(c, s));
  ASSERT_TRUE(c.report(s, *id, "download", "2.0", "").ok());
  ASSERT_TRUE(
      inv_->transition(s, Transition::kQuarantine, Actor::kVerifier, ev(s, "device.quarantine"))
          .ok());
  EXPECT_FALSE(has_assignment(c, s));
  ASSERT_REFUSED(c.report(s, *id, "install", "2.0", ""), "campaign.assignment");
}

TEST_F(CampaignTest, EveryStepIsInTheEvidenceLog) {
  add_devices(0, 2);
  auto c = campaigns();
  auto id = c.create(spec(2));
  ASSERT_TRUE(id.ok());
  auto g = groups(c, *id);
  confirm(c, *id, g[0][0]);
  confirm(c, *id, g[1][0]);
  EXPECT_EQ(state(c, *id), "finished");
  EXPECT_EQ(count_events("campaign.create"), 1u);
  EXPECT_EQ(count_events("campaign.group-start"), 2u);
  EXPECT_EQ(count_events("campaign.group-succeeded"), 2u);
  EXPECT_EQ(count_events("campaign.finish"), 1u);
  for (const auto& s : {g[0][0], g[1][0]}) {
    EXPECT_EQ(count_events("campaign.member", s), 1u);
    EXPECT_EQ(count_events("campaign.assign", s), 1u);
    EXPECT_EQ(count_events("campaign.report", s), 3u);  // download, install, confirm
  }
  auto log = *inv_->events(g[1][0]);
  for (const auto& e : log) {
    if (e.kind != "campaign.report") continue;
    auto detail = *parse_json(e.detail, "event");
    EXPECT_EQ(detail["campaign"], *id);
    EXPECT_EQ(detail["group"], 1);
    EXPECT_EQ(detail["version"], "2.0");
    EXPECT_TRUE(detail.contains("check"));
  }
}

}  // namespace
}  // namespace gh::svc
