// The site's update campaigns as the inventory stores them: a campaign, its groups (each with its
// members counted by phase, kept as members are added and change phase, so that judging a group
// reads a few counters and never counts its members), and its members. The rules that move them
// are svc/site/campaigns; the store keeps the records and their counts consistent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "store/records.h"

namespace gh::store {

// A staged rollout of release `version` of (manufacturer, model).
struct CampaignRecord {
  int64_t id = 0;
  std::string manufacturer;
  std::string model;
  std::string version;
  int64_t group_count = 0;
  int64_t max_failures_pct = 20;  // more than this share of a group failed: the campaign fails
  int64_t success_pct = 80;       // this share of a group confirmed: the next group starts
  std::string state;
  std::string created_by;
  time::Seconds created_at = 0;
  time::Seconds updated_at = 0;
  int64_t current_group = 0;  // the group running, or the last one that ran
  // Devices joining later: the newest application event already looked at (AppDevice::app_event)
  // and when every device of the model was last looked at.
  int64_t joined_through = 0;
  time::Seconds rescanned_at = 0;
};

struct CampaignGroupRecord {
  int64_t campaign = 0;
  int64_t index = 0;
  std::string state;
  time::Seconds started_at = 0;
  time::Seconds ended_at = 0;
  std::map<std::string, int64_t> counts;  // members by phase (read only: the store keeps them)

  int64_t count(const std::string& phase) const {
    auto it = counts.find(phase);
    return it == counts.end() ? 0 : it->second;
  }
  int64_t size() const {
    int64_t n = 0;
    for (const auto& [phase, c] : counts) n += c;
    return n;
  }
};

struct CampaignMemberRecord {
  int64_t campaign = 0;
  std::string serial;
  int64_t group = 0;
  std::string phase;
  std::string previous_version;  // the version it ran when it became a member
  std::string check;             // the last check it reported (a failure's)
  // The id of the device's latest attestation result when it reported its install: a
  // confirmation needs a newer one.
  int64_t install_attestation = 0;
  time::Seconds updated_at = 0;
};

// What decides whether a device belongs in a campaign.
struct AppDevice {
  std::string serial;
  std::string manufacturer;
  std::string state;
  std::string app_status;
  std::string app_version;
  // The evidence event that last recorded its application status (Inventory::record_app_status):
  // the order in which devices became candidates.
  int64_t app_event = 0;
};

// The campaign tables inside one write transaction (Inventory::campaign_write). Every method
// reads or writes within it; nothing is visible to others until it commits.
class CampaignTx {
 public:
  virtual ~CampaignTx() = default;

  virtual Result<int64_t> add_campaign(const CampaignRecord& c) = 0;  // the new id
  // State, current group, the join marks and updated_at.
  virtual Status update_campaign(const CampaignRecord& c) = 0;
  virtual Result<std::optional<CampaignRecord>> campaign(int64_t id) = 0;
  // By id; states empty: every campaign.
  virtual Result<std::vector<CampaignRecord>> campaigns(const std::vector<std::string>& states) = 0;

  virtual Status add_group(const CampaignGroupRecord& g) = 0;
  virtual Status update_group(const CampaignGroupRecord& g) = 0;  // state, started_at, ended_at
  virtual Result<CampaignGroupRecord> group(int64_t campaign, int64_t index) = 0;
  virtual Result<std::vector<CampaignGroupRecord>> groups(int64_t campaign) = 0;

  // Adding a member and changing its phase update its group's counts.
  virtual Status add_member(const CampaignMemberRecord& m) = 0;
  // Phase, check, install_attestation and updated_at of the member (campaign, serial).
  virtual Status update_member(const CampaignMemberRecord& m) = 0;
  virtual Result<std::optional<CampaignMemberRecord>> member(int64_t campaign,
                                                             const std::string& serial) = 0;
  // A campaign's members, of one group when group >= 0, by group and serial.
  virtual Result<std::vector<CampaignMemberRecord>> members(int64_t campaign, int64_t group) = 0;
  // A device's memberships in campaigns in one of the states, by campaign.
  virtual Result<std::vector<CampaignMemberRecord>> memberships(
      const std::string& serial, const std::vector<std::string>& states) = 0;

  // Devices of the model whose app_event is after after_event (-1: every device of the model).
  virtual Result<std::vector<AppDevice>> app_devices(const std::string& model,
                                                     int64_t after_event) = 0;
  virtual Result<std::optional<AppDevice>> app_device(const std::string& serial) = 0;
  // Inventory::set_app_version inside this transaction.
  virtual Status set_app_version(const std::string& serial, const std::string& version,
                                 const Event& event) = 0;
  virtual Result<bool> has_reference_values(const std::string& manufacturer,
                                            const std::string& model,
                                            const std::string& version) = 0;
  virtual Result<std::optional<AttestationRecord>> latest_attestation(
      const std::string& serial) = 0;
  virtual Status append(const Event& event) = 0;
};

}  // namespace gh::store
