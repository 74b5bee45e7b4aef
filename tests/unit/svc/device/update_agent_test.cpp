// The device's update steps: a release fetched through TUF must be signed as software for this
// model and version (wrong software), and a release that fails its health check is rolled back.
#include "svc/device/update_agent.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "device/firmware.h"
#include "device/slots.h"
#include "svc/factory/tuf_repository.h"
#include "test_util.h"

namespace gh::svc {
namespace {

const char* kApp = "#!/bin/sh\necho app\n";
const char* kBrokenApp = "#!/bin/sh\nexit 3\n";

std::string manifest(const std::string& model, const std::string& version) {
  return Json{{"model", model},
              {"version", version},
              {"swname", "fw"},
              {"components", {{{"name", "app"}, {"file", "app.bin"}}}}}
      .dump();
}

class UpdateAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("gh-update");
    ks_ = std::move(*crypto::open_file_keystore(dir_ + "/keys"));
    repo_ = std::move(*TufRepository::open(dir_ + "/f", *ks_));
    ASSERT_TRUE(fs::make_dirs(dir_ + "/meta").ok());
    ASSERT_TRUE(fs::write_file_atomic(dir_ + "/meta/root.json", *repo_->root_json()).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Publishes release.json and app.bin under model/version, signed as for signed_model and
  // signed_version.
  void publish(const std::string& model, const std::string& version, const std::string& app,
               const std::string& signed_model, const std::string& signed_version,
               const std::string& manifest_model = "") {
    Json custom{{"model", signed_model}, {"version", signed_version}};
    std::string base = model + "/" + version + "/";
    auto st = repo_->add_targets(
        {{base + "release.json", manifest(manifest_model.empty() ? model : manifest_model, version),
          custom},
         {base + "app.bin", app, custom}});
    ASSERT_TRUE(st.ok()) << st.error().str();
  }
  Result<VerifiedRelease> fetch(const std::string& model, const std::string& version) {
    DirFetcher f(repo_->repository_dir());
    return fetch_release(f, dir_ + "/meta", model, version);
  }
  // A device image holding release 1.0 of cam.
  std::string device() {
    std::string dev = dir_ + "/dev";
    auto m = device::parse_firmware_manifest(manifest("cam", "1.0"));
    EXPECT_TRUE(device::write_firmware(dev, *m, {kApp}).ok());
    return dev;
  }

  std::string dir_;
  std::unique_ptr<crypto::KeyStore> ks_;
  std::unique_ptr<TufRepository> repo_;
};

TEST_F(UpdateAgentTest, AReleaseSignedForThisModelIsFetchedWhole) {
  publish("cam", "1.1", kApp, "cam", "1.1");
  auto r = fetch("cam", "1.1");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->manifest.version, "1.1");
  ASSERT_EQ(r->contents.size(), 1u);
  EXPECT_EQ(r->contents[0], kApp);
}

TEST_F(UpdateAgentTest, WrongSoftwareIsRefused) {
  publish("cam", "2.0", kApp, "door", "2.0");  // signed as another model's software
  ASSERT_REFUSED(fetch("cam", "2.0"), "update.model");
  publish("cam", "3.0", kApp, "cam", "9.9");  // signed as another version
  ASSERT_REFUSED(fetch("cam", "3.0"), "update.version");
  publish("cam", "4.0", kApp, "cam", "4.0", "door");  // the manifest says another model
  ASSERT_REFUSED(fetch("cam", "4.0"), "update.model");
  ASSERT_REFUSED(fetch("cam", "5.0"), "tuf.target");  // never published
}

TEST_F(UpdateAgentTest, AHealthyReleaseIsConfirmedAndKept) {
  auto dev = device();
  publish("cam", "1.1", kApp, "cam", "1.1");
  auto r = fetch("cam", "1.1");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> phases;
  auto out = apply_release(dev, *r, {}, [&](const std::string& p) { phases.push_back(p); });
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_EQ(*out, InstallOutcome::kInstalled);
  EXPECT_EQ(phases, std::vector<std::string>{"install"});
  EXPECT_EQ(device::read_firmware(dev)->version, "1.1");
  auto slots = device::Slots::open(dev);
  ASSERT_TRUE(slots.ok());
  EXPECT_FALSE(slots->in_trial());
  // The same release again changes nothing.
  auto again = apply_release(dev, *r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, InstallOutcome::kAlreadyRunning);
}

TEST_F(UpdateAgentTest, AReleaseThatDoesNotStartIsRolledBack) {
  auto dev = device();
  publish("cam", "1.2", kBrokenApp, "cam", "1.2");
  auto r = fetch("cam", "1.2");
  ASSERT_TRUE(r.ok());
  ASSERT_REFUSED(apply_release(dev, *r), "app.health");
  EXPECT_EQ(device::read_firmware(dev)->version, "1.0");
  EXPECT_EQ(*fs::read_file(dev + "/firmware/app.bin"), kApp);
}

TEST_F(UpdateAgentTest, AnOlderReleaseIsRefusedHoweverWellSigned) {
  auto dev = device();
  publish("cam", "0.9", kApp, "cam", "0.9");  // signed, older than the running 1.0
  auto r = fetch("cam", "0.9");
  ASSERT_TRUE(r.ok());
  ASSERT_REFUSED(apply_release(dev, *r), "update.downgrade");
  EXPECT_EQ(device::read_firmware(dev)->version, "1.0");
}

TEST_F(UpdateAgentTest, AnAlteredRunningReleaseIsNotPaperedOver) {
  auto dev = device();
  publish("cam", "1.0", kApp, "cam", "1.0");
  ASSERT_TRUE(
      fs::write_file_atomic(dev + "/firmware/app.bin", std::string(kApp) + "implant\n").ok());
  auto r = fetch("cam", "1.0");
  ASSERT_TRUE(r.ok());
  ASSERT_REFUSED(apply_release(dev, *r), "update.integrity");
  EXPECT_EQ(*fs::read_file(dev + "/firmware/app.bin"), std::string(kApp) + "implant\n");
}

TEST_F(UpdateAgentTest, TheSitesVerdictDecidesTheHealthCheck) {
  auto dev = device();
  publish("cam", "1.1", kApp, "cam", "1.1");
  auto r = fetch("cam", "1.1");
  ASSERT_TRUE(r.ok());
  auto refused = [] { return Status(make_error("update.attestation", "contraindicated")); };
  ASSERT_REFUSED(apply_release(dev, *r, refused), "update.attestation");
  EXPECT_EQ(device::read_firmware(dev)->version, "1.0");
}

}  // namespace
}  // namespace gh::svc
