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
  EXPECT_EQ(reg->record_made({d}).error().code, "factory.state");  // not reserved any more
  ManufacturedDevice ghost = d;
  ghost.serial = "T-99999999";
  EXPECT_FALSE(reg->record_made({ghost}).ok());
  // A batch with one bad device changes nothing.
  ManufacturedDevice second = d;
  second.serial = serials[1];
  EXPECT_FALSE(reg->record_made({second, ghost}).ok());
  EXPECT_EQ((*reg->get(serials[1]))->state, "reserved");
  d.declaration_version = 1;  // not above the stored version
  EXPECT_EQ(reg->update_declarations({d}, Event{}).error().code, "declaration.version");
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

}  // namespace
}  // namespace gh::store
