#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "svc/factory/factory.h"
#include "svc/site/site.h"
#include "test_util.h"

namespace gh::svc {
namespace {

class FactorySiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-svc");
    ASSERT_TRUE(
        Factory::init({dir_ + "/factory", "Acme Devices", "", "", "ACME-", "file", {}}).ok());
    ASSERT_TRUE(Site::init({dir_ + "/site", "Example Site", {}}).ok());
    ASSERT_TRUE(Site::init({dir_ + "/other", "Other Site", {}}).ok());
  }
  void TearDown() override { (void)fs::remove_all(dir_); }

  std::unique_ptr<Factory> factory() {
    auto f = Factory::open(dir_ + "/factory");
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().str());
    return f.ok() ? std::move(*f) : nullptr;
  }
  std::vector<std::string> make(Factory& f, int n) {
    MakeOptions o;
    o.model = "th-100";
    o.count = n;
    o.out_dir = dir_ + "/devices";
    o.mud_url = "https://mud.acme.example/th-100.json";
    auto made = f.make(o);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().str());
    std::vector<std::string> serials;
    if (made.ok())
      for (const auto& d : *made) serials.push_back(d.serial);
    return serials;
  }
  std::string read(const std::string& p) { return fs::read_file(p).value_or(""); }
  std::string root_pem() { return read(dir_ + "/factory/pki/root.pem"); }

  std::string dir_;
};

TEST_F(FactorySiteTest, MakesCompleteDeviceImages) {
  auto f = factory();
  auto serials = make(*f, 3);
  ASSERT_EQ(serials.size(), 3u);
  EXPECT_EQ(serials[0], "ACME-00000001");
  for (const auto& s : serials) {
    std::string img = dir_ + "/devices/" + s;
    for (const char* file :
         {"bootstrap/idevid.pem", "bootstrap/masa-trust.pem", "bootstrap/dpp-uri.txt",
          "bootstrap/dpp-qr.png", "bootstrap/app-bootstrap.json", "bootstrap/device.json",
          "keystore/idevid.key", "keystore/dpp-bootstrap.key", "keystore/attestation.key"})
      EXPECT_TRUE(fs::exists(img + "/" + file)) << img << "/" << file;
    auto chain = crypto::Certificate::chain_from_pem(read(img + "/bootstrap/idevid.pem"));
    ASSERT_TRUE(chain.ok());
    EXPECT_EQ(chain->size(), 3u);  // IDevID, issuing CA, root
    EXPECT_EQ((*chain)[0].serial_number_attr(), s);
    auto rec = f->registry().get(s);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ((*rec)->state, "made");
    EXPECT_EQ((*rec)->owner_name, "Acme Devices");
    // The factory never saw the device key: only the device image holds it.
    EXPECT_EQ((*rec)->idevid_pem.find("PRIVATE"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_ + "/devices/.partial-ACME-00000001"));
}

TEST_F(FactorySiteTest, InitTwiceIsRefused) {
  ASSERT_REFUSED(Factory::init({dir_ + "/factory", "Again", "", "", "", "file", {}}),
                 "state.exists");
  ASSERT_REFUSED(Site::init({dir_ + "/site", "Again", {}}), "state.exists");
}

TEST_F(FactorySiteTest, StateIsLockedAgainstASecondWriter) {
  auto f = factory();
  auto second = Factory::open(dir_ + "/factory");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "state.busy");
}

TEST_F(FactorySiteTest, SellImportAndOwnershipChecks) {
  auto f = factory();
  auto serials = make(*f, 4);
  SellOptions sell;
  sell.serials = {serials[0], serials[1]};
  sell.owner_cert_pem = read(dir_ + "/site/domain-ca.pem");
  sell.bundle_path = dir_ + "/bundle.pem";
  auto sold = f->sell(sell);
  ASSERT_TRUE(sold.ok()) << sold.error().str();
  EXPECT_EQ(*sold, 2u);
  EXPECT_EQ((*f->registry().get(serials[0]))->declaration_version, 2);
  EXPECT_EQ((*f->registry().get(serials[2]))->declaration_version, 1);
  EXPECT_EQ(read(sell.bundle_path).find("PRIVATE KEY"), std::string::npos);

  auto site = std::move(*Site::open(dir_ + "/site"));
  // Unknown manufacturer: refused until its root is trusted.
  auto r = site->import_bundle(sell.bundle_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bundle.anchor");
  EXPECT_TRUE(site->inventory().list()->empty());
  r = site->import_bundle(sell.bundle_path, root_pem());
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->counts.added, 2);
  EXPECT_TRUE(r->anchor_added);
  EXPECT_EQ((*site->inventory().get(serials[0]))->state, "expected");
  EXPECT_FALSE(site->inventory().get(serials[2])->has_value());
  // Importing the same bundle again changes nothing.
  r = site->import_bundle(sell.bundle_path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->counts.unchanged, 2);

  // Another site: the declarations name a different owner.
  auto other = std::move(*Site::open(dir_ + "/other"));
  auto refused = other->import_bundle(sell.bundle_path, root_pem());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "declaration.owner");
  EXPECT_TRUE(other->inventory().list()->empty());
  EXPECT_TRUE(other->inventory().manufacturers()->empty());  // a refused import trusts nothing
  auto events = other->inventory().events("");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().outcome, "refused");
  EXPECT_EQ(events->back().reason, "declaration.owner");
}

TEST_F(FactorySiteTest, SellingAnUnknownSerialChangesNothing) {
  auto f = factory();
  auto serials = make(*f, 1);
  SellOptions sell;
  sell.serials = {serials[0], "ACME-99999999"};
  sell.owner_cert_pem = read(dir_ + "/site/domain-ca.pem");
  sell.bundle_path = dir_ + "/bundle.pem";
  auto r = f->sell(sell);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "sell.serial");
  EXPECT_EQ((*f->registry().get(serials[0]))->declaration_version, 1);
  EXPECT_FALSE(fs::exists(sell.bundle_path));
}

TEST_F(FactorySiteTest, ResaleNeedsTransfer) {
  auto f = factory();
  auto serials = make(*f, 1);
  SellOptions sell;
  sell.serials = serials;
  sell.owner_cert_pem = read(dir_ + "/site/domain-ca.pem");
  sell.bundle_path = dir_ + "/b1.pem";
  ASSERT_TRUE(f->sell(sell).ok());
  sell.owner_cert_pem = read(dir_ + "/other/domain-ca.pem");
  sell.bundle_path = dir_ + "/b2.pem";
  ASSERT_REFUSED(f->sell(sell), "sell.owner");
  sell.transfer = true;
  ASSERT_TRUE(f->sell(sell).ok());
  EXPECT_EQ((*f->registry().get(serials[0]))->declaration_version, 3);
  auto other = std::move(*Site::open(dir_ + "/other"));
  auto r = other->import_bundle(sell.bundle_path, root_pem());
  ASSERT_TRUE(r.ok()) << r.error().str();
  // The first owner's old bundle still names it, but a newer declaration exists at the factory.
  auto site = std::move(*Site::open(dir_ + "/site"));
  EXPECT_TRUE(site->import_bundle(dir_ + "/b1.pem", root_pem()).ok());
}

TEST_F(FactorySiteTest, BrokenBundleIsRefused) {
  auto f = factory();
  auto serials = make(*f, 2);
  SellOptions sell;
  sell.serials = serials;
  sell.owner_cert_pem = read(dir_ + "/site/domain-ca.pem");
  sell.bundle_path = dir_ + "/bundle.pem";
  ASSERT_TRUE(f->sell(sell).ok());
  std::string pem = read(sell.bundle_path);
  size_t mid = pem.size() / 2;
  while (pem[mid] == '\n') ++mid;
  pem[mid] = pem[mid] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(fs::write_file_atomic(dir_ + "/broken.pem", pem).ok());
  auto site = std::move(*Site::open(dir_ + "/site"));
  auto r = site->import_bundle(dir_ + "/broken.pem", root_pem());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bundle.signature") << r.error().str();
  EXPECT_TRUE(site->inventory().list()->empty());
  EXPECT_TRUE(site->inventory().manufacturers()->empty());
}

TEST_F(FactorySiteTest, PublishMudChecksTheFile) {
  auto f = factory();
  make(*f, 1);
  ASSERT_TRUE(fs::write_file_atomic(dir_ + "/bad.json", "this is not json").ok());
  ASSERT_REFUSED(f->publish_mud("th-100", dir_ + "/bad.json"), "mud.json");
  ASSERT_TRUE(
      fs::write_file_atomic(
          dir_ + "/other-url.json",
          R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://elsewhere.example/x.json",)"
          R"("last-update":"2026-01-01T00:00:00Z","is-supported":true}})")
          .ok());
  ASSERT_REFUSED(f->publish_mud("th-100", dir_ + "/other-url.json"), "mud.url");
  EXPECT_FALSE(fs::exists(dir_ + "/factory/mud/th-100.json"));
  ASSERT_TRUE(
      fs::write_file_atomic(
          dir_ + "/good.json",
          R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://mud.acme.example/th-100.json",)"
          R"("last-update":"2026-01-01T00:00:00Z","is-supported":true}})")
          .ok());
  auto out = f->publish_mud("th-100", dir_ + "/good.json");
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_TRUE(fs::exists(*out + ".p7s"));
}

TEST_F(FactorySiteTest, InterruptedRunIsScrappedNotReused) {
  std::vector<std::string> reserved;
  {
    // Simulate a run killed after reserving serials and writing images, before recording them.
    auto reg = std::move(*store::open_sqlite_factory_registry(dir_ + "/factory/registry.db"));
    reserved = *reg->reserve("ACME-", "th-100", dir_ + "/devices", "file", 2);
    ASSERT_TRUE(fs::make_dirs(dir_ + "/devices/" + reserved[0] + "/bootstrap").ok());
    ASSERT_TRUE(
        fs::write_file_atomic(dir_ + "/devices/" + reserved[0] + "/bootstrap/idevid.pem", "x")
            .ok());
    ASSERT_TRUE(fs::make_dirs(dir_ + "/devices/.partial-" + reserved[1]).ok());
  }
  auto f = factory();
  EXPECT_EQ((*f->registry().get(reserved[0]))->state, "scrapped");
  EXPECT_EQ((*f->registry().get(reserved[1]))->state, "scrapped");
  EXPECT_FALSE(fs::exists(dir_ + "/devices/" + reserved[0]));
  EXPECT_FALSE(fs::exists(dir_ + "/devices/.partial-" + reserved[1]));
  auto serials = make(*f, 1);
  ASSERT_EQ(serials.size(), 1u);
  EXPECT_EQ(serials[0], "ACME-00000003");
}

TEST_F(FactorySiteTest, BadMakeOptionsAreRefusedBeforeAnySerialIsTaken) {
  auto f = factory();
  MakeOptions o;
  o.model = "th 100";
  o.out_dir = dir_ + "/devices";
  ASSERT_REFUSED(f->make(o), "usage");
  o.model = "th-100";
  o.mud_url = "http://insecure.example/x.json";
  ASSERT_REFUSED(f->make(o), "mud.url");
  o.mud_url = "";
  o.device_keystore = "floppy";
  ASSERT_REFUSED(f->make(o), "usage");
  EXPECT_TRUE(f->registry().list()->empty());
}

}  // namespace
}  // namespace gh::svc
