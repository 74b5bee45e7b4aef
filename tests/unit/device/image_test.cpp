// The device image is read through device::Image only: bootstrap/device.json's fields, and a
// directory that is no image refused with the check named.
#include "device/image.h"

#include <gtest/gtest.h>

#include "common/fs.h"
#include "test_util.h"

namespace gh::device {
namespace {

TEST(DeviceImage, ReadsTheBirthInformation) {
  std::string dir = gh::testing::make_temp_dir("gh-image");
  ASSERT_TRUE(fs::make_dirs(dir + "/bootstrap", 0755).ok());
  ASSERT_TRUE(fs::write_file_atomic(dir + "/bootstrap/device.json", R"({
    "serial-number": "ACME-0001", "model": "th-100", "manufacturer": "Acme",
    "keystore": "tpm", "masa-url": "https://masa.example:9443",
    "mud-url": "https://mud.example/th.json", "factory-keys": ["idevid", "dpp-bootstrap"]})")
                  .ok());
  auto im = Image::open(dir);
  ASSERT_TRUE(im.ok()) << im.error().str();
  EXPECT_EQ(im->serial(), "ACME-0001");
  EXPECT_EQ(im->info().model, "th-100");
  EXPECT_EQ(im->info().manufacturer, "Acme");
  EXPECT_EQ(im->info().keystore, "tpm");
  EXPECT_EQ(im->info().masa_url, "https://masa.example:9443");
  EXPECT_EQ(im->info().mud_url, "https://mud.example/th.json");
  EXPECT_EQ(im->info().factory_keys, (std::vector<std::string>{"idevid", "dpp-bootstrap"}));
  EXPECT_FALSE(im->onboarded());
  ASSERT_TRUE(fs::make_dirs(dir + "/onboarding", 0755).ok());
  ASSERT_TRUE(fs::write_file_atomic(dir + "/onboarding/network.json", "{}").ok());
  EXPECT_TRUE(im->onboarded());
  (void)fs::remove_all(dir);
}

TEST(DeviceImage, ADirectoryWithoutDeviceJsonIsNoImage) {
  std::string dir = gh::testing::make_temp_dir("gh-image");
  auto im = Image::open(dir);
  ASSERT_FALSE(im.ok());
  EXPECT_EQ(im.error().code, "device.image");
  ASSERT_TRUE(fs::make_dirs(dir + "/bootstrap", 0755).ok());
  ASSERT_TRUE(fs::write_file_atomic(dir + "/bootstrap/device.json", "[1, 2]").ok());
  auto arr = Image::open(dir);
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.error().code, "device.image");
  (void)fs::remove_all(dir);
}

}  // namespace
}  // namespace gh::device
