#include "svc/site/campaigns.h"

#include <algorithm>
#include <set>

#include "crypto/digest.h"
#include "svc/site/evidence_gate.h"

namespace gh::svc {

using namespace campaign;  // the state and phase names
using store::CampaignMemberRecord;
using store::CampaignRecord;
using store::CampaignTx;

const std::vector<std::string>& campaign::member_phases() {
  static const std::vector<std::string> phases = {kPending,   kAssigned, kDownloading, kInstalled,
                                                  kConfirmed, kFailed,   kRollingBack, kRolledBack};
  return phases;
}

namespace {

// Campaigns that devices still join (and an operator may stop).
const std::vector<std::string> kOpen = {kWaitingApproval, kRunning, kPaused};
// What a device's report may move its membership to: the report, the phases it comes after, the
// phase it leaves.
struct ReportStep {
  std::string report;
  std::vector<std::string> from;
  std::string to;
};
const std::vector<ReportStep>& report_steps() {
  static const std::vector<ReportStep> steps = {
      {"download", {kAssigned}, kDownloading},
      {"install", {kDownloading}, kInstalled},
      {"confirm", {kInstalled}, kConfirmed},
      {"rollback", {kRollingBack}, kRolledBack},
      {"failed", {kAssigned, kDownloading, kInstalled, kRollingBack}, kFailed},
  };
  return steps;
}
const ReportStep* report_step(const std::string& report) {
  for (const auto& s : report_steps())
    if (s.report == report) return &s;
  return nullptr;
}

bool among(const std::string& s, const std::vector<std::string>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

store::Event event(time::Seconds now, const std::string& serial, const std::string& kind,
                   const Json& detail, const std::string& outcome = "ok",
                   const std::string& reason = "") {
  return store::Event{0, now, serial, kind, outcome, reason, detail.dump()};
}

// A member: an onboarded device of the campaign's manufacturer and model whose application is
// operational and runs another version.
bool belongs(const CampaignRecord& c, const store::AppDevice& d) {
  return d.manufacturer == c.manufacturer && d.state == "onboarded" &&
         d.app_status == "operational" && d.app_version != c.version;
}

// Uniform in [0, bound): values below 2^64 mod bound would favour the low results.
uint64_t uniform(const Campaigns::Random& random, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t r = random();
    if (r >= threshold) return r % bound;
  }
}

// One campaign's rules, inside a transaction of the campaign tables.
class Engine {
 public:
  Engine(CampaignTx& tx, time::Seconds now) : tx_(tx), now_(now) {}

  Status start_group(CampaignRecord& c, int64_t index) {
    auto g = TRY(tx_.group(c.id, index));
    g.state = kRunning;
    g.started_at = now_;
    TRY(tx_.update_group(g));
    c.current_group = index;
    c.updated_at = now_;
    TRY(tx_.update_campaign(c));
    return tx_.append(
        event(now_, "", "campaign.group-start",
              {{"campaign", c.id}, {"group", index}, {"version", c.version}, {"size", g.size()}}));
  }

  // Judges the running group, completes a failed group's rollback, adds devices that joined.
  Status advance(CampaignRecord& c) {
    if (among(c.state, kOpen)) TRY(join(c));
    if (c.state == kRunning) return judge_running_group(c);
    if (c.state == kFailed) return judge_rollback(c);
    return ok_status();
  }

 private:
  Status judge_running_group(CampaignRecord& c) {
    auto g = TRY(tx_.group(c.id, c.current_group));
    if (g.state == kSucceeded && g.index + 1 == c.group_count) return judge_finish(c);
    if (g.state != kRunning) return ok_status();
    const int64_t size = g.size(), failed = g.count(kFailed), confirmed = g.count(kConfirmed);
    if (failed * 100 > c.max_failures_pct * size) return fail_group(c, g);
    if (confirmed * 100 < c.success_pct * size) return ok_status();
    g.state = kSucceeded;
    g.ended_at = now_;
    TRY(tx_.update_group(g));
    TRY(tx_.append(event(now_, "", "campaign.group-succeeded",
                         {{"campaign", c.id},
                          {"group", g.index},
                          {"version", c.version},
                          {"size", size},
                          {"confirmed", confirmed},
                          {"failed", failed}})));
    if (g.index + 1 < c.group_count) return start_group(c, g.index + 1);
    return judge_finish(c);
  }

  // Every group succeeded: the campaign is finished once no member is left that may still take
  // the release (a group's success starts the next group; its remaining members go on).
  Status judge_finish(CampaignRecord& c) {
    int64_t confirmed = 0, failed = 0;
    for (const auto& g : TRY(tx_.groups(c.id))) {
      for (const char* open : {kPending, kAssigned, kDownloading, kInstalled})
        if (g.count(open) > 0) return ok_status();
      confirmed += g.count(kConfirmed);
      failed += g.count(kFailed);
    }
    c.state = kFinished;
    c.updated_at = now_;
    TRY(tx_.update_campaign(c));
    return tx_.append(event(now_, "", "campaign.finish",
                            {{"campaign", c.id},
                             {"version", c.version},
                             {"confirmed", confirmed},
                             {"failed", failed}}));
  }

  // More than max_failures_pct of the group failed: the campaign stops, and the group's members
  // that installed the release are told to return to the version they ran.
  Status fail_group(CampaignRecord& c, store::CampaignGroupRecord& g) {
    g.state = kFailed;
    g.ended_at = now_;
    TRY(tx_.update_group(g));
    c.state = kFailed;
    c.updated_at = now_;
    TRY(tx_.update_campaign(c));
    TRY(tx_.append(event(now_, "", "campaign.threshold",
                         {{"campaign", c.id},
                          {"group", g.index},
                          {"version", c.version},
                          {"failed", g.count(kFailed)},
                          {"size", g.size()},
                          {"max_failures_pct", c.max_failures_pct}},
                         "refused", "campaign.threshold")));
    for (auto& m : TRY(tx_.members(c.id, g.index))) {
      if (m.phase != kInstalled && m.phase != kConfirmed) continue;
      m.phase = kRollingBack;
      m.updated_at = now_;
      TRY(tx_.update_member(m));
      TRY(tx_.append(event(now_, m.serial, "campaign.rollback",
                           {{"campaign", c.id},
                            {"group", g.index},
                            {"version", m.previous_version},
                            {"from", c.version}})));
    }
    return ok_status();
  }

  // A failed group is rolled back once every rollback it ordered was reported.
  Status judge_rollback(CampaignRecord& c) {
    auto g = TRY(tx_.group(c.id, c.current_group));
    if (g.state != kFailed || g.count(kRollingBack) > 0 || g.count(kRolledBack) == 0)
      return ok_status();
    g.state = kRolledBack;
    g.ended_at = now_;
    TRY(tx_.update_group(g));
    return tx_.append(event(now_, "", "campaign.group-rolled-back",
                            {{"campaign", c.id},
                             {"group", g.index},
                             {"version", c.version},
                             {"rolled_back", g.count(kRolledBack)},
                             {"failed", g.count(kFailed)}}));
  }

  // Devices that became members since the campaign last looked (their application status or
  // version was recorded since) join its last group; every kRescanS all devices of the model are
  // looked at (a device released from quarantine).
  Status join(CampaignRecord& c) {
    const bool rescan = now_ >= c.rescanned_at + Campaigns::kRescanS;
    auto devices = TRY(tx_.app_devices(c.model, rescan ? 0 : c.joined_through));
    if (devices.empty() && !rescan) return ok_status();
    const int64_t last = c.group_count - 1;
    for (const auto& d : devices) {
      c.joined_through = std::max(c.joined_through, d.app_event);
      if (!belongs(c, d) || TRY(tx_.member(c.id, d.serial))) continue;
      TRY(tx_.add_member({c.id, d.serial, last, kPending, d.app_version, "", 0, now_}));
      TRY(tx_.append(event(now_, d.serial, "campaign.join",
                           {{"campaign", c.id},
                            {"group", last},
                            {"version", c.version},
                            {"previous_version", d.app_version}})));
    }
    if (rescan) c.rescanned_at = now_;
    return tx_.update_campaign(c);
  }

  CampaignTx& tx_;
  time::Seconds now_;
};

Error unknown(int64_t id) {
  return make_error("campaign.unknown", "no campaign " + std::to_string(id));
}

Status check_spec(const CampaignSpec& s) {
  if (s.model.empty() || s.version.empty())
    return make_error("campaign.spec", "a campaign needs a model and a version");
  if (s.groups < 1 || s.groups > 100)
    return make_error("campaign.spec", "groups must be 1..100, not " + std::to_string(s.groups));
  if (s.max_failures_pct < 0 || s.max_failures_pct > 100)
    return make_error("campaign.spec", "max_failures_pct must be 0..100");
  if (s.success_pct < 1 || s.success_pct > 100)
    return make_error("campaign.spec", "success_pct must be 1..100");
  return ok_status();
}

// The manufacturer a campaign for spec's model is about.
Result<std::string> manufacturer_of(const CampaignSpec& spec,
                                    const std::vector<store::AppDevice>& devices) {
  if (!spec.manufacturer.empty()) return spec.manufacturer;
  std::set<std::string> names;
  for (const auto& d : devices) names.insert(d.manufacturer);
  if (names.empty())
    return make_error("campaign.devices", "the site has no device of model " + spec.model);
  if (names.size() > 1) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return make_error("campaign.spec", "devices of model " + spec.model +
                                           " come from several manufacturers (" + list +
                                           "): name one");
  }
  return *names.begin();
}

}  // namespace

Campaigns::Campaigns(store::Inventory& inventory, Random random, Clock clock)
    : inventory_(inventory), random_(std::move(random)), clock_(std::move(clock)) {}

Campaigns::Random Campaigns::csprng() {
  return [] {
    uint64_t v = 0;
    for (uint8_t b : crypto::random_bytes(8)) v = (v << 8) | b;
    return v;
  };
}

Result<int64_t> Campaigns::create(const CampaignSpec& spec) {
  TRY(check_spec(spec));
  const time::Seconds now = clock_();
  int64_t id = 0;
  TRY(inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    auto devices = TRY(tx.app_devices(spec.model, -1));
    const std::string manufacturer = TRY(manufacturer_of(spec, devices));
    if (!TRY(tx.has_reference_values(manufacturer, spec.model, spec.version)))
      return make_error("campaign.release", "the site holds no reference values for " +
                                                manufacturer + " " + spec.model + " " +
                                                spec.version + ": it could not appraise it");
    for (const auto& other : TRY(tx.campaigns(kOpen)))
      if (other.manufacturer == manufacturer && other.model == spec.model)
        return make_error("campaign.exists", "campaign " + std::to_string(other.id) + " for " +
                                                 spec.model + " is " + other.state);
    CampaignRecord c{0,
                     manufacturer,
                     spec.model,
                     spec.version,
                     0,
                     spec.max_failures_pct,
                     spec.success_pct,
                     kWaitingApproval,
                     spec.created_by,
                     now,
                     now,
                     0,
                     0,
                     now};
    std::vector<const store::AppDevice*> members;
    for (const auto& d : devices) {
      c.joined_through = std::max(c.joined_through, d.app_event);
      if (belongs(c, d)) members.push_back(&d);
    }
    if (members.empty())
      return make_error("campaign.devices", "no onboarded, operational " + spec.model +
                                                " runs a version other than " + spec.version);
    // Random order (Fisher-Yates), from serial order so that one seed gives one order.
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->serial < b->serial; });
    for (size_t i = members.size() - 1; i > 0; --i)
      std::swap(members[i], members[uniform(random_, i + 1)]);
    const size_t groups = std::min(members.size(), static_cast<size_t>(spec.groups));
    c.group_count = static_cast<int64_t>(groups);
    c.id = id = TRY(tx.add_campaign(c));
    TRY(tx.append(event(now, "", "campaign.create",
                        {{"campaign", id},
                         {"manufacturer", manufacturer},
                         {"model", c.model},
                         {"version", c.version},
                         {"groups", c.group_count},
                         {"members", members.size()},
                         {"max_failures_pct", c.max_failures_pct},
                         {"success_pct", c.success_pct},
                         {"approved", spec.approved},
                         {"created_by", c.created_by}})));
    // Near-equal groups: the first (members % groups) have one member more.
    const size_t base = members.size() / groups, extra = members.size() % groups;
    size_t next = 0;
    for (size_t g = 0; g < groups; ++g) {
      TRY(tx.add_group({id, static_cast<int64_t>(g), kPending, 0, 0, {}}));
      for (size_t k = 0; k < base + (g < extra ? 1 : 0); ++k, ++next) {
        const auto& d = *members[next];
        TRY(tx.add_member(
            {id, d.serial, static_cast<int64_t>(g), kPending, d.app_version, "", 0, now}));
        TRY(tx.append(event(now, d.serial, "campaign.member",
                            {{"campaign", id},
                             {"group", g},
                             {"version", c.version},
                             {"previous_version", d.app_version}})));
      }
    }
    if (!spec.approved) return ok_status();
    c.state = kRunning;
    return Engine(tx, now).start_group(c, 0);
  }));
  return id;
}

Status Campaigns::operate(int64_t id, const std::string& by, const std::string& kind,
                          const std::vector<std::string>& from, const std::string& to) {
  const time::Seconds now = clock_();
  return inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    auto c = TRY(tx.campaign(id));
    if (!c) return unknown(id);
    if (!among(c->state, from)) {
      std::string allowed;
      for (const auto& s : from) allowed += (allowed.empty() ? "" : ", ") + s;
      return make_error("campaign.state", "campaign " + std::to_string(id) + " is " + c->state +
                                              ": " + kind + " only from " + allowed);
    }
    TRY(tx.append(
        event(now, "", kind,
              {{"campaign", id}, {"by", by}, {"from", c->state}, {"version", c->version}})));
    c->state = to;
    c->updated_at = now;
    TRY(tx.update_campaign(*c));
    if (to != kRunning) return ok_status();
    Engine engine(tx, now);
    auto g = TRY(tx.group(id, c->current_group));
    if (g.state == kPending) TRY(engine.start_group(*c, c->current_group));
    return engine.advance(*c);
  });
}

Status Campaigns::approve(int64_t id, const std::string& by) {
  return operate(id, by, "campaign.approve", {kWaitingApproval}, kRunning);
}
Status Campaigns::pause(int64_t id, const std::string& by) {
  return operate(id, by, "campaign.pause", {kRunning}, kPaused);
}
Status Campaigns::resume(int64_t id, const std::string& by) {
  return operate(id, by, "campaign.resume", {kPaused}, kRunning);
}
Status Campaigns::stop(int64_t id, const std::string& by) {
  return operate(id, by, "campaign.stop", kOpen, kStopped);
}

Result<CampaignStatus> Campaigns::status(int64_t id) {
  CampaignStatus out;
  TRY(inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    auto c = TRY(tx.campaign(id));
    if (!c) return unknown(id);
    out.campaign = *c;
    out.groups = TRY(tx.groups(id));
    out.members = TRY(tx.members(id, -1));
    return ok_status();
  }));
  return out;
}

Result<std::vector<store::CampaignRecord>> Campaigns::list() {
  std::vector<store::CampaignRecord> out;
  TRY(inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    out = TRY(tx.campaigns({}));
    return ok_status();
  }));
  return out;
}

Result<std::optional<Assignment>> Campaigns::assignment(const std::string& serial) {
  const time::Seconds now = clock_();
  std::optional<Assignment> out;
  TRY(inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    auto d = TRY(tx.app_device(serial));
    if (!d || d->state != "onboarded") return ok_status();
    auto memberships = TRY(tx.memberships(serial, {kRunning, kFailed}));
    for (const auto& m : memberships) {
      if (m.phase != kRollingBack) continue;
      auto c = TRY(tx.campaign(m.campaign));
      out = Assignment{m.campaign, "rollback", m.previous_version, c ? c->version : ""};
      return ok_status();
    }
    for (auto m : memberships) {
      if (!among(m.phase, {kPending, kAssigned, kDownloading, kInstalled})) continue;
      auto c = TRY(tx.campaign(m.campaign));
      if (!c || c->state != kRunning) continue;
      // A group that started: the running one, or one that succeeded without this member yet.
      auto g = TRY(tx.group(m.campaign, m.group));
      if (g.state != kRunning && g.state != kSucceeded) continue;
      if (m.phase == kPending) {
        m.phase = kAssigned;
        m.updated_at = now;
        TRY(tx.update_member(m));
        TRY(tx.append(event(now, serial, "campaign.assign",
                            {{"campaign", m.campaign},
                             {"group", m.group},
                             {"action", "install"},
                             {"version", c->version},
                             {"previous_version", m.previous_version}})));
      }
      out = Assignment{m.campaign, "install", c->version, m.previous_version};
      return ok_status();
    }
    return ok_status();
  }));
  return out;
}

namespace {

// Where an install stands: a report of a step the member is already past is a device retrying
// after it lost the answer, and changes nothing; -1 off that path.
int install_rank(const std::string& phase) {
  static const std::vector<std::string> path = {kAssigned, kDownloading, kInstalled, kConfirmed};
  auto it = std::find(path.begin(), path.end(), phase);
  return it == path.end() ? -1 : static_cast<int>(it - path.begin());
}

// Whether a report matches an assignment the site made to the device and comes in order: the
// refusal, or ok (*repeat: the member is already where the report takes it, or past it).
Status check_report(CampaignTx& tx, const std::string& serial, int64_t id,
                    const std::optional<CampaignRecord>& c,
                    const std::optional<CampaignMemberRecord>& m, const std::string& phase,
                    const std::string& version, bool* repeat) {
  const std::string campaign = "campaign " + std::to_string(id);
  if (!c || !m)
    return make_error("campaign.assignment", serial + " is not a member of " + campaign);
  const ReportStep* step = report_step(phase);
  if (!step) return make_error("campaign.phase", "no report phase '" + phase + "'");
  const bool past = m->phase == step->to || (install_rank(step->to) >= 0 &&
                                             install_rank(m->phase) > install_rank(step->to));
  if (past && (version == c->version || version == m->previous_version)) {
    *repeat = true;
    return ok_status();
  }
  auto d = TRY(tx.app_device(serial));
  if (!d || d->state != "onboarded")
    return make_error("campaign.assignment", serial + " is " + (d ? d->state : "unknown") +
                                                 ": its assignments are withdrawn");
  // A rollback's reports name the version the device returns to; the others the release.
  const bool rollback =
      step->report == "rollback" || (step->to == kFailed && m->phase == kRollingBack);
  const std::string& expected = rollback ? m->previous_version : c->version;
  if (version != expected)
    return make_error("campaign.assignment", campaign + " assigned " + serial + " version " +
                                                 expected + ", not " + version);
  if (step->report == "rollback" && m->phase != kRollingBack)
    return make_error("campaign.assignment", campaign + " assigned " + serial + " no rollback");
  if (!rollback) {
    if (c->state != kRunning)
      return make_error("campaign.assignment", campaign + " is " + c->state);
    if (m->phase == kPending)
      return make_error("campaign.assignment", campaign + " has not assigned " + serial + " yet");
    auto g = TRY(tx.group(id, m->group));
    if (g.state != kRunning && g.state != kSucceeded)
      return make_error("campaign.assignment",
                        "group " + std::to_string(g.index) + " of " + campaign + " is " + g.state);
  }
  if (!among(m->phase, step->from))
    return make_error("campaign.phase", serial + " is " + m->phase + " in " + campaign + ": '" +
                                            phase + "' does not follow");
  return ok_status();
}

// A confirmation stands only on the site's own verdict: its latest attestation of the device is
// affirming, was made after the device reported its install, and matched the release.
Status check_confirmation(CampaignTx& tx, const std::string& serial, const CampaignRecord& c,
                          const CampaignMemberRecord& m) {
  auto a = TRY(tx.latest_attestation(serial));
  if (!a) return make_error("campaign.attestation", "the site never appraised " + serial);
  if (a->id <= m.install_attestation)
    return make_error("campaign.attestation",
                      "the site's latest attestation of " + serial + " predates its install");
  if (!a->about_device || a->status != "affirming")
    return make_error("campaign.attestation", "the site's latest attestation of " + serial +
                                                  " is " + a->status + " (" + a->check + ")");
  if (a->release != c.version)
    return make_error("campaign.attestation", "the site's latest attestation of " + serial +
                                                  " matched release '" + a->release + "', not " +
                                                  c.version);
  return ok_status();
}

}  // namespace

Status Campaigns::report(const std::string& serial, int64_t id, const std::string& phase,
                         const std::string& version, const std::string& check) {
  const time::Seconds now = clock_();
  std::optional<Error> refused;
  TRY(inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    auto c = TRY(tx.campaign(id));
    auto m = c ? TRY(tx.member(id, serial)) : std::optional<CampaignMemberRecord>();
    Json detail{{"campaign", id},
                {"phase", sanitize_peer_text(phase, 32)},
                {"version", sanitize_peer_text(version, 128)},
                {"check", sanitize_peer_text(check, 128)}};
    if (m) detail["group"] = m->group;
    bool repeat = false;
    Status ok = check_report(tx, serial, id, c, m, phase, version, &repeat);
    if (ok && !repeat && phase == "confirm") ok = check_confirmation(tx, serial, *c, *m);
    if (!ok) {
      refused = ok.error();
      detail["message"] = refused->message;
      return tx.append(event(now, serial, "campaign.report", detail, "refused", refused->code));
    }
    if (repeat) return ok_status();
    const std::string previous = m->phase;
    m->phase = report_step(phase)->to;
    m->check = sanitize_peer_text(check, 128);
    m->updated_at = now;
    if (phase == "install") {
      auto a = TRY(tx.latest_attestation(serial));
      m->install_attestation = a ? a->id : 0;
    }
    TRY(tx.update_member(*m));
    detail["from"] = previous;
    auto e = event(now, serial, "campaign.report", detail);
    // The version the device runs now, in the transaction that records why.
    if (phase == "confirm")
      TRY(tx.set_app_version(serial, c->version, e));
    else if (phase == "rollback")
      TRY(tx.set_app_version(serial, m->previous_version, e));
    else
      TRY(tx.append(e));
    return Engine(tx, now).advance(*c);
  }));
  if (refused) return *refused;
  return ok_status();
}

Status Campaigns::tick() {
  const time::Seconds now = clock_();
  return inventory_.campaign_write([&](CampaignTx& tx) -> Status {
    Engine engine(tx, now);
    for (auto& c : TRY(tx.campaigns({kWaitingApproval, kRunning, kPaused, kFailed})))
      TRY(engine.advance(c));
    return ok_status();
  });
}

Json CampaignStatus::to_json() const {
  const auto& c = campaign;
  auto at = [](time::Seconds t) { return t ? Json(time::format_rfc3339(t)) : Json(nullptr); };
  Json groups_json = Json::array();
  for (const auto& g : groups) {
    Json counts = Json::object();
    for (const auto& p : member_phases()) counts[p] = g.count(p);
    groups_json.push_back({{"index", g.index},
                           {"state", g.state},
                           {"size", g.size()},
                           {"started_at", at(g.started_at)},
                           {"ended_at", at(g.ended_at)},
                           {"phases", counts}});
  }
  Json members_json = Json::array();
  for (const auto& m : members)
    members_json.push_back({{"serial", m.serial},
                            {"group", m.group},
                            {"phase", m.phase},
                            {"previous_version", m.previous_version},
                            {"check", m.check},
                            {"updated_at", at(m.updated_at)}});
  return Json{{"id", c.id},
              {"manufacturer", c.manufacturer},
              {"model", c.model},
              {"version", c.version},
              {"state", c.state},
              {"created_by", c.created_by},
              {"created_at", at(c.created_at)},
              {"updated_at", at(c.updated_at)},
              {"current_group", c.current_group},
              {"max_failures_pct", c.max_failures_pct},
              {"success_pct", c.success_pct},
              {"groups", groups_json},
              {"members", members_json}};
}

}  // namespace gh::svc
