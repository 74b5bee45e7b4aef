// /stats/onboarding: what the dashboard's onboarding view draws, from the evidence log: onboardings
// per minute by protocol and outcome, and refusals by the check that refused. Bounded work: at most
// kMaxStatsEvents of the newest entries are read (through the primary key, newest first), and the
// answer says when the window held more.
#include <algorithm>

#include "common/fs.h"
#include "svc/site/api_call.h"

namespace gh::svc {
namespace {

constexpr size_t kMaxStatsEvents = 200'000;
constexpr int64_t kBucketS = 60;
constexpr size_t kTopRefusals = 20;

}  // namespace

net::HttpResponse ApiService::onboarding_stats(ApiCall& c) {
  if (auto st = api::only_params(c, {"minutes"}); !st) return api::error(st.error());
  auto minutes = api::int_param(c, "minutes", 60, 1, 1440);
  if (!minutes) return api::error(minutes.error());
  const time::Seconds now = time::now();
  const time::Seconds start = (now / kBucketS - *minutes + 1) * kBucketS;
  bool truncated = false;
  // One answer at a time, from the read to the last count: the entries read (up to
  // kMaxStatsEvents of them) are held once, whatever the number of callers.
  std::lock_guard<std::mutex> lock(stats_mu_);
  if (!stats_tail_) {
    auto t = EvidenceTail::open(fs::join(site_->state_dir(), "inventory.db"));
    if (!t) return api::error(t.error(), 500);
    stats_tail_ = std::move(*t);
  }
  auto read = stats_tail_->recent(start, kMaxStatsEvents, &truncated);
  if (!read) return api::error(read.error(), 500);
  const std::vector<store::Event> events = std::move(*read);
  const size_t n = static_cast<size_t>(*minutes);
  Json per_minute = Json::object(), totals = Json::object();
  std::map<std::string, std::vector<int64_t>> series;  // "protocol/outcome" -> counts
  for (const char* p : {"brski", "dpp"})
    for (const char* o : {"ok", "refused"}) series[std::string(p) + "/" + o].assign(n, 0);
  std::map<std::pair<std::string, std::string>, int64_t> refusals;  // (kind, check) -> count
  int64_t refused_total = 0;
  for (const auto& e : events) {
    if (e.at < start) continue;
    if (e.outcome != "ok") {
      refusals[{e.kind, e.reason.empty() ? "unnamed" : e.reason}]++;
      refused_total++;
    }
    auto o = onboarding_outcome(e);
    if (!o) continue;
    auto& s = series[o->protocol + "/" + (o->ok ? "ok" : "refused")];
    if (s.empty()) s.assign(n, 0);
    size_t i = std::min(static_cast<size_t>((e.at - start) / kBucketS), n - 1);
    s[i]++;
  }
  for (const auto& [key, counts] : series) {
    std::string protocol = key.substr(0, key.find('/')), outcome = key.substr(key.find('/') + 1);
    per_minute[protocol][outcome] = counts;
    int64_t sum = 0;
    for (auto v : counts) sum += v;
    totals[protocol][outcome] = sum;
  }
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> by_count(refusals.begin(),
                                                                                refusals.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  Json top = Json::array();
  for (size_t i = 0; i < by_count.size() && i < kTopRefusals; ++i)
    top.push_back(Json{{"kind", by_count[i].first.first},
                       {"check", by_count[i].first.second},
                       {"count", by_count[i].second}});
  return api::json(200, Json{{"minutes", *minutes},
                             {"bucket_s", kBucketS},
                             {"from", time::format_rfc3339(start)},
                             {"to", time::format_rfc3339(now)},
                             {"scanned", events.size()},
                             {"truncated", truncated},
                             {"per_minute", per_minute},
                             {"totals", totals},
                             {"refusals", top},
                             {"refusals_total", refused_total}});
}

}  // namespace gh::svc
