// The inputs fuzzing found (tests/vectors/fuzz/<target>/: each once crashed, leaked or hung its
// parser) and the seed corpora (tests/fuzz/corpus/<target>/), fed through the fuzz targets' own
// harnesses (tests/fuzz/<target>.cpp, compiled in under the name gh_fuzz_<target>). A harness
// aborts when a parser throws, crashes or breaks a property it checks; otherwise every input ends
// in a value or an error.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define GH_HARNESS(name) extern "C" int gh_fuzz_##name(const uint8_t* data, size_t size);
GH_HARNESS(bundle)
GH_HARNESS(corim)
GH_HARNESS(csr)
GH_HARNESS(declaration)
GH_HARNESS(dhcp_journal)
GH_HARNESS(dpp_config)
GH_HARNESS(dpp_connector)
GH_HARNESS(dpp_frame)
GH_HARNESS(dpp_gas)
GH_HARNESS(dpp_tcp)
GH_HARNESS(dpp_uri)
GH_HARNESS(eat)
GH_HARNESS(est)
GH_HARNESS(hostapd_log)
GH_HARNESS(http_message)
GH_HARNESS(mud)
GH_HARNESS(policy)
GH_HARNESS(tuf)
GH_HARNESS(voucher_cms)
GH_HARNESS(voucher_json)
GH_HARNESS(x509)
#undef GH_HARNESS

namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*harness)(const uint8_t*, size_t);
};

#define GH_TARGET(name)   \
  Target {                \
#name, gh_fuzz_##name \
  }
const Target kTargets[] = {
    GH_TARGET(bundle),       GH_TARGET(corim),         GH_TARGET(csr),
    GH_TARGET(declaration),  GH_TARGET(eat),           GH_TARGET(dhcp_journal),
    GH_TARGET(dpp_config),   GH_TARGET(dpp_connector), GH_TARGET(dpp_frame),
    GH_TARGET(dpp_gas),      GH_TARGET(dpp_tcp),       GH_TARGET(dpp_uri),
    GH_TARGET(est),          GH_TARGET(hostapd_log),   GH_TARGET(http_message),
    GH_TARGET(mud),          GH_TARGET(policy),        GH_TARGET(voucher_cms),
    GH_TARGET(voucher_json), GH_TARGET(x509),          GH_TARGET(tuf),
};
#undef GH_TARGET

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Feeds every file under dir/<target> to that target's harness; returns how many it fed.
size_t feed_all(const fs::path& dir) {
  size_t fed = 0;
  for (const auto& t : kTargets) {
    fs::path sub = dir / t.name;
    if (!fs::is_directory(sub)) continue;
    for (const auto& entry : fs::directory_iterator(sub)) {
      if (!entry.is_regular_file()) continue;
      SCOPED_TRACE(entry.path().string());
      auto data = read_all(entry.path());
      EXPECT_EQ(t.harness(data.data(), data.size()), 0);
      ++fed;
    }
  }
  return fed;
}

TEST(FuzzRegressions, EveryFoundInputEndsInAValueOrAnError) {
  fs::path dir = fs::path(GH_VECTORS_DIR) / "fuzz";
  // Every folder names a target.
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory()) continue;
    bool known = false;
    for (const auto& t : kTargets) known |= entry.path().filename() == t.name;
    EXPECT_TRUE(known) << entry.path();
  }
  EXPECT_GT(feed_all(dir), 0u);
}

TEST(FuzzRegressions, EverySeedEndsInAValueOrAnError) {
  EXPECT_GT(feed_all(fs::path(GH_FUZZ_DIR) / "corpus"), 50u);
}

TEST(FuzzRegressions, EveryTargetHasAHarnessHere) {
  // A new tests/fuzz/<target>.cpp is listed above too.
  size_t sources = 0;
  for (const auto& entry : fs::directory_iterator(GH_FUZZ_DIR))
    if (entry.path().extension() == ".cpp") ++sources;
  EXPECT_EQ(sources, std::size(kTargets));
}

}  // namespace
