// A/B firmware slots in a device image, so that an update is installed beside the running release,
// tried, and confirmed or abandoned, and a power loss at any moment leaves a bootable release.
//   firmware          -> symlink "slots/a/firmware" or "slots/b/firmware": what the device runs and
//                        measures (read_firmware and measure_firmware read through it unchanged)
//   slots/a/, slots/b/  each a small image of its own: firmware/ (release.json + component files,
//                        written by write_firmware) and slot.json beside it
//   slots/boot.json   the boot loader's state: {"active", "trial", "trial-boots", "previous",
//                     "generation"}; the commit point of every switch
// slot.json: {"version", "model", "state", "files": {"<file>": "<sha256 hex>"}}, state one of
// "staged" (installed, never run), "trial", "good", "bad". It is written last when a slot is
// staged, so a slot without slot.json is no release. Every file is written to a temporary name,
// fsynced, renamed into place and its directory fsynced; `firmware` is only ever replaced by
// rename(2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "device/firmware.h"

namespace gh::device {

class Slots {
 public:
  // Opens the image's slots, first migrating a plain firmware/ directory (images made before this
  // layout) into slots/a (good) and finishing or undoing an operation a power loss interrupted:
  // a staging directory left behind is removed, a symlink that disagrees with boot.json is
  // repaired, a rollback that had marked its slot bad is finished, a confirm is finished.
  // A trial interrupted by a power loss counts as a failed boot attempt through boot(): the count
  // is on disk before the trial release runs, so the next boot() falls back.
  // "device.firmware" when the image has no firmware at all; "slot.state" when boot.json is
  // malformed.
  static Result<Slots> open(const std::string& devdir);

  std::string active() const { return state_.active; }  // "a" or "b": where `firmware` points
  std::string inactive() const { return state_.active == "a" ? "b" : "a"; }
  bool in_trial() const { return !state_.trial.empty(); }  // switched to, not confirmed yet
  // The slot a rollback returns to ("" when there is none).
  std::string previous() const { return state_.previous; }
  // That slot's release.json ("slot.empty" when it holds no complete release).
  Result<FirmwareManifest> release(const std::string& slot) const;
  std::string version(const std::string& slot) const;  // "" when empty
  std::string state(const std::string& slot) const;    // slot.json's state; "" when empty

  // Writes a release into the inactive slot: into slots/.staging, every file fsynced, slot.json
  // last, then renamed over the inactive slot (the old inactive contents moved aside first). Never
  // touches the active slot. Refuses "slot.busy" while a trial is running, "slot.name" a component
  // file that is not a plain name, "slot.release" a manifest without components or with a content
  // count that differs, "slot.size" a component over kMaxComponentBytes.
  Status stage(const FirmwareManifest& manifest, const std::vector<std::string>& contents);
  // Starts a trial of the staged (inactive) slot: boot.json says trial=<slot> first, then the
  // symlink is swapped by rename(2) of a new symlink over `firmware`. Refuses "slot.busy" during a
  // trial, "slot.empty" when the inactive slot holds no complete release, "slot.bad" when it was
  // abandoned, "slot.verify" when its files no longer match slot.json.
  Status switch_to_inactive();

  // Called when the device (re)starts: if a trial is in progress and it has already been booted
  // once without a confirm (trial-boots >= 1 before this boot), falls back to the previous slot
  // and marks the trial slot bad (like U-Boot's bootcount with bootlimit 1). Returns what happened.
  enum class BootOutcome { kNormal, kTrial, kFellBack };
  Result<BootOutcome> boot();
  // The trial slot becomes the good active one; refuses "slot.trial" if none.
  Status confirm();
  // Back to the previous good slot (a failed health check, or the site asked); the abandoned slot
  // is marked bad. Refuses "slot.previous" when there is none to return to, "slot.verify" when its
  // files no longer match.
  Status rollback();
  // Checks a slot's files against slot.json's hashes ("slot.verify" naming the file that differs,
  // is missing, or is not listed; "slot.empty" for a slot without a release).
  Status verify(const std::string& slot) const;

  const std::string& dir() const { return devdir_; }

  // boot.json, as read and written by slots.cpp only.
  struct BootState {
    std::string active = "a";
    std::string trial;
    int64_t trial_boots = 0;
    std::string previous;
    int64_t generation = 0;
  };

 private:
  Slots() = default;
  std::string slot_dir(const std::string& slot) const;
  Status commit(BootState next);
  Status point_firmware_at_active() const;
  Status mark(const std::string& slot, const std::string& state) const;
  Status abandon_active();  // shared by rollback() and boot()'s fall back
  Status finish_interrupted();

  std::string devdir_;
  BootState state_;
};

}  // namespace gh::device
