// /events: the evidence log queried and exported (JSON or CSV), and /events/stream, the feed of
// new entries.
//
// The feed is a long poll in the Server-Sent Events format, not a held-open stream: the HTTP
// server answers whole responses only (src/net), so each request waits (at most
// stream_wait_max_s, polling the inventory every 500 ms) until there are entries after the last
// one the client has, answers them as `id:`/`data:` records, and ends; an EventSource reconnects
// by itself after `retry:` with Last-Event-ID, which is where the next answer starts. An answer
// with nothing new is the keep-alive comment.
#include <algorithm>

#include "proto/policy.h"
#include "svc/site/api_call.h"
#include "svc/site/device_view.h"

namespace gh::svc {
namespace {

constexpr int64_t kMaxEvents = 10'000;
constexpr int kPollMs = 500;
constexpr size_t kMaxStreamBatch = 500;

struct EventFilter {
  std::string serial;
  std::vector<std::string> kinds;  // globs
  std::string outcome;
  time::Seconds since = 0;
  int64_t after = 0;

  bool matches(const store::Event& e) const {
    if (e.id <= after || e.at < since) return false;
    if (!outcome.empty() && e.outcome != outcome) return false;
    return kinds.empty() || std::any_of(kinds.begin(), kinds.end(), [&](const std::string& k) {
             return proto::policy::glob_match(k, e.kind);
           });
  }
};

Result<EventFilter> event_filter(const ApiCall& c, Site& site) {
  EventFilter f;
  if (auto it = c.query.find("serial"); it != c.query.end()) {
    f.serial = it->second;
    if (!TRY(site.inventory().get(f.serial)))
      return make_error("inventory.unknown", f.serial + " is not in the inventory");
  }
  if (auto it = c.query.find("kind"); it != c.query.end()) {
    size_t at = 0;
    const std::string& s = it->second;
    while (at <= s.size()) {
      size_t comma = std::min(s.find(',', at), s.size());
      if (comma > at) f.kinds.push_back(s.substr(at, comma - at));
      at = comma + 1;
    }
  }
  if (auto it = c.query.find("outcome"); it != c.query.end()) {
    if (it->second != "ok" && it->second != "refused")
      return make_error("api.query", "outcome takes ok or refused");
    f.outcome = it->second;
  }
  if (auto it = c.query.find("since"); it != c.query.end()) {
    auto t = time::parse_rfc3339(it->second);
    if (!t) return make_error("api.query", "since takes an RFC 3339 time: " + t.error().message);
    f.since = *t;
  }
  f.after = TRY(api::int_param(c, "after", 0, 0, INT64_MAX / 2));
  return f;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. A field
// a spreadsheet would read as a formula (=, +, -, @ first: device-supplied text reaches these
// fields) is prefixed with a quote mark (OWASP, CSV injection).
std::string csv_field(std::string s) {
  if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos)
    s.insert(s.begin(), '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string events_csv(const std::vector<const store::Event*>& events) {
  std::string out = "id,at,serial,kind,outcome,reason,detail\r\n";
  for (const auto* e : events)
    out += std::to_string(e->id) + "," + time::format_rfc3339(e->at) + "," + csv_field(e->serial) +
           "," + csv_field(e->kind) + "," + csv_field(e->outcome) + "," + csv_field(e->reason) +
           "," + csv_field(e->detail) + "\r\n";
  return out;
}

std::string sse_records(const std::vector<const store::Event*>& events, int64_t last_id) {
  std::string out = "retry: 500\n\n";
  for (const auto* e : events)
    out += "id: " + std::to_string(e->id) + "\ndata: " + event_json(*e).dump() + "\n\n";
  // Nothing new: the keep-alive comment, and the position to ask from next.
  if (events.empty()) out += ": keep-alive\nid: " + std::to_string(last_id) + "\n\n";
  return out;
}

}  // namespace

net::HttpResponse ApiService::list_events(ApiCall& c) {
  auto st = api::only_params(c, {"serial", "kind", "outcome", "since", "after", "limit", "format"});
  if (!st) return api::error(st.error());
  auto f = event_filter(c, *site_);
  if (!f) return api::error(f.error());
  auto limit = api::int_param(c, "limit", 1000, 1, kMaxEvents);
  if (!limit) return api::error(limit.error());
  std::string format = c.query.count("format") ? c.query.at("format") : "json";
  if (format != "json" && format != "csv")
    return api::error("api.query", "format takes json or csv");
  auto events = site_->inventory().events(f->serial);
  if (!events) return api::error(events.error());
  std::vector<const store::Event*> picked;
  bool truncated = false;
  for (const auto& e : *events) {
    if (!f->matches(e)) continue;
    if (picked.size() == static_cast<size_t>(*limit)) {
      truncated = true;
      break;
    }
    picked.push_back(&e);
  }
  const Json next = truncated ? Json(picked.back()->id) : Json();
  if (format == "csv") {
    net::HttpResponse r{200, "text/csv; charset=utf-8", events_csv(picked), {}};
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"gatehouse-events.csv\"");
    if (truncated) r.headers.emplace_back("X-Next-After", std::to_string(picked.back()->id));
    return r;
  }
  Json arr = Json::array();
  for (const auto* e : picked) arr.push_back(event_json(*e));
  return api::json(200, Json{{"count", picked.size()},
                             {"truncated", truncated},
                             {"next_after", next},
                             {"events", arr}});
}

net::HttpResponse ApiService::stream_events(ApiCall& c) {
  auto st = api::only_params(c, {"serial", "kind", "outcome", "after", "wait", "format"});
  if (!st) return api::error(st.error());
  std::string format = c.query.count("format") ? c.query.at("format") : "sse";
  if (format != "sse" && format != "json")
    return api::error("api.query", "format takes sse or json");
  auto wait = api::int_param(c, "wait", options_.stream_wait_max_s, 0, options_.stream_wait_max_s);
  if (!wait) return api::error(wait.error());
  auto f = event_filter(c, *site_);
  if (!f) return api::error(f.error());
  // Where to start: ?after=, else the EventSource's Last-Event-ID, else only what comes next.
  if (!c.query.count("after")) {
    const std::string last = c.req.header("last-event-id");
    if (!last.empty()) {
      if (last.size() > 18 || last.find_first_not_of("0123456789") != std::string::npos)
        return api::error("api.query", "Last-Event-ID is an event id");
      f->after = std::stoll(last);
    } else {
      auto all = site_->inventory().events(f->serial);
      if (!all) return api::error(all.error());
      f->after = all->empty() ? 0 : all->back().id;
    }
  }
  if (streams_.fetch_add(1) >= options_.max_streams) {
    streams_--;
    auto r = api::error("api.streams", "at most " + std::to_string(options_.max_streams) +
                                           " event feeds at once; try again shortly");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n--; }
  } release{streams_};
  const double deadline = time::monotonic() + static_cast<double>(*wait);
  std::optional<std::pair<int64_t, int64_t>> seen;  // (other connections', our own) writes
  std::vector<store::Event> events;
  std::vector<const store::Event*> picked;
  for (;;) {
    // Read the log again only when something committed since the last look.
    auto ext = site_->inventory().external_changes();
    std::pair<int64_t, int64_t> version{ext ? *ext : -1, writes_.load()};
    if (!ext || version != seen) {
      seen = version;
      auto now = site_->inventory().events(f->serial);
      if (!now) return api::error(now.error());
      events = std::move(*now);
      picked.clear();
      for (const auto& e : events)
        if (f->matches(e) && picked.size() < kMaxStreamBatch) picked.push_back(&e);
      if (!picked.empty()) break;
    }
    if (time::monotonic() >= deadline || wait_stop(kPollMs)) break;
  }
  const int64_t last = picked.empty() ? f->after : picked.back()->id;
  if (format == "json") {
    Json arr = Json::array();
    for (const auto* e : picked) arr.push_back(event_json(*e));
    return api::json(200, Json{{"events", arr}, {"last_id", last}});
  }
  return net::HttpResponse{200, "text/event-stream; charset=utf-8", sse_records(picked, last), {}};
}

}  // namespace gh::svc
