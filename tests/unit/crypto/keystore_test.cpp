#include "crypto/keystore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/fs.h"
#include "test_util.h"

namespace gh::crypto {
namespace {

TEST(FileKeyStore, KeysAreOwnerOnlyAndNeverOverwritten) {
  std::string dir = gh::testing::make_temp_dir("gh-ks");
  auto ks = open_file_keystore(dir + "/keys");
  ASSERT_TRUE(ks.ok());
  auto k = (*ks)->generate("idevid", Curve::kP256);
  ASSERT_TRUE(k.ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/keys/idevid.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir + "/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Exists: the file is never overwritten.
  ASSERT_REFUSED((*ks)->generate("idevid", Curve::kP256), "io");
  auto loaded = (*ks)->load("idevid");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->public_key() == k->public_key());
  EXPECT_TRUE((*ks)->has("idevid"));
  ASSERT_REFUSED((*ks)->load("nope"), "keystore.missing");
  ASSERT_REFUSED((*ks)->generate("../escape", Curve::kP256), "keystore.label");
  EXPECT_TRUE((*ks)->remove("idevid").ok());
  EXPECT_FALSE((*ks)->has("idevid"));
  (void)fs::remove_all(dir);
}

TEST(TpmKeyStore, RefusesWithoutATpm) {
  ASSERT_REFUSED(open_tpm_keystore("/nonexistent-gatehouse", ""), "tpm.tcti");
}

}  // namespace
}  // namespace gh::crypto
