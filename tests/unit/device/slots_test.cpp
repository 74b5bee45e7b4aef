// A/B slots: migration of a plain firmware/ directory, stage/switch/confirm/rollback, the boot
// counter's fall back, the refusals, and SIGKILL at random moments (a power loss as far as the
// file system's view from other processes goes) always leaving a verified release behind
// `firmware`. AppRun: the release's app run with --health, its exit code, output and timeout.
#include "device/slots.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "common/fs.h"
#include "common/json.h"
#include "crypto/digest.h"
#include "device/app_run.h"
#include "test_util.h"

namespace gh::device {
namespace {

const char* kApp = "echo \"app $GATEHOUSE_APP_VERSION $1\"\nexit 0\n";

FirmwareManifest release(const std::string& version, bool with_app = true) {
  FirmwareManifest m{"th-100", version, "Acme firmware", {{"boot", "boot.bin"}, {"os", "os.img"}}};
  if (with_app) m.components.push_back({"app", "app.sh"});
  return m;
}

// Different sizes and bytes per version, so that a mix of two releases cannot pass as either.
std::vector<std::string> contents(const std::string& version, const std::string& app = kApp) {
  std::string os;
  for (int i = 0; i < (version == "1.0" ? 2000 : 3000); ++i) os += "os " + version + " ";
  return {"boot " + version + "\n", os, app};
}

std::string read(const std::string& path) {
  auto r = fs::read_file(path);
  return r.ok() ? *r : "<" + r.error().message + ">";
}

std::string link_of(const std::string& path) {
  std::error_code ec;
  return std::filesystem::read_symlink(path, ec).string();
}

// A device image holding release 1.0 in a plain firmware/ directory; removed at the end.
struct TestImage {
  TestImage() : dir(gh::testing::make_temp_dir("gh-slots")) {
    EXPECT_TRUE(write_firmware(dir, release("1.0"), contents("1.0")).ok());
  }
  ~TestImage() { (void)fs::remove_all(dir); }
  Slots open() const {
    auto s = Slots::open(dir);
    EXPECT_TRUE(s.ok()) << s.error().str();
    return std::move(s).value();
  }
  // What the device runs: read_firmware through the `firmware` link.
  std::string running_version() const {
    auto m = read_firmware(dir);
    return m.ok() ? m->version : "<" + m.error().message + ">";
  }
  std::string dir;
};

TEST(Slots, MigratesAPlainFirmwareDirectory) {
  TestImage im;
  ASSERT_TRUE(fs::write_file_atomic(im.dir + "/firmware/debug-enabled", "").ok());
  Slots s = im.open();
  EXPECT_EQ(s.active(), "a");
  EXPECT_EQ(s.inactive(), "b");
  EXPECT_FALSE(s.in_trial());
  EXPECT_EQ(s.version("a"), "1.0");
  EXPECT_EQ(s.state("a"), "good");
  EXPECT_EQ(s.version("b"), "");
  EXPECT_EQ(link_of(im.dir + "/firmware"), "slots/a/firmware");
  EXPECT_EQ(read(im.dir + "/slots/a/firmware/os.img"), contents("1.0")[1]);
  EXPECT_TRUE(s.verify("a").ok());
  // measure_firmware, unchanged, reads through the link: the same digests, debug flag carried.
  auto meas = measure_firmware(im.dir);
  ASSERT_TRUE(meas.ok()) << meas.error().str();
  ASSERT_EQ(meas->digests.size(), 3u);
  EXPECT_EQ(meas->digests[1].component, "os");
  EXPECT_EQ(meas->digests[1].sha256, crypto::sha256(std::string_view(contents("1.0")[1])));
  EXPECT_TRUE(meas->debug_enabled);
  auto boot = parse_json(read(im.dir + "/slots/boot.json"), "test");
  ASSERT_TRUE(boot.ok());
  EXPECT_EQ((*boot)["active"], "a");
  EXPECT_EQ((*boot)["trial"], "");
  EXPECT_EQ((*boot)["generation"], 1);
  auto slot = parse_json(read(im.dir + "/slots/a/slot.json"), "test");
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ((*slot)["files"]["os.img"],
            hex_encode(crypto::sha256(std::string_view(contents("1.0")[1]))));
  // Opening again changes nothing.
  Slots again = im.open();
  EXPECT_EQ(again.active(), "a");
  EXPECT_EQ(read(im.dir + "/slots/boot.json"), boot->dump(2) + "\n");
}

TEST(Slots, StageSwitchConfirm) {
  TestImage im;
  Slots s = im.open();
  ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
  EXPECT_EQ(s.active(), "a");
  EXPECT_EQ(s.version("b"), "2.0");
  EXPECT_EQ(s.state("b"), "staged");
  EXPECT_EQ(im.running_version(), "1.0");  // staging never touches what runs
  ASSERT_TRUE(s.switch_to_inactive().ok());
  EXPECT_TRUE(s.in_trial());
  EXPECT_EQ(s.active(), "b");
  EXPECT_EQ(s.state("b"), "trial");
  EXPECT_EQ(link_of(im.dir + "/firmware"), "slots/b/firmware");
  EXPECT_EQ(im.running_version(), "2.0");
  EXPECT_EQ(read(im.dir + "/firmware/os.img"), contents("2.0")[1]);
  auto outcome = s.boot();
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, Slots::BootOutcome::kTrial);
  ASSERT_TRUE(s.confirm().ok());
  EXPECT_FALSE(s.in_trial());
  EXPECT_EQ(s.state("b"), "good");
  EXPECT_EQ(s.previous(), "a");
  ASSERT_REFUSED(s.confirm(), "slot.trial");
  Slots again = im.open();
  EXPECT_EQ(again.active(), "b");
  EXPECT_FALSE(again.in_trial());
  auto later = again.boot();
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, Slots::BootOutcome::kNormal);
  EXPECT_EQ(im.running_version(), "2.0");
  // A confirmed release can still be left for the one before (the site asked).
  ASSERT_TRUE(again.rollback().ok());
  EXPECT_EQ(again.active(), "a");
  EXPECT_EQ(again.state("b"), "bad");
  EXPECT_EQ(im.running_version(), "1.0");
}

TEST(Slots, StageSwitchRollback) {
  TestImage im;
  Slots s = im.open();
  ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
  ASSERT_TRUE(s.switch_to_inactive().ok());
  ASSERT_TRUE(s.boot().ok());
  ASSERT_TRUE(s.rollback().ok());  // the health check failed
  EXPECT_EQ(s.active(), "a");
  EXPECT_FALSE(s.in_trial());
  EXPECT_EQ(s.state("b"), "bad");
  EXPECT_EQ(s.state("a"), "good");
  EXPECT_EQ(link_of(im.dir + "/firmware"), "slots/a/firmware");
  EXPECT_EQ(im.running_version(), "1.0");
  ASSERT_REFUSED(s.switch_to_inactive(), "slot.bad");  // an abandoned release is not retried
  ASSERT_REFUSED(s.rollback(), "slot.previous");
  // A new release replaces the bad one.
  ASSERT_TRUE(s.stage(release("3.0"), contents("3.0")).ok());
  EXPECT_EQ(s.state("b"), "staged");
  ASSERT_TRUE(s.switch_to_inactive().ok());
  EXPECT_EQ(im.running_version(), "3.0");
}

TEST(Slots, BootFallsBackAfterAnUnconfirmedTrialBoot) {
  TestImage im;
  {
    Slots s = im.open();
    ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
    ASSERT_TRUE(s.switch_to_inactive().ok());
    auto first = s.boot();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, Slots::BootOutcome::kTrial);
  }  // the trial release never confirms; the device restarts
  Slots s = im.open();
  EXPECT_TRUE(s.in_trial());  // Slots::open alone does not count a boot
  EXPECT_EQ(im.running_version(), "2.0");
  auto second = s.boot();
  ASSERT_TRUE(second.ok()) << second.error().str();
  EXPECT_EQ(*second, Slots::BootOutcome::kFellBack);
  EXPECT_EQ(s.active(), "a");
  EXPECT_FALSE(s.in_trial());
  EXPECT_EQ(s.state("b"), "bad");
  EXPECT_EQ(im.running_version(), "1.0");
  auto third = Slots::open(im.dir)->boot();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, Slots::BootOutcome::kNormal);
}

TEST(Slots, StageIsRefusedDuringATrial) {
  TestImage im;
  Slots s = im.open();
  ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
  ASSERT_TRUE(s.switch_to_inactive().ok());
  ASSERT_REFUSED(s.stage(release("3.0"), contents("3.0")), "slot.busy");
  ASSERT_REFUSED(s.switch_to_inactive(), "slot.busy");
  EXPECT_EQ(s.version("a"), "1.0");  // the fall-back release is still there
  EXPECT_EQ(s.version("b"), "2.0");
  EXPECT_FALSE(fs::exists(im.dir + "/slots/.staging"));
}

TEST(Slots, SwitchIsRefusedWithNothingStaged) {
  TestImage im;
  Slots s = im.open();
  ASSERT_REFUSED(s.switch_to_inactive(), "slot.empty");
  EXPECT_EQ(s.active(), "a");
  EXPECT_FALSE(s.in_trial());
  EXPECT_EQ(link_of(im.dir + "/firmware"), "slots/a/firmware");
  ASSERT_REFUSED(s.release("b"), "slot.empty");
}

TEST(Slots, VerifyCatchesAChangedByte) {
  TestImage im;
  Slots s = im.open();
  ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
  std::string os = read(im.dir + "/slots/b/firmware/os.img");
  os[100] ^= 0x01;
  ASSERT_TRUE(fs::write_file_atomic(im.dir + "/slots/b/firmware/os.img", os).ok());
  auto v = s.verify("b");
  ASSERT_REFUSED(v, "slot.verify");
  EXPECT_NE(v.error().message.find("os.img"), std::string::npos) << v.error().message;
  ASSERT_REFUSED(s.switch_to_inactive(), "slot.verify");
  EXPECT_EQ(im.running_version(), "1.0");
  // A file added behind slot.json's back is caught too.
  ASSERT_TRUE(fs::write_file_atomic(im.dir + "/firmware/debug-enabled", "").ok());
  auto added = s.verify("a");
  ASSERT_REFUSED(added, "slot.verify");
  EXPECT_NE(added.error().message.find("debug-enabled"), std::string::npos);
}

TEST(Slots, RefusesAComponentNameThatIsNotPlain) {
  TestImage im;
  Slots s = im.open();
  for (std::string bad : {"../evil", "a/b", "", "..", "release.json", ".hidden"}) {
    FirmwareManifest m = release("2.0");
    m.components[0].file = bad;
    ASSERT_REFUSED(s.stage(m, contents("2.0")), "slot.name");
  }
  FirmwareManifest twice = release("2.0");
  twice.components[1].file = "boot.bin";
  ASSERT_REFUSED(s.stage(twice, contents("2.0")), "slot.name");
  ASSERT_REFUSED(s.stage(release("2.0"), {"only one"}), "slot.release");
  EXPECT_EQ(s.version("b"), "");
  EXPECT_FALSE(fs::exists(im.dir + "/slots/b"));
  EXPECT_FALSE(fs::exists(im.dir + "/evil"));
}

TEST(Slots, OpenRepairsALaggingLinkAndLeftovers) {
  TestImage im;
  {
    Slots s = im.open();
    ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
    ASSERT_TRUE(s.switch_to_inactive().ok());
    ASSERT_TRUE(s.confirm().ok());
  }
  // As if the power went after boot.json's commit but before the link's rename, mid-stage.
  ASSERT_EQ(::unlink((im.dir + "/firmware").c_str()), 0);
  ASSERT_EQ(::symlink("slots/a/firmware", (im.dir + "/firmware").c_str()), 0);
  ASSERT_TRUE(fs::make_dirs(im.dir + "/slots/.staging/firmware").ok());
  ASSERT_TRUE(fs::write_file_atomic(im.dir + "/slots/.staging/firmware/os.img", "half").ok());
  Slots s = im.open();
  EXPECT_EQ(s.active(), "b");
  EXPECT_EQ(link_of(im.dir + "/firmware"), "slots/b/firmware");
  EXPECT_EQ(im.running_version(), "2.0");
  EXPECT_FALSE(fs::exists(im.dir + "/slots/.staging"));
  // A rollback that had marked its slot bad before the power went is finished.
  auto rec = parse_json(read(im.dir + "/slots/b/slot.json"), "test");
  ASSERT_TRUE(rec.ok());
  (*rec)["state"] = "bad";
  ASSERT_TRUE(fs::write_file_atomic(im.dir + "/slots/b/slot.json", rec->dump(2)).ok());
  Slots finished = im.open();
  EXPECT_EQ(finished.active(), "a");
  EXPECT_EQ(im.running_version(), "1.0");
  EXPECT_EQ(finished.state("b"), "bad");
}

// The power-loss tests run in /dev/shm when there is one: a SIGKILL tests the order of the
// operations (what survives a process, not a disk), and cheap writes let 0-3 ms land anywhere in
// a cycle.
enum Phase { kOpen = 1, kStage, kSwitch, kBoot, kConfirm, kFallBack, kPhases };
const char* kPhaseNames[] = {"", "open", "stage", "switch", "boot", "confirm", "fall back"};

// The child: the update agent and the device's restarts in a loop, until it is killed. Every
// third trial (shifted by salt) is never confirmed, so that the next boot falls back.
[[noreturn]] void churn(const std::string& dir, std::atomic<int>* phase, int salt) {
  auto check = [](auto&& r, const char* step) {
    if (r.ok()) return;
    std::fprintf(stderr, "%s: %s\n", step, r.error().str().c_str());
    ::_exit(1);
  };
  phase->store(kOpen);
  auto opened = Slots::open(dir);
  check(opened, "open");
  Slots& s = *opened;
  check(s.boot(), "boot");
  if (s.in_trial()) check(s.confirm(), "confirm");
  for (int cycle = 0;; ++cycle) {
    std::string next = s.version(s.active()) == "1.0" ? "2.0" : "1.0";
    phase->store(kStage);
    check(s.stage(release(next), contents(next)), "stage");
    phase->store(kSwitch);
    check(s.switch_to_inactive(), "switch");
    phase->store(kBoot);
    check(s.boot(), "boot");
    if ((cycle + salt) % 3 == 2) {
      phase->store(kFallBack);
      check(s.boot(), "fall back");
    } else {
      phase->store(kConfirm);
      check(s.confirm(), "confirm");
    }
  }
}

// What the power loss left, and what a restart finds: a release behind `firmware` whose files
// measure as one of the two releases, exactly, and, after open(), match the active slot.json.
void expect_bootable(const std::string& dir) {
  // As the kill left it, before open() repairs anything: a whole release (the link may still
  // name the slot a switch was leaving, which is complete too).
  auto raw = measure_firmware(dir);
  ASSERT_TRUE(raw.ok()) << "before open: " << raw.error().str();
  auto raw_want = contents(raw->manifest.version);
  ASSERT_EQ(raw->digests.size(), raw_want.size());
  for (size_t i = 0; i < raw_want.size(); ++i)
    EXPECT_EQ(raw->digests[i].sha256, crypto::sha256(std::string_view(raw_want[i]))) << i;
  auto s = Slots::open(dir);
  ASSERT_TRUE(s.ok()) << s.error().str();
  ASSERT_TRUE(fs::exists(dir + "/firmware/release.json"));
  auto m = read_firmware(dir);
  ASSERT_TRUE(m.ok()) << m.error().str();
  ASSERT_TRUE(m->version == "1.0" || m->version == "2.0") << m->version;
  EXPECT_EQ(s->version(s->active()), m->version);
  auto verified = s->verify(s->active());
  ASSERT_TRUE(verified.ok()) << verified.error().str();
  auto meas = measure_firmware(dir);
  ASSERT_TRUE(meas.ok()) << meas.error().str();
  auto want = contents(m->version);
  ASSERT_EQ(meas->digests.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(meas->digests[i].sha256, crypto::sha256(std::string_view(want[i]))) << i;
  EXPECT_FALSE(fs::exists(dir + "/slots/.staging"));
}

std::atomic<int>* shared_phase() {
  void* p = ::mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : new (p) std::atomic<int>(0);
}

// One stage, switch, boot and confirm here, in microseconds: a sanitizer build is several times
// slower, and the kill delays scale with it so that they still reach every step.
int64_t cycle_us() {
  auto tmp = fs::TempDir::create("", "gh-slots-time");
  if (!tmp.ok() || !write_firmware(tmp->path(), release("1.0"), contents("1.0")).ok()) return 0;
  auto s = Slots::open(tmp->path());
  if (!s.ok()) return 0;
  auto start = std::chrono::steady_clock::now();
  if (!s->stage(release("2.0"), contents("2.0")).ok() || !s->switch_to_inactive().ok() ||
      !s->boot().ok() || !s->confirm().ok())
    return 0;
  auto took = std::chrono::steady_clock::now() - start;
  return std::chrono::duration_cast<std::chrono::microseconds>(took).count();
}

TEST(Slots, PowerLossAtAnyMomentLeavesAVerifiedRelease) {
  auto tmp = fs::TempDir::create("", "gh-slots-power");
  ASSERT_TRUE(tmp.ok());
  const std::string dir = tmp->path();
  ASSERT_TRUE(write_firmware(dir, release("1.0"), contents("1.0")).ok());
  std::atomic<int>* phase = shared_phase();
  ASSERT_NE(phase, nullptr);
  unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  // 0-3 ms, or up to two cycles where one takes longer (about 0.7 ms in /dev/shm unsanitized).
  int64_t max_delay = std::max<int64_t>(3000, 2 * cycle_us());
  std::uniform_int_distribution<int64_t> delay_us(0, max_delay);
  // A quarter of the kills count from the child's start (open() and its repairs), the others
  // from the start of a stage, a switch or a boot, so that short steps are reached too.
  const int kFrom[] = {0, kStage, kSwitch, kBoot};
  int hits[kPhases] = {};
  for (int i = 0; i < 200; ++i) {
    phase->store(0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) churn(dir, phase, i);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (phase->load() < kFrom[i % 4] && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::microseconds(10));
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "iteration " << i << ": the child failed by itself";
    hits[phase->load()]++;
    expect_bootable(dir);
    if (::testing::Test::HasFatalFailure()) FAIL() << "after iteration " << i;
  }
  std::string spread;
  for (int p = kOpen; p < kPhases; ++p) {
    spread += std::string(" ") + kPhaseNames[p] + "=" + std::to_string(hits[p]);
  }
  std::printf("[   info   ] kills per phase (delays 0-%lld us):%s\n",
              static_cast<long long>(max_delay), spread.c_str());
  // The kills landed inside the writes, not only before the first one (boot, confirm and fall
  // back take tens of microseconds: they are hit a few times a run, too rarely to assert).
  EXPECT_GT(hits[kOpen], 0) << spread;
  EXPECT_GT(hits[kStage], 0) << spread;
  EXPECT_GT(hits[kSwitch], 0) << spread;
  ::munmap(phase, sizeof(std::atomic<int>));
}

TEST(Slots, PowerLossDuringMigrationLeavesTheRelease) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 1500);
  for (int i = 0; i < 50; ++i) {
    auto tmp = fs::TempDir::create("", "gh-slots-migrate");
    ASSERT_TRUE(tmp.ok());
    ASSERT_TRUE(write_firmware(tmp->path(), release("1.0"), contents("1.0")).ok());
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(Slots::open(tmp->path()).ok() ? 0 : 1);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
    expect_bootable(tmp->path());
    if (::testing::Test::HasFatalFailure()) FAIL() << "after iteration " << i;
    EXPECT_EQ(link_of(tmp->path() + "/firmware"), "slots/a/firmware");
  }
}

// AppRun: the image's app component is a shell script.
struct AppImage {
  explicit AppImage(const std::string& app, bool with_app = true)
      : dir(gh::testing::make_temp_dir("gh-app")) {
    auto files = contents("1.0", app);
    if (!with_app) files.pop_back();
    EXPECT_TRUE(write_firmware(dir, release("1.0", with_app), files).ok());
  }
  ~AppImage() { (void)fs::remove_all(dir); }
  std::string dir;
};

TEST(AppRun, AHealthyAppGetsItsVersionAndDirectory) {
  AppImage im(
      "echo \"v=$GATEHOUSE_APP_VERSION arg=$1 dir=$GATEHOUSE_DEVICE_DIR cwd=$(pwd -P)\"\n"
      "echo second line\nexit 0\n");
  auto run = start_application(im.dir, 5);
  ASSERT_TRUE(run.ok()) << run.error().str();
  EXPECT_TRUE(run->healthy);
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->version, "1.0");
  std::string real = std::filesystem::canonical(im.dir).string();
  EXPECT_EQ(run->first_line, "v=1.0 arg=--health dir=" + im.dir + " cwd=" + real);
}

TEST(AppRun, AFailingAppIsNotHealthy) {
  AppImage im("echo 'database unreachable'\nexit 3\n");
  auto run = start_application(im.dir, 5);
  ASSERT_TRUE(run.ok()) << run.error().str();
  EXPECT_FALSE(run->healthy);
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_EQ(run->first_line, "database unreachable");
}

TEST(AppRun, AHangingAppIsKilledAtTheTimeout) {
  AppImage im("echo starting\nsleep 30\n");
  auto start = std::chrono::steady_clock::now();
  ASSERT_REFUSED(start_application(im.dir, 1), "app.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(AppRun, OutputIsCappedAndTheAppNotBlocked) {
  // 1 MiB of output: kept up to the limit, the rest drained so that the app can exit.
  AppImage im("i=0\nwhile [ $i -lt 1024 ]; do printf '%01024d\\n' 0; i=$((i+1)); done\nexit 0\n");
  auto run = start_application(im.dir, 10);
  ASSERT_TRUE(run.ok()) << run.error().str();
  EXPECT_TRUE(run->healthy);
  EXPECT_EQ(run->first_line, std::string(1024, '0'));
}

TEST(AppRun, AReleaseWithoutAnAppIsRefused) {
  AppImage im("", false);
  ASSERT_REFUSED(start_application(im.dir, 5), "app.missing");
  AppImage gone(kApp);
  ASSERT_EQ(::unlink((gone.dir + "/firmware/app.sh").c_str()), 0);
  ASSERT_REFUSED(start_application(gone.dir, 5), "app.missing");
}

TEST(AppRun, RunsTheReleaseTheSlotLinkNames) {
  TestImage im;
  Slots s = im.open();
  ASSERT_TRUE(s.stage(release("2.0"), contents("2.0")).ok());
  ASSERT_TRUE(s.switch_to_inactive().ok());
  auto run = start_application(im.dir, 5);
  ASSERT_TRUE(run.ok()) << run.error().str();
  EXPECT_TRUE(run->healthy);
  EXPECT_EQ(run->first_line, "app 2.0 --health");
  EXPECT_EQ(run->version, "2.0");
}

}  // namespace
}  // namespace gh::device
