// The application status of a device (IR 8350 5.4) and the campaign tables of the SQLite
// inventory: counts kept with the members, one transaction per write.
#include <gtest/gtest.h>

#include "common/fs.h"
#include "store/inventory.h"
#include "test_util.h"

namespace gh::store {
namespace {

class AppStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-appstatus");
    inv_ = std::move(*open_sqlite_inventory(dir_ + "/inv.db"));
    std::vector<DeviceRecord> devices;
    for (const char* s : {"SN-1", "SN-2", "SN-3"})
      devices.push_back({s, "cam", "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1});
    ASSERT_TRUE(inv_->import_devices(devices, "b1", ev("", "bundle.import")).ok());
    for (const char* s : {"SN-1", "SN-2"})
      ASSERT_TRUE(inv_->transition(s, Transition::kDppConfigured, Actor::kConfigurator,
                                   ev(s, "dpp.configured"))
                      .ok());
  }
  void TearDown() override { (void)fs::remove_all(dir_); }
  static Event ev(const std::string& serial, const std::string& kind) {
    return Event{0, 1'800'000'000, serial, kind, "ok", "", "{}"};
  }
  DeviceRecord device(const std::string& serial) { return **inv_->get(serial); }
  std::string dir_;
  std::unique_ptr<Inventory> inv_;
};

TEST_F(AppStatusTest, AnOnboardedDeviceBecomesOperational) {
  ASSERT_TRUE(inv_->record_app_status("SN-1", "streamlined", "1.4", ev("SN-1", "app.status")).ok());
  auto d = device("SN-1");
  EXPECT_EQ(d.app_status, "operational");
  EXPECT_EQ(d.app_path, "streamlined");
  EXPECT_EQ(d.app_version, "1.4");
  EXPECT_EQ(d.app_at, 1'800'000'000);
  EXPECT_EQ(inv_->events("SN-1")->back().kind, "app.status");
  // The list reads the same columns.
  auto all = *inv_->list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].app_version, "1.4");
  EXPECT_EQ(all[1].app_status, "");
}

TEST_F(AppStatusTest, AQuarantinedDeviceCannotDeclareItselfOperational) {
  ASSERT_TRUE(inv_->transition("SN-2", Transition::kQuarantine, Actor::kOperator,
                               ev("SN-2", "device.quarantine"))
                  .ok());
  size_t before = inv_->events("SN-2")->size();
  ASSERT_REFUSED(inv_->record_app_status("SN-2", "independent", "1.4", ev("SN-2", "app.status")),
                 "lifecycle.state");
  EXPECT_EQ(device("SN-2").app_status, "");
  EXPECT_EQ(device("SN-2").app_version, "");
  auto events = *inv_->events("SN-2");
  ASSERT_EQ(events.size(), before + 1);  // the refusal, recorded
  EXPECT_EQ(events.back().outcome, "refused");
  EXPECT_EQ(events.back().reason, "lifecycle.state");
  // Nor one that never finished onboarding.
  ASSERT_REFUSED(inv_->record_app_status("SN-3", "streamlined", "1.4", ev("SN-3", "app.status")),
                 "lifecycle.state");
}

TEST_F(AppStatusTest, AnUnknownDeviceOrPathIsRefused) {
  ASSERT_REFUSED(inv_->record_app_status("SN-9", "streamlined", "1.4", ev("SN-9", "app.status")),
                 "device.unknown");
  EXPECT_TRUE(inv_->events("SN-9")->empty());
  ASSERT_REFUSED(inv_->record_app_status("SN-1", "sideways", "1.4", ev("SN-1", "app.status")),
                 "app.path");
  ASSERT_REFUSED(inv_->set_app_version("SN-9", "2.0", ev("SN-9", "campaign.report")),
                 "device.unknown");
  EXPECT_TRUE(inv_->events("SN-9")->empty());
}

TEST_F(AppStatusTest, AConfirmedUpdateSetsTheVersion) {
  ASSERT_TRUE(inv_->record_app_status("SN-1", "streamlined", "1.4", ev("SN-1", "app.status")).ok());
  ASSERT_TRUE(inv_->set_app_version("SN-1", "2.0", ev("SN-1", "campaign.report")).ok());
  EXPECT_EQ(device("SN-1").app_version, "2.0");
  EXPECT_EQ(device("SN-1").app_status, "operational");
  EXPECT_EQ(inv_->events("SN-1")->back().kind, "campaign.report");
}

class CampaignStoreTest : public AppStatusTest {
 protected:
  CampaignRecord campaign() {
    return CampaignRecord{0,         "Acme",  "cam", "2.0", 1, 20, 80,
                          "running", "alice", 100,   100,   0, 0,  100};
  }
};

TEST_F(CampaignStoreTest, GroupCountsFollowTheMembers) {
  int64_t id = 0;
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    id = TRY(tx.add_campaign(campaign()));
                    TRY(tx.add_group({id, 0, "running", 100, 0, {}}));
                    TRY(tx.add_member({id, "SN-1", 0, "pending", "1.0", "", 0, 100}));
                    TRY(tx.add_member({id, "SN-2", 0, "pending", "1.0", "", 0, 100}));
                    return tx.update_member({id, "SN-1", 0, "assigned", "1.0", "", 0, 101});
                  })
                  .ok());
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    auto g = TRY(tx.group(id, 0));
                    EXPECT_EQ(g.size(), 2);
                    EXPECT_EQ(g.count("pending"), 1);
                    EXPECT_EQ(g.count("assigned"), 1);
                    auto m = TRY(tx.member(id, "SN-1"));
                    EXPECT_TRUE(m && m->phase == "assigned" && m->updated_at == 101);
                    auto mine = TRY(tx.memberships("SN-2", {"running"}));
                    EXPECT_EQ(mine.size(), 1u);
                    EXPECT_TRUE(TRY(tx.memberships("SN-2", {"finished"})).empty());
                    EXPECT_EQ(TRY(tx.members(id, -1)).size(), 2u);
                    return ok_status();
                  })
                  .ok());
}

TEST_F(CampaignStoreTest, AFailedWriteLeavesNothing) {
  auto st = inv_->campaign_write([&](CampaignTx& tx) -> Status {
    int64_t id = TRY(tx.add_campaign(campaign()));
    TRY(tx.add_group({id, 0, "running", 100, 0, {}}));
    TRY(tx.append(Event{0, 0, "", "campaign.create", "ok", "", "{}"}));
    return make_error("test.fail", "after the writes");
  });
  ASSERT_REFUSED(st, "test.fail");
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    EXPECT_TRUE(TRY(tx.campaigns({})).empty());
                    return ok_status();
                  })
                  .ok());
  auto log = *inv_->events();
  for (const auto& e : log) EXPECT_NE(e.kind, "campaign.create");
}

TEST_F(CampaignStoreTest, DevicesInTheOrderTheirApplicationWasRecorded) {
  ASSERT_TRUE(inv_->record_app_status("SN-2", "streamlined", "1.0", ev("SN-2", "app.status")).ok());
  ASSERT_TRUE(inv_->record_app_status("SN-1", "streamlined", "1.0", ev("SN-1", "app.status")).ok());
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    auto all = TRY(tx.app_devices("cam", -1));
                    EXPECT_EQ(all.size(), 3u);  // SN-3 too, with no application event
                    auto recorded = TRY(tx.app_devices("cam", 0));
                    EXPECT_EQ(recorded.size(), 2u);
                    if (recorded.size() != 2u) return ok_status();
                    EXPECT_EQ(recorded[0].serial, "SN-2");
                    EXPECT_EQ(recorded[1].serial, "SN-1");
                    auto later = TRY(tx.app_devices("cam", recorded[0].app_event));
                    EXPECT_EQ(later.size(), 1u);
                    EXPECT_TRUE(TRY(tx.app_devices("lamp", -1)).empty());
                    return ok_status();
                  })
                  .ok());
}

TEST_F(CampaignStoreTest, RecordsSurviveReopening) {
  int64_t id = 0;
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    id = TRY(tx.add_campaign(campaign()));
                    TRY(tx.add_group({id, 0, "running", 100, 0, {}}));
                    return tx.add_member({id, "SN-1", 0, "installed", "1.0", "", 7, 100});
                  })
                  .ok());
  inv_.reset();
  inv_ = std::move(*open_sqlite_inventory(dir_ + "/inv.db"));
  ASSERT_TRUE(inv_->campaign_write([&](CampaignTx& tx) -> Status {
                    auto c = TRY(tx.campaign(id));
                    EXPECT_TRUE(c && c->created_by == "alice" && c->state == "running");
                    auto m = TRY(tx.member(id, "SN-1"));
                    EXPECT_TRUE(m && m->install_attestation == 7);
                    EXPECT_EQ(TRY(tx.group(id, 0)).count("installed"), 1);
                    return ok_status();
                  })
                  .ok());
}

}  // namespace
}  // namespace gh::store
