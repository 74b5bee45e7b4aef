// The site's update campaigns: release VERSION of a model rolled out to the site's devices of that
// model in staged groups (as hawkBit's rollouts do). A group starts when the one before it has
// enough confirmations; too many failures in the running group stop the campaign and roll back
// the group's devices that installed. A device's confirmation completes its step only with the
// site's own verdict: an affirming attestation, made after its install, naming the release.
//
// Every change is an event in the evidence log, written in the transaction that makes it; the
// state lives in the inventory, so several processes (the lifecycle service, the CLI) share it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "common/time.h"
#include "store/inventory.h"

namespace gh::svc {

// The states and phases, as the store and the evidence log name them.
namespace campaign {
// Campaign states.
inline constexpr const char* kWaitingApproval = "waiting-approval";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kPaused = "paused";
inline constexpr const char* kStopped = "stopped";    // by the operator
inline constexpr const char* kFailed = "failed";      // by the error threshold
inline constexpr const char* kFinished = "finished";  // every group succeeded, no member open
// Group states (and kRunning, kFailed).
inline constexpr const char* kPending = "pending";
inline constexpr const char* kSucceeded = "succeeded";
inline constexpr const char* kRolledBack = "rolled-back";  // failed, and every rollback reported
// Member phases (and kPending, kFailed, kRolledBack).
inline constexpr const char* kAssigned = "assigned";
inline constexpr const char* kDownloading = "downloading";
inline constexpr const char* kInstalled = "installed";
inline constexpr const char* kConfirmed = "confirmed";
inline constexpr const char* kRollingBack = "rolling-back";  // a rollback is assigned
// Every member phase, in the order a member goes through them.
const std::vector<std::string>& member_phases();
}  // namespace campaign

struct CampaignSpec {
  std::string model;
  std::string version;  // the release: the site must hold its reference values
  // Empty: the manufacturer of the model's devices (refused when they have several).
  std::string manufacturer;
  int groups = 3;             // 1..100 (fewer when there are fewer devices)
  int max_failures_pct = 20;  // 0..100: more than this share of a group failed stops the campaign
  int success_pct = 80;       // 1..100: this share of a group confirmed starts the next group
  bool approved = false;      // otherwise it waits in "waiting-approval" until approve()
  std::string created_by;     // the operator
};

// What the site asks of a device. version: the release the device is to run when done (the
// campaign's, or for a rollback the one it ran before); previous_version: the one it leaves.
// Reports name the assignment's campaign and version.
struct Assignment {
  int64_t campaign = 0;
  std::string action;  // "install" or "rollback"
  std::string version;
  std::string previous_version;
};

struct CampaignStatus {
  store::CampaignRecord campaign;
  std::vector<store::CampaignGroupRecord> groups;  // with their members counted by phase
  std::vector<store::CampaignMemberRecord> members;
  Json to_json() const;
};

// Holds no state of its own: calls from several threads or processes are serialized by the
// inventory's writes (random is called inside them).
class Campaigns {
 public:
  using Random = std::function<uint64_t()>;
  using Clock = std::function<time::Seconds()>;
  // random: uniform 64-bit values (csprng() in service; a seeded generator in tests).
  Campaigns(store::Inventory& inventory, Random random, Clock clock = time::now);
  // OpenSSL's DRBG.
  static Random csprng();

  // Operator. Refusals: "campaign.spec" (a value out of range, an ambiguous manufacturer),
  // "campaign.release" (no reference values for the release: the site could not appraise it, so
  // no device could confirm it), "campaign.exists" (one waiting, running or paused for the
  // model), "campaign.devices" (no onboarded, operational device of the model runs another
  // version). Members are put in random order and split into groups of near-equal size.
  Result<int64_t> create(const CampaignSpec& spec);
  // "campaign.unknown" for an unknown id; "campaign.state" from a state that does not allow it.
  Status approve(int64_t id, const std::string& by);  // waiting-approval -> running
  Status pause(int64_t id, const std::string& by);    // running -> paused
  Status resume(int64_t id, const std::string& by);   // paused -> running
  Status stop(int64_t id, const std::string& by);     // waiting, running, paused -> stopped
  Result<CampaignStatus> status(int64_t id);
  Result<std::vector<store::CampaignRecord>> list();

  // Device (serial as its TLS credential proved it). A rollback comes first; an install only
  // while the campaign runs, for a member of a group that started, until it confirmed or failed
  // (handing it out moves the member from pending to assigned). Nothing for a device that is not
  // onboarded.
  Result<std::optional<Assignment>> assignment(const std::string& serial);
  // phase: "download", "install", "confirm", "rollback" or "failed" (check: the device's check,
  // e.g. "tuf.hash", "app.health"). Refusals (recorded): "campaign.assignment" (no such
  // assignment to this device: another campaign or version, not a member, an assignment
  // withdrawn, a campaign not running), "campaign.phase" (out of order), "campaign.attestation"
  // (a confirmation without the site's affirming attestation of the release made after the
  // install). A report of a step the member is already past (a device retrying after a lost
  // answer) is accepted and changes nothing. Advances the campaign.
  Status report(const std::string& serial, int64_t campaign, const std::string& phase,
                const std::string& version, const std::string& check);
  // Advances every campaign: judges the running group (success, error threshold), starts the
  // next, finishes one whose groups all succeeded once no member is left open (pending,
  // assigned, downloading, installed: a group's success starts the next group, its remaining
  // members go on), completes rollbacks, and adds devices that became members since.
  Status tick();

  // How often every device of a campaign's model is looked at again for members to add (between
  // those looks, only devices whose application status changed are).
  static constexpr time::Seconds kRescanS = 300;

 private:
  Status operate(int64_t id, const std::string& by, const std::string& kind,
                 const std::vector<std::string>& from, const std::string& to);

  store::Inventory& inventory_;
  Random random_;
  Clock clock_;
};

}  // namespace gh::svc
