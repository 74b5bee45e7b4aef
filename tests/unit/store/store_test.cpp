#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/fs.h"
#include "store/factory_registry.h"
#include "store/inventory.h"
#include "test_util.h"

namespace gh::store {
namespace {

TEST(FactoryRegistry, SerialsAreUniqueAcrossReopens) {
  std::string dir = gh::testing::make_temp_dir("gh-store");
  std::set<std::string> seen;
  for (int round = 0; round < 3; ++round) {
    auto reg = open_sqlite_factory_registry(dir + "/r.db");
    ASSERT_TRUE(reg.ok());
    auto serials = (*reg)->reserve("T-", "m", "/img", "file", 50);
    ASSERT_TRUE(serials.ok());
    for (const auto& s : *serials) EXPECT_TRUE(seen.insert(s).second) << s;
  }
  EXPECT_EQ(seen.size(), 150u);
  EXPECT_TRUE(seen.count("T-00000001"));
  (void)fs::remove_all(dir);
}

TEST(FactoryRegistry, OnlyReservedDevicesAreCompletedAndVersionsGrow) {
  std::string dir = gh::testing::make_temp_dir("gh-store");
  auto reg = std::move(*open_sqlite_factory_registry(dir + "/r.db"));
  auto serials = *reg->reserve("T-", "m", "/img", "file", 2);
  ManufacturedDevice d;
  d.serial = serials[0];
  d.model = "m";
  d.declaration_version = 1;
  d.declaration = "jws";
  ASSERT_TRUE(reg->record_made({d}).ok());
  EXPECT_EQ((*reg->get(serials[0]))->state, "made");
  ASSERT_REFUSED(reg->record_made({d}), "factory.state");  // not reserved any more
  ManufacturedDevice ghost = d;
  ghost.serial = "T-99999999";
  ASSERT_REFUSED(reg->record_made({ghost}), "factory.state");
  // A batch with one bad device changes nothing.
  ManufacturedDevice second = d;
  second.serial = serials[1];
  ASSERT_REFUSED(reg->record_made({second, ghost}), "factory.state");
  EXPECT_EQ((*reg->get(serials[1]))->state, "reserved");
  d.declaration_version = 1;  // not above the stored version
  ASSERT_REFUSED(reg->update_declarations({d}, Event{}), "declaration.version");
  d.declaration_version = 2;
  EXPECT_TRUE(reg->update_declarations({d}, Event{0, 0, "", "factory.sell", "ok", "", "{}"}).ok());
  EXPECT_EQ((*reg->get(serials[0]))->declaration_version, 2);
  ASSERT_TRUE(reg->scrap(serials[1], "test").ok());
  EXPECT_EQ((*reg->get(serials[1]))->state, "scrapped");
  EXPECT_FALSE(reg->get("nope")->has_value());
  (void)fs::remove_all(dir);
}

TEST(Inventory, ImportIsAllOrNothingAndVersionAware) {
  std::string dir = gh::testing::make_temp_dir("gh-store");
  auto inv = std::move(*open_sqlite_inventory(dir + "/i.db"));
  DeviceRecord r{"SN-1", "m", "Acme", "expected", "PEM", "DPP", "", "jws", 2, "b1", 1};
  auto c = inv->import_devices({r}, "b1", Event{0, 0, "", "bundle.import", "ok", "", "{}"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->added, 1);
  c = inv->import_devices({r}, "b1", Event{0, 0, "", "bundle.import", "ok", "", "{}"});
  EXPECT_EQ(c->unchanged, 1);
  r.declaration_version = 3;
  c = inv->import_devices({r}, "b2", Event{0, 0, "", "bundle.import", "ok", "", "{}"});
  EXPECT_EQ(c->updated, 1);
  EXPECT_EQ((*inv->get("SN-1"))->bundle_id, "b2");
  auto events = inv->events("");
  ASSERT_TRUE(events.ok());
  EXPECT_GE(events->size(), 3u);
  // Reopening applies no migration twice and keeps the data.
  inv.reset();
  auto again = open_sqlite_inventory(dir + "/i.db");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->list()->size(), 1u);
  (void)fs::remove_all(dir);
}

// MUD URLs a device announces (DHCP, DPP) or an operator assigns: beside the birth credentials'
// URL, never over it; an operator's stands over a device's; enforced only once accepted.
TEST(Inventory, MudUrlsInServiceOnly) {
  std::string dir = gh::testing::make_temp_dir("gh-store");
  auto inv = std::move(*open_sqlite_inventory(dir + "/i.db"));
  DeviceRecord born{"SN-1", "m",  "Acme", "onboarded", "PEM", "", "https://mud.acme/m.json", "jws",
                    1,      "b1", 1};
  DeviceRecord claims = born, expected = born, plain = born;
  claims.serial = "SN-2";
  claims.mud_url = "";
  expected.serial = "SN-3";
  expected.state = "expected";
  plain.serial = "SN-4";
  plain.mud_url = "";
  ASSERT_TRUE(inv->import_devices({born, claims, expected, plain}, "b1",
                                  Event{0, 0, "", "bundle.import", "ok", "", "{}"})
                  .ok());
  ASSERT_TRUE(inv->claim_mud_url("SN-2", "https://mud.acme/c.json", "dhcp").ok());
  auto urls = inv->mud_urls_in_service();
  ASSERT_TRUE(urls.ok());
  // SN-3 is not in service, SN-4 has no MUD URL of any kind.
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].serial, "SN-1");
  EXPECT_EQ((*urls)[0].enforced_mud_url(), "https://mud.acme/m.json");
  EXPECT_EQ((*urls)[1].serial, "SN-2");
  EXPECT_EQ((*urls)[1].mud_url_claimed, "https://mud.acme/c.json");
  EXPECT_EQ((*urls)[1].mud_url_claimed_status, "pending");
  EXPECT_EQ((*urls)[1].enforced_mud_url(), "");
}

TEST(Inventory, MudUrlClaims) {
  std::string dir = gh::testing::make_temp_dir("gh-store");
  auto inv = std::move(*open_sqlite_inventory(dir + "/i.db"));
  DeviceRecord born{"SN-1", "m",  "Acme", "onboarded", "PEM", "", "https://mud.acme/m.json", "jws",
                    1,      "b1", 1};
  DeviceRecord bare = born;
  bare.serial = "SN-2";
  bare.mud_url = "";
  ASSERT_TRUE(
      inv->import_devices({born, bare}, "b1", Event{0, 0, "", "bundle.import", "ok", "", "{}"})
          .ok());
  auto refused = [&](const std::string& serial) {
    int n = 0;
    auto events = inv->events(serial);
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events)
      if (e.kind == "mud.claim" && e.outcome == "refused") ++n;
    return n;
  };
  // Birth URL: the same URL confirms (nothing recorded), another is a conflict on record.
  EXPECT_EQ(*inv->claim_mud_url("SN-1", "https://mud.acme/m.json", "dhcp"), MudClaim::kConfirms);
  EXPECT_EQ(*inv->claim_mud_url("SN-1", "https://mud.evil/open.json", "dhcp"),
            MudClaim::kConflicts);
  EXPECT_EQ(refused("SN-1"), 1);
  EXPECT_EQ((*inv->get("SN-1"))->enforced_mud_url(), "https://mud.acme/m.json");
  EXPECT_EQ((*inv->get("SN-1"))->mud_url_claimed, "");
  // No birth URL: recorded pending, not enforced until accepted.
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m.json", "dhcp"), MudClaim::kRecorded);
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m.json", "dpp"), MudClaim::kUnchanged);
  auto r2 = **inv->get("SN-2");
  EXPECT_EQ(r2.mud_url_claimed_status, "pending");
  EXPECT_EQ(r2.mud_url_claimed_source, "dhcp");
  EXPECT_EQ(r2.enforced_mud_url(), "");
  Event ok{0, 0, "SN-2", "mud.claim", "ok", "accepted", "{}"};
  // A verdict on a URL it no longer claims changes nothing.
  ASSERT_REFUSED(inv->set_mud_claim_status("SN-2", "https://mud.acme/other.json", "accepted", ok),
                 "inventory.claim");
  ASSERT_TRUE(inv->set_mud_claim_status("SN-2", "https://mud.acme/m.json", "accepted", ok).ok());
  EXPECT_EQ((*inv->get("SN-2"))->enforced_mud_url(), "https://mud.acme/m.json");
  // A new announcement replaces the claim (pending again); an operator's then stands over the
  // device's next announcement.
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m2.json", "dhcp"), MudClaim::kRecorded);
  EXPECT_EQ((*inv->get("SN-2"))->enforced_mud_url(), "");
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m3.json", "operator"),
            MudClaim::kRecorded);
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m2.json", "dhcp"), MudClaim::kConflicts);
  EXPECT_EQ((*inv->get("SN-2"))->mud_url_claimed, "https://mud.acme/m3.json");
  EXPECT_EQ(*inv->claim_mud_url("SN-2", "https://mud.acme/m4.json", "operator"),
            MudClaim::kRecorded);
  EXPECT_EQ(refused("SN-2"), 1);
  ASSERT_REFUSED(inv->claim_mud_url("SN-9", "https://mud.acme/m.json", "dhcp"),
                 "inventory.unknown");
  (void)fs::remove_all(dir);
}

}  // namespace
}  // namespace gh::store
