// The SQLite inventory's application status (IR 8350 5.4) and update campaigns
// (store/campaigns.h): the campaign tables inside one write, and the Inventory methods that write
// a device's application status and version. The schema is inventory.cpp's migrations.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "store/campaigns.h"
#include "store/events.h"
#include "store/inventory_sqlite.h"
#include "store/lifecycle.h"
#include "store/sqlite.h"

namespace gh::store {
namespace {

// Inside a write: appends the event and returns its id.
Result<int64_t> append_event_id(Database& db, const Event& event) {
  TRY(append_event(db, event));
  auto id = TRY(db.prepare("SELECT last_insert_rowid()"));
  TRY(id.step());
  return id.integer(0);
}

// Inside a write. The version an update leaves changes no campaign's membership (app_event
// stays): the device is a member of the campaign that updated it.
Status write_app_version(Database& db, const std::string& serial, const std::string& version,
                         const Event& event) {
  auto st =
      TRY(db.prepare("UPDATE devices SET app_version=?, app_at=?, updated_at=? WHERE serial=?"));
  time::Seconds at = event.at ? event.at : time::now();
  st.bind(1, version).bind(2, static_cast<int64_t>(at)).bind(3, static_cast<int64_t>(at));
  st.bind(4, serial);
  TRY(st.run());
  if (db.changes() != 1) return make_error("device.unknown", "no device " + serial);
  return append_event(db, event);
}

// " WHERE <column> IN (?,...)" for n values, or "" for none.
std::string in_clause(const std::string& column, size_t n) {
  if (n == 0) return "";
  std::string out = " WHERE " + column + " IN (";
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out + ")";
}

constexpr const char* kCampaignSelect =
    "SELECT id, manufacturer, model, version, group_count, max_failures_pct, success_pct, state, "
    "created_by, created_at, updated_at, current_group, joined_through, rescanned_at FROM "
    "campaigns";
CampaignRecord campaign_row(const Statement& s) {
  return CampaignRecord{s.integer(0),  s.text(1),     s.text(2),     s.text(3),    s.integer(4),
                        s.integer(5),  s.integer(6),  s.text(7),     s.text(8),    s.integer(9),
                        s.integer(10), s.integer(11), s.integer(12), s.integer(13)};
}
constexpr const char* kMemberColumns =
    "m.campaign, m.serial, m.grp, m.phase, m.previous_version, m.check_name, "
    "m.install_attestation, m.updated_at";
CampaignMemberRecord member_row(const Statement& s) {
  return CampaignMemberRecord{s.integer(0), s.text(1), s.integer(2), s.text(3),
                              s.text(4),    s.text(5), s.integer(6), s.integer(7)};
}

// The campaign tables inside a write of the SQLite inventory.
class SqliteCampaignTx final : public CampaignTx {
 public:
  explicit SqliteCampaignTx(Database& db) : db_(db) {}

  Result<int64_t> add_campaign(const CampaignRecord& c) override {
    auto st = TRY(db_.prepare(
        "INSERT INTO campaigns(manufacturer, model, version, group_count, max_failures_pct, "
        "success_pct, state, created_by, created_at, updated_at, current_group, joined_through, "
        "rescanned_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    st.bind(1, c.manufacturer).bind(2, c.model).bind(3, c.version).bind(4, c.group_count);
    st.bind(5, c.max_failures_pct).bind(6, c.success_pct).bind(7, c.state).bind(8, c.created_by);
    st.bind(9, c.created_at).bind(10, c.updated_at).bind(11, c.current_group);
    st.bind(12, c.joined_through).bind(13, c.rescanned_at);
    TRY(st.run());
    auto id = TRY(db_.prepare("SELECT last_insert_rowid()"));
    TRY(id.step());
    return id.integer(0);
  }

  Status update_campaign(const CampaignRecord& c) override {
    auto st = TRY(db_.prepare(
        "UPDATE campaigns SET state=?, current_group=?, joined_through=?, rescanned_at=?, "
        "updated_at=? WHERE id=?"));
    st.bind(1, c.state).bind(2, c.current_group).bind(3, c.joined_through);
    st.bind(4, c.rescanned_at).bind(5, c.updated_at).bind(6, c.id);
    TRY(st.run());
    if (db_.changes() != 1)
      return make_error("campaign.unknown", "no campaign " + std::to_string(c.id));
    return ok_status();
  }

  Result<std::optional<CampaignRecord>> campaign(int64_t id) override {
    auto st = TRY(db_.prepare(std::string(kCampaignSelect) + " WHERE id=?"));
    st.bind(1, id);
    if (!TRY(st.step())) return std::optional<CampaignRecord>();
    return std::optional<CampaignRecord>(campaign_row(st));
  }

  Result<std::vector<CampaignRecord>> campaigns(const std::vector<std::string>& states) override {
    auto st =
        TRY(db_.prepare(kCampaignSelect + in_clause("state", states.size()) + " ORDER BY id"));
    for (size_t i = 0; i < states.size(); ++i) st.bind(static_cast<int>(i + 1), states[i]);
    std::vector<CampaignRecord> out;
    while (TRY(st.step())) out.push_back(campaign_row(st));
    return out;
  }

  Status add_group(const CampaignGroupRecord& g) override {
    auto st =
        TRY(db_.prepare("INSERT INTO campaign_groups(campaign, idx, state, started_at, ended_at) "
                        "VALUES(?,?,?,?,?)"));
    st.bind(1, g.campaign).bind(2, g.index).bind(3, g.state).bind(4, g.started_at);
    st.bind(5, g.ended_at);
    return st.run();
  }

  Status update_group(const CampaignGroupRecord& g) override {
    auto st = TRY(db_.prepare(
        "UPDATE campaign_groups SET state=?, started_at=?, ended_at=? WHERE campaign=? AND idx=?"));
    st.bind(1, g.state).bind(2, g.started_at).bind(3, g.ended_at).bind(4, g.campaign);
    st.bind(5, g.index);
    TRY(st.run());
    if (db_.changes() != 1) return no_group(g.campaign, g.index);
    return ok_status();
  }

  Result<CampaignGroupRecord> group(int64_t campaign, int64_t index) override {
    auto st = TRY(db_.prepare(
        "SELECT state, started_at, ended_at FROM campaign_groups WHERE campaign=? AND idx=?"));
    st.bind(1, campaign).bind(2, index);
    if (!TRY(st.step())) return no_group(campaign, index);
    CampaignGroupRecord g{campaign, index, st.text(0), st.integer(1), st.integer(2), {}};
    st.reset();
    auto counts =
        TRY(db_.prepare("SELECT phase, n FROM campaign_counts WHERE campaign=? AND grp=?"));
    counts.bind(1, campaign).bind(2, index);
    while (TRY(counts.step())) g.counts[counts.text(0)] = counts.integer(1);
    return g;
  }

  Result<std::vector<CampaignGroupRecord>> groups(int64_t campaign) override {
    auto st = TRY(db_.prepare(
        "SELECT idx, state, started_at, ended_at FROM campaign_groups WHERE campaign=? ORDER BY "
        "idx"));
    st.bind(1, campaign);
    std::vector<CampaignGroupRecord> out;
    while (TRY(st.step()))
      out.push_back({campaign, st.integer(0), st.text(1), st.integer(2), st.integer(3), {}});
    auto counts = TRY(db_.prepare("SELECT grp, phase, n FROM campaign_counts WHERE campaign=?"));
    counts.bind(1, campaign);
    while (TRY(counts.step())) {
      auto i = static_cast<size_t>(counts.integer(0));
      if (i < out.size() && out[i].index == counts.integer(0))
        out[i].counts[counts.text(1)] = counts.integer(2);
    }
    return out;
  }

  Status add_member(const CampaignMemberRecord& m) override {
    auto st = TRY(db_.prepare(
        "INSERT INTO campaign_members(campaign, serial, grp, phase, previous_version, check_name, "
        "install_attestation, updated_at) VALUES(?,?,?,?,?,?,?,?)"));
    st.bind(1, m.campaign).bind(2, m.serial).bind(3, m.group).bind(4, m.phase);
    st.bind(5, m.previous_version).bind(6, m.check).bind(7, m.install_attestation);
    st.bind(8, m.updated_at);
    TRY(st.run());
    return count(m.campaign, m.group, m.phase, 1);
  }

  Status update_member(const CampaignMemberRecord& m) override {
    auto get =
        TRY(db_.prepare("SELECT grp, phase FROM campaign_members WHERE campaign=? AND serial=?"));
    get.bind(1, m.campaign).bind(2, m.serial);
    if (!TRY(get.step()))
      return make_error("campaign.assignment",
                        m.serial + " is not a member of campaign " + std::to_string(m.campaign));
    const int64_t group = get.integer(0);
    const std::string was = get.text(1);
    get.reset();
    auto st = TRY(db_.prepare(
        "UPDATE campaign_members SET phase=?, check_name=?, install_attestation=?, updated_at=? "
        "WHERE campaign=? AND serial=?"));
    st.bind(1, m.phase).bind(2, m.check).bind(3, m.install_attestation).bind(4, m.updated_at);
    st.bind(5, m.campaign).bind(6, m.serial);
    TRY(st.run());
    if (was == m.phase) return ok_status();
    TRY(count(m.campaign, group, was, -1));
    return count(m.campaign, group, m.phase, 1);
  }

  Result<std::optional<CampaignMemberRecord>> member(int64_t campaign,
                                                     const std::string& serial) override {
    auto st = TRY(db_.prepare(std::string("SELECT ") + kMemberColumns +
                              " FROM campaign_members m WHERE m.campaign=? AND m.serial=?"));
    st.bind(1, campaign).bind(2, serial);
    if (!TRY(st.step())) return std::optional<CampaignMemberRecord>();
    return std::optional<CampaignMemberRecord>(member_row(st));
  }

  Result<std::vector<CampaignMemberRecord>> members(int64_t campaign, int64_t group) override {
    auto st = TRY(db_.prepare(std::string("SELECT ") + kMemberColumns +
                              " FROM campaign_members m WHERE m.campaign=? AND (?<0 OR m.grp=?) "
                              "ORDER BY m.grp, m.serial"));
    st.bind(1, campaign).bind(2, group).bind(3, group);
    std::vector<CampaignMemberRecord> out;
    while (TRY(st.step())) out.push_back(member_row(st));
    return out;
  }

  Result<std::vector<CampaignMemberRecord>> memberships(
      const std::string& serial, const std::vector<std::string>& states) override {
    std::string where = in_clause("c.state", states.size());
    auto st = TRY(db_.prepare(std::string("SELECT ") + kMemberColumns +
                              " FROM campaign_members m JOIN campaigns c ON c.id=m.campaign" +
                              (where.empty() ? " WHERE" : where + " AND") +
                              " m.serial=? ORDER BY m.campaign"));
    for (size_t i = 0; i < states.size(); ++i) st.bind(static_cast<int>(i + 1), states[i]);
    st.bind(static_cast<int>(states.size() + 1), serial);
    std::vector<CampaignMemberRecord> out;
    while (TRY(st.step())) out.push_back(member_row(st));
    return out;
  }

  Result<std::vector<AppDevice>> app_devices(const std::string& model,
                                             int64_t after_event) override {
    auto st = TRY(db_.prepare(
        "SELECT serial, manufacturer, state, app_status, app_version, app_event FROM devices "
        "WHERE model=? AND app_event>? ORDER BY app_event, serial"));
    st.bind(1, model).bind(2, after_event);
    std::vector<AppDevice> out;
    while (TRY(st.step()))
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5)});
    return out;
  }

  Result<std::optional<AppDevice>> app_device(const std::string& serial) override {
    auto st = TRY(db_.prepare(
        "SELECT serial, manufacturer, state, app_status, app_version, app_event FROM devices "
        "WHERE serial=?"));
    st.bind(1, serial);
    if (!TRY(st.step())) return std::optional<AppDevice>();
    return std::optional<AppDevice>(
        AppDevice{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5)});
  }

  Status set_app_version(const std::string& serial, const std::string& version,
                         const Event& event) override {
    return write_app_version(db_, serial, version, event);
  }

  Result<bool> has_reference_values(const std::string& manufacturer, const std::string& model,
                                    const std::string& version) override {
    auto st = TRY(db_.prepare(
        "SELECT 1 FROM reference_values WHERE manufacturer=? AND model=? AND version=?"));
    st.bind(1, manufacturer).bind(2, model).bind(3, version);
    return TRY(st.step());
  }

  Result<std::optional<AttestationRecord>> latest_attestation(const std::string& serial) override {
    auto all = TRY(inventory_sqlite::select_attestations(db_, serial, 1));
    if (all.empty()) return std::optional<AttestationRecord>();
    return std::optional<AttestationRecord>(all.front());
  }

  Status append(const Event& event) override { return append_event(db_, event); }

 private:
  static Error no_group(int64_t campaign, int64_t index) {
    return make_error("campaign.unknown", "campaign " + std::to_string(campaign) +
                                              " has no group " + std::to_string(index));
  }
  // The members of a group in a phase, by delta.
  Status count(int64_t campaign, int64_t group, const std::string& phase, int64_t delta) {
    auto st =
        TRY(db_.prepare("INSERT INTO campaign_counts(campaign, grp, phase, n) VALUES(?,?,?,?) "
                        "ON CONFLICT(campaign, grp, phase) DO UPDATE SET n=n+excluded.n"));
    st.bind(1, campaign).bind(2, group).bind(3, phase).bind(4, delta);
    return st.run();
  }

  Database& db_;
};

}  // namespace

namespace inventory_sqlite {

Status record_app_status(GroupCommit& group, Database& db, const std::string& serial,
                         const std::string& path, const std::string& version, const Event& event) {
  if (path != "streamlined" && path != "independent")
    return make_error("app.path", "application onboarding path '" + path +
                                      "' is neither streamlined nor independent");
  std::optional<Error> refused;
  TRY(group.write([&]() -> Status {
    auto get = TRY(db.prepare("SELECT state FROM devices WHERE serial=?"));
    get.bind(1, serial);
    if (!TRY(get.step())) return make_error("device.unknown", "no device " + serial);
    const std::string state = get.text(0);
    get.reset();
    if (!store::in_service(state)) {
      refused = make_error("lifecycle.state", serial + " is " + state +
                                                  ": only a device in service has an application "
                                                  "is operational");
      Json detail{
          {"from", state}, {"path", path}, {"version", version}, {"message", refused->message}};
      return append_event(
          db, Event{0, event.at, serial, event.kind, "refused", refused->code, detail.dump()});
    }
    int64_t id = TRY(append_event_id(db, event));
    auto st = TRY(db.prepare(
        "UPDATE devices SET app_status='operational', app_path=?, app_version=?, app_at=?, "
        "app_event=?, updated_at=? WHERE serial=?"));
    time::Seconds at = event.at ? event.at : time::now();
    st.bind(1, path).bind(2, version).bind(3, static_cast<int64_t>(at)).bind(4, id);
    st.bind(5, static_cast<int64_t>(at)).bind(6, serial);
    return st.run();
  }));
  if (refused) return *refused;
  return ok_status();
}

Status set_app_version(GroupCommit& group, Database& db, const std::string& serial,
                       const std::string& version, const Event& event) {
  return group.write([&]() -> Status { return write_app_version(db, serial, version, event); });
}

Status campaign_write(GroupCommit& group, Database& db,
                      const std::function<Status(CampaignTx&)>& fn) {
  return group.write([&]() -> Status {
    SqliteCampaignTx tx(db);
    return fn(tx);
  });
}

}  // namespace inventory_sqlite
}  // namespace gh::store
