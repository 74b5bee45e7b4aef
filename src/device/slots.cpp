// A/B slots. The write order keeps one invariant: at every instant `firmware` resolves to a slot
// whose slot.json exists and whose files match it. boot.json is the commit point of a switch;
// the symlink follows it (open() repairs a symlink that lags), and a slot.json marked "bad" is
// the intent of a rollback that open() finishes.
#include "device/slots.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "common/fs.h"
#include "common/json.h"
#include "crypto/digest.h"

namespace gh::device {
namespace {

constexpr size_t kMaxStateBytes = 1 << 20;  // boot.json, slot.json

Error io_error(const std::string& what, const std::string& path) {
  return make_error("io", what + " " + path + ": " + std::strerror(errno));
}

std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

// fsync of a file or a directory (a directory's fsync makes the names in it durable).
Status sync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("fsync", path);
  return ok_status();
}

Status rename_durable(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("rename", from + " -> " + to);
  if (parent_of(from) != parent_of(to)) TRY(sync_path(parent_of(from)));
  return sync_path(parent_of(to));
}

Status write_all(int fd, const char* data, size_t size, const std::string& path) {
  for (size_t off = 0; off < size;) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", path);
    off += static_cast<size_t>(n);
  }
  return ok_status();
}

// Temp file, fsync, rename over path, fsync of the directory: path is the old or the new file.
Status write_durable(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", tmp);
  Status st = write_all(fd, data.data(), data.size(), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = io_error("fsync", tmp);
  ::close(fd);
  if (st.ok()) st = rename_durable(tmp, path);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

// Copies a component of at most kMaxComponentBytes, in pieces ("slot.size" beyond).
Status copy_file(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io_error("open", from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return io_error("create", to);
  }
  Status st;
  char buf[65536];
  size_t total = 0;
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = io_error("read", from);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
    if (total > kMaxComponentBytes) st = make_error("slot.size", from + " is too large");
    if (st.ok()) st = write_all(out, buf, static_cast<size_t>(n), to);
    if (!st.ok()) break;
  }
  ::close(in);
  ::close(out);
  return st;
}

// A component file name is a plain name that read_firmware accepts too (firmware.cpp's rule).
bool plain_name(const std::string& f) {
  if (f.empty() || f.size() > 64 || f[0] == '.' || f == "release.json") return false;
  for (char c : f)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

bool valid_slot(const std::string& s) {
  return s == "a" || s == "b";
}
std::string other(const std::string& s) {
  return s == "a" ? "b" : "a";
}
std::string link_target(const std::string& slot) {
  return "slots/" + slot + "/firmware";
}

// boot.json or slot.json, bounded; "slot.state" when it is not JSON.
Result<Json> read_state_json(const std::string& path) {
  auto text = TRY(fs::read_file_limited(path, kMaxStateBytes, "slot.state"));
  auto j = parse_json(text, "slot");
  if (!j.ok()) return make_error("slot.state", path + ": " + j.error().message);
  return std::move(j).value();
}

// slot.json: read and written here only.
struct SlotRecord {
  std::string version, model, state;
  std::map<std::string, std::string> files;  // file name -> SHA-256 hex
};

Result<SlotRecord> read_record(const std::string& slot_dir) {
  std::string path = fs::join(slot_dir, "slot.json");
  if (!fs::exists(path)) return make_error("slot.empty", slot_dir + " holds no complete release");
  auto j = TRY(read_state_json(path));
  auto bad = [&](const Error& e) { return make_error("slot.state", path + ": " + e.message); };
  SlotRecord r;
  auto version = json_string(j, "version", "slot");
  auto state = json_string(j, "state", "slot");
  if (!version.ok()) return bad(version.error());
  if (!state.ok()) return bad(state.error());
  r.version = *version;
  r.state = *state;
  r.model = json_string_or(j, "model", "");
  auto files = j.find("files");
  if (files == j.end() || !files->is_object()) return make_error("slot.state", path + ": no files");
  for (const auto& [name, hex] : files->items()) {
    if (!hex.is_string()) return make_error("slot.state", path + ": files/" + name);
    r.files[name] = hex.get<std::string>();
  }
  return r;
}

Status write_record(const std::string& slot_dir, const SlotRecord& r) {
  Json files = Json::object();
  for (const auto& [name, hex] : r.files) files[name] = hex;
  Json j{{"version", r.version}, {"model", r.model}, {"state", r.state}, {"files", files}};
  return write_durable(fs::join(slot_dir, "slot.json"), j.dump(2) + "\n");
}

// boot.json: read and written here only.
Status write_boot(const std::string& devdir, const Slots::BootState& s) {
  Json j{{"active", s.active},
         {"trial", s.trial},
         {"trial-boots", s.trial_boots},
         {"previous", s.previous},
         {"generation", s.generation}};
  return write_durable(fs::join(devdir, "slots/boot.json"), j.dump(2) + "\n");
}

Result<Slots::BootState> read_boot(const std::string& path) {
  auto j = TRY(read_state_json(path));
  auto active = json_string(j, "active", "boot");
  auto trial_boots = json_int(j, "trial-boots", "boot");
  auto generation = json_int(j, "generation", "boot");
  if (!active.ok() || !trial_boots.ok() || !generation.ok())
    return make_error("slot.state", path + ": active, trial-boots and generation are required");
  Slots::BootState s{*active, json_string_or(j, "trial", ""), *trial_boots,
                     json_string_or(j, "previous", ""), *generation};
  // The states the operations below write, and no other.
  if (!valid_slot(s.active) || !(s.trial.empty() || s.trial == s.active) ||
      !(s.previous.empty() || s.previous == other(s.active)) || s.trial_boots < 0)
    return make_error("slot.state", path + ": inconsistent boot state");
  return s;
}

// Every file of a release directory fsynced and hashed, then the directory itself fsynced.
Result<std::map<std::string, std::string>> seal_files(const std::string& fw_dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fw_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || e.is_symlink())
      return make_error("slot.name", fw_dir + ": " + name + " is not a regular file");
    TRY(sync_path(e.path().string()));
    auto digest = TRY(crypto::sha256_file(e.path().string(), kMaxComponentBytes, "slot"));
    out[name] = hex_encode(digest);
  }
  if (ec) return make_error("io", "list " + fw_dir + ": " + ec.message());
  TRY(sync_path(fw_dir));
  return out;
}

// Images made before slots: firmware/ copied into slots/a (good), then swapped for the symlink
// with RENAME_EXCHANGE, so that `firmware` never goes missing. Until the exchange the old
// directory is the truth, and an interrupted migration starts again from it.
Status migrate(const std::string& devdir) {
  std::string fw = fs::join(devdir, "firmware");
  std::string slots = fs::join(devdir, "slots");
  std::string staging = fs::join(slots, ".staging");
  TRY(fs::remove_all(slots));
  TRY(fs::make_dirs(fs::join(staging, "firmware"), 0755));
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fw, ec)) {
    if (!e.is_regular_file() || e.is_symlink())
      return make_error("device.firmware",
                        fw + ": " + e.path().filename().string() + " is not a regular file");
    TRY(copy_file(e.path().string(),
                  fs::join(staging, "firmware/" + e.path().filename().string())));
  }
  if (ec) return make_error("io", "list " + fw + ": " + ec.message());
  auto m = TRY_CTX(read_firmware(staging), "migrating firmware/");
  auto files = TRY(seal_files(fs::join(staging, "firmware")));
  TRY(write_record(staging, {m.version, m.model, "good", std::move(files)}));
  TRY(rename_durable(staging, fs::join(slots, "a")));
  TRY(write_boot(devdir, {"a", "", 0, "", 1}));
  std::string fresh = fs::join(devdir, "firmware.new");
  ::unlink(fresh.c_str());
  if (::symlink(link_target("a").c_str(), fresh.c_str()) != 0) return io_error("symlink", fresh);
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, fw.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS) return io_error("exchange", fw);
    // A file system without RENAME_EXCHANGE: a moment without `firmware`, which open() repairs
    // from boot.json (written above).
    if (::rename(fw.c_str(), (fw + ".old").c_str()) != 0) return io_error("rename", fw);
    if (::rename(fresh.c_str(), fw.c_str()) != 0) return io_error("rename", fresh);
  }
  TRY(sync_path(devdir));
  TRY(fs::remove_all(fresh));  // the old directory, after the exchange
  return fs::remove_all(fw + ".old");
}

// Brings an image to the slot layout: migrates a plain firmware/ directory, accepts a symlink,
// or a missing `firmware` that boot.json can restore.
Status settle_layout(const std::string& devdir) {
  std::string fw = fs::join(devdir, "firmware");
  struct stat st;
  if (::lstat(fw.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return migrate(devdir);
    if (S_ISLNK(st.st_mode)) return ok_status();
    return make_error("device.firmware", fw + " is neither a directory nor a slot link");
  }
  if (fs::exists(fs::join(devdir, "slots/boot.json"))) return ok_status();
  if (::lstat((fw + ".old").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    TRY(rename_durable(fw + ".old", fw));
    return migrate(devdir);
  }
  return make_error("device.firmware", devdir + " has no firmware");
}

}  // namespace

std::string Slots::slot_dir(const std::string& slot) const {
  return fs::join(devdir_, "slots/" + slot);
}

Result<Slots> Slots::open(const std::string& devdir) {
  TRY(settle_layout(devdir));
  Slots s;
  s.devdir_ = devdir;
  s.state_ = TRY(read_boot(fs::join(devdir, "slots/boot.json")));
  // What an interrupted stage, switch or write left behind.
  for (const char* left : {"slots/.staging", "slots/.old", "firmware.new", "firmware.old",
                           "slots/boot.json.tmp", "slots/a/slot.json.tmp", "slots/b/slot.json.tmp"})
    TRY(fs::remove_all(fs::join(devdir, left)));
  auto active = read_record(s.slot_dir(s.state_.active));
  if (!active.ok())
    return make_error("slot.state",
                      "boot.json names slot " + s.state_.active + ": " + active.error().message);
  TRY(s.point_firmware_at_active());
  TRY(s.finish_interrupted());
  return s;
}

Status Slots::commit(BootState next) {
  next.generation = state_.generation + 1;
  TRY(write_boot(devdir_, next));
  state_ = std::move(next);
  return ok_status();
}

// A new symlink renamed over `firmware`: it names the old slot or the new one, never nothing.
Status Slots::point_firmware_at_active() const {
  std::string fw = fs::join(devdir_, "firmware");
  std::string want = link_target(state_.active);
  char buf[256];
  ssize_t n = ::readlink(fw.c_str(), buf, sizeof buf);
  if (n > 0 && std::string(buf, static_cast<size_t>(n)) == want) return ok_status();
  std::string fresh = fs::join(devdir_, "firmware.new");
  ::unlink(fresh.c_str());
  if (::symlink(want.c_str(), fresh.c_str()) != 0) return io_error("symlink", fresh);
  if (::rename(fresh.c_str(), fw.c_str()) != 0) return io_error("rename", fresh);
  return sync_path(devdir_);
}

Status Slots::mark(const std::string& slot, const std::string& state) const {
  auto r = TRY(read_record(slot_dir(slot)));
  if (r.state == state) return ok_status();
  r.state = state;
  return write_record(slot_dir(slot), r);
}

// The abandoned slot is marked bad first (the intent open() finishes), then boot.json commits
// the previous slot, then the symlink follows.
Status Slots::abandon_active() {
  std::string target = state_.previous;
  if (target.empty())
    return make_error("slot.previous", "no previous release to return to from slot " + active());
  auto rec = read_record(slot_dir(target));
  if (!rec.ok() || rec->state == "bad")
    return make_error("slot.previous", "slot " + target + " holds no good release");
  TRY(verify(target));
  TRY(mark(state_.active, "bad"));
  TRY(commit({target, "", 0, "", 0}));
  return point_firmware_at_active();
}

Status Slots::finish_interrupted() {
  auto rec = TRY(read_record(slot_dir(state_.active)));
  if (rec.state == "bad") {
    // A rollback or fall back that got as far as its mark: finish it, or, with nowhere to go,
    // undo the mark (the active slot is the only release there is).
    if (abandon_active().ok()) return ok_status();
  }
  TRY(mark(state_.active, in_trial() ? "trial" : "good"));
  // A trial slot that is no longer running ended without a confirm.
  auto idle = read_record(slot_dir(inactive()));
  if (idle.ok() && idle->state == "trial") TRY(mark(inactive(), "bad"));
  return ok_status();
}

Result<FirmwareManifest> Slots::release(const std::string& slot) const {
  if (!valid_slot(slot)) return make_error("slot.empty", "no slot " + slot);
  TRY(read_record(slot_dir(slot)));
  return read_firmware(slot_dir(slot));
}

std::string Slots::version(const std::string& slot) const {
  if (!valid_slot(slot)) return "";
  auto r = read_record(slot_dir(slot));
  return r.ok() ? r->version : "";
}

std::string Slots::state(const std::string& slot) const {
  if (!valid_slot(slot)) return "";
  auto r = read_record(slot_dir(slot));
  return r.ok() ? r->state : "";
}

Status Slots::stage(const FirmwareManifest& m, const std::vector<std::string>& contents) {
  if (in_trial())
    return make_error("slot.busy", "slot " + state_.trial + " is on trial; confirm or roll back");
  if (m.components.empty() || contents.size() != m.components.size() || m.version.empty())
    return make_error("slot.release", "a release needs a version and one content per component");
  std::set<std::string> seen;
  for (size_t i = 0; i < m.components.size(); ++i) {
    const auto& c = m.components[i];
    if (!plain_name(c.file) || !seen.insert(c.file).second)
      return make_error("slot.name", "component file '" + c.file + "' is not a plain name");
    if (c.name.empty()) return make_error("slot.release", "component " + c.file + " has no name");
    if (contents[i].size() > kMaxComponentBytes)
      return make_error("slot.size", "component " + c.name + " is too large");
  }
  std::string staging = fs::join(devdir_, "slots/.staging");
  TRY(fs::remove_all(staging));
  TRY(fs::make_dirs(staging, 0755));
  TRY_CTX(write_firmware(staging, m, contents), "staging");
  TRY_CTX(read_firmware(staging), "staging");  // the device's own reader accepts it
  auto files = TRY(seal_files(fs::join(staging, "firmware")));
  TRY(write_record(staging, {m.version, m.model, "staged", std::move(files)}));
  // Only now is the inactive slot given up: it stops being a rollback target first.
  if (state_.previous == inactive()) TRY(commit({state_.active, "", 0, "", 0}));
  std::string target = slot_dir(inactive());
  std::string old = fs::join(devdir_, "slots/.old");
  if (fs::exists(target)) TRY(rename_durable(target, old));
  TRY(rename_durable(staging, target));
  return fs::remove_all(old);
}

Status Slots::switch_to_inactive() {
  if (in_trial())
    return make_error("slot.busy", "slot " + state_.trial + " is on trial; confirm or roll back");
  std::string target = inactive();
  auto rec = TRY(read_record(slot_dir(target)));
  if (rec.state == "bad")
    return make_error("slot.bad", "slot " + target + " (" + rec.version + ") was abandoned");
  TRY(verify(target));
  TRY(commit({target, target, 0, state_.active, 0}));
  TRY(point_firmware_at_active());
  return mark(target, "trial");
}

Result<Slots::BootOutcome> Slots::boot() {
  if (!in_trial()) return BootOutcome::kNormal;
  if (state_.trial_boots >= 1) {
    TRY_CTX(abandon_active(), "falling back from slot " + state_.trial);
    return BootOutcome::kFellBack;
  }
  BootState next = state_;
  next.trial_boots += 1;  // on disk before the trial release runs
  TRY(commit(next));
  return BootOutcome::kTrial;
}

Status Slots::confirm() {
  if (!in_trial()) return make_error("slot.trial", "no trial to confirm");
  TRY(commit({state_.active, "", 0, state_.previous, 0}));
  return mark(state_.active, "good");
}

Status Slots::rollback() {
  return abandon_active();
}

Status Slots::verify(const std::string& slot) const {
  if (!valid_slot(slot)) return make_error("slot.empty", "no slot " + slot);
  auto rec = TRY(read_record(slot_dir(slot)));
  std::string fw = fs::join(slot_dir(slot), "firmware");
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fw, ec))
    if (!rec.files.count(e.path().filename().string()))
      return make_error("slot.verify", "slot " + slot + ": " + e.path().filename().string() +
                                           " is not in slot.json");
  if (ec) return make_error("slot.verify", "slot " + slot + ": " + ec.message());
  for (const auto& [name, hex] : rec.files) {
    if (name != "release.json" && !plain_name(name))
      return make_error("slot.verify", "slot " + slot + ": slot.json lists " + name);
    auto digest = crypto::sha256_file(fs::join(fw, name), kMaxComponentBytes, "slot");
    if (!digest.ok())
      return make_error("slot.verify",
                        "slot " + slot + ": " + name + ": " + digest.error().message);
    if (hex_encode(*digest) != hex)
      return make_error("slot.verify", "slot " + slot + ": " + name + " differs from slot.json");
  }
  // Every file the release names is one slot.json covers.
  auto m = TRY_CTX(read_firmware(slot_dir(slot)), "slot " + slot);
  if (!rec.files.count("release.json"))
    return make_error("slot.verify", "slot " + slot + ": release.json is not in slot.json");
  for (const auto& c : m.components)
    if (!rec.files.count(c.file))
      return make_error("slot.verify", "slot " + slot + ": " + c.file + " is not in slot.json");
  return ok_status();
}

}  // namespace gh::device
