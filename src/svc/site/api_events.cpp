// /events: the evidence log queried and exported (JSON or CSV), and /events/stream, the feed of
// new entries.
//
// The feed is Server-Sent Events over one held connection: the answer's head goes out at once,
// then each new entry as it commits (`id:` and `data:` records, read through a connection of the
// feed's own and only when SQLite's data_version says the log moved), a `: keep-alive` comment
// with the position every stream_heartbeat_s, for up to stream_hold_s; then it ends and an
// EventSource reconnects by itself after `retry:` with Last-Event-ID, which is where the next
// answer starts. With ?wait=N (and for format=json) it is a long poll instead: one answer as soon
// as there are entries, or after N seconds with the keep-alive comment, for clients that cannot
// read a body as it arrives.
#include <algorithm>
#include <functional>
#include <optional>

#include "common/encoding.h"
#include "common/fs.h"
#include "common/log.h"
#include "proto/policy.h"
#include "svc/site/api_call.h"
#include "svc/site/device_view.h"
#include "svc/site/evidence_tail.h"

namespace gh::svc {
namespace {

constexpr int64_t kMaxEvents = 10'000;
constexpr int kPollMs = 100;
constexpr size_t kMaxStreamBatch = 500;
// A stream's piece stops growing at about this much (what a slow reader's connection holds is the
// server's 256 KiB plus one piece); an entry's fields plus this is its record's size, roughly.
constexpr size_t kStreamPieceBytes = 64 * 1024;
constexpr size_t kRecordOverhead = 160;

struct EventFilter {
  std::string serial;
  std::vector<std::string> kinds;  // globs
  std::string outcome;
  time::Seconds since = 0;
  int64_t after = 0;

  bool matches(const store::Event& e) const { return e.id > after && matches_after_position(e); }
  bool matches_after_position(const store::Event& e) const {
    if (e.at < since) return false;
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

std::string sse_records(const std::vector<store::Event>& events) {
  std::string out;
  for (const auto& e : events)
    out += "id: " + std::to_string(e.id) + "\ndata: " + event_json(e).dump() + "\n\n";
  return out;
}

// The comment that keeps a quiet feed's connection alive, with the position to resume from (an
// `id:` alone moves an EventSource's Last-Event-ID past entries the filter left out).
std::string sse_keep_alive(int64_t position) {
  return ": keep-alive\nid: " + std::to_string(position) + "\n\n";
}

// One feed: the entries after its position that match its filter, read through a connection of
// its own. It counts itself among the feeds (ApiOptions::max_streams) for as long as it lives.
class EventFeed : public net::BodyStream {
 public:
  struct Timing {
    double ends_at = 0;  // monotonic; the stream's end
    double beat_s = 15;
  };
  // still_allowed: asked at every keep-alive; false ends the stream (the operator was removed).
  EventFeed(std::unique_ptr<EvidenceTail> tail, EventFilter f, std::atomic<int>& count,
            std::function<bool(int)> wait_stop, std::function<bool()> still_allowed, Timing timing)
      : tail_(std::move(tail)),
        f_(std::move(f)),
        count_(count),
        wait_stop_(std::move(wait_stop)),
        still_allowed_(std::move(still_allowed)),
        timing_(timing),
        next_beat_(time::monotonic() + timing.beat_s) {}
  ~EventFeed() override { count_--; }

  int64_t position() const { return f_.after; }

  // The matching entries after the position, read only when the log has moved since the last
  // look: at most kMaxStreamBatch rows, and no more once about budget bytes are taken (the rest
  // come at the next call). The position passes the entries the filter leaves out too.
  Result<std::vector<store::Event>> poll(size_t budget = SIZE_MAX) {
    const int64_t v = TRY(tail_->version());
    if (seen_ && *seen_ == v && !more_) return std::vector<store::Event>{};
    seen_ = v;
    auto page = TRY(tail_->after(f_.after, kMaxStreamBatch, true, f_.serial));
    more_ = page.size() == kMaxStreamBatch;
    std::vector<store::Event> out;
    size_t taken = 0;
    for (auto& e : page) {
      if (taken >= budget) {
        more_ = true;
        break;
      }
      f_.after = e.id;
      if (!f_.matches_after_position(e)) continue;
      taken +=
          kRecordOverhead + e.serial.size() + e.kind.size() + e.reason.size() + e.detail.size();
      out.push_back(std::move(e));
    }
    return out;
  }

  std::optional<std::string> next(double wait_s) override {
    const double until = time::monotonic() + wait_s;
    for (;;) {
      // Past its end the stream stops even while entries keep coming; the client resumes from
      // the last id it has, so nothing read here and not sent is lost.
      if (time::monotonic() >= timing_.ends_at) return std::nullopt;
      auto got = poll(kStreamPieceBytes);
      if (!got) {
        log::warn("api", "event feed ended: " + got.error().str());
        return std::nullopt;
      }
      const double now = time::monotonic();
      // Every beat, busy or quiet, the operator must still be one.
      if (now >= next_beat_) {
        if (!still_allowed_()) return std::nullopt;
        next_beat_ = now + timing_.beat_s;
        if (got->empty()) return sse_keep_alive(f_.after);
      }
      if (!got->empty()) return sse_records(*got);
      if (now >= until) return std::string();
      if (wait_stop_(kPollMs)) return std::nullopt;
    }
  }

 private:
  std::unique_ptr<EvidenceTail> tail_;
  EventFilter f_;
  std::atomic<int>& count_;
  std::function<bool(int)> wait_stop_;
  std::function<bool()> still_allowed_;
  Timing timing_;
  double next_beat_;
  std::optional<int64_t> seen_;
  bool more_ = false;  // the last page was full: read on without waiting for a change
};

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
  auto st = api::only_params(c, {"serial", "kind", "outcome", "after", "wait", "hold", "format"});
  if (!st) return api::error(st.error());
  std::string format = c.query.count("format") ? c.query.at("format") : "sse";
  if (format != "sse" && format != "json")
    return api::error("api.query", "format takes sse or json");
  // A long poll for JSON, or when asked for with wait; otherwise the held stream.
  const bool poll = format == "json" || c.query.count("wait");
  if (poll && c.query.count("hold"))
    return api::error("api.query", "hold is for the stream; a long poll takes wait");
  auto wait = api::int_param(c, "wait", options_.stream_wait_max_s, 0, options_.stream_wait_max_s);
  if (!wait) return api::error(wait.error());
  auto hold = api::int_param(c, "hold", options_.stream_hold_s, 1, options_.stream_hold_s);
  if (!hold) return api::error(hold.error());
  auto f = event_filter(c, *site_);
  if (!f) return api::error(f.error());
  // Where to start: ?after=, else the EventSource's Last-Event-ID, else only what comes next.
  std::optional<int64_t> start;
  if (c.query.count("after")) {
    start = f->after;
  } else if (const std::string last = c.req.header("last-event-id"); !last.empty()) {
    if (last.size() > 18 || last.find_first_not_of("0123456789") != std::string::npos)
      return api::error("api.query", "Last-Event-ID is an event id");
    start = std::stoll(last);
  }
  if (streams_.fetch_add(1) >= options_.max_streams) {
    streams_--;
    auto r = api::error("api.streams", "at most " + std::to_string(options_.max_streams) +
                                           " event feeds at once; try again shortly");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  // Counted from here; the feed holds the count once it exists.
  struct Counted {
    std::atomic<int>* n;
    ~Counted() {
      if (n) (*n)--;
    }
  } counted{&streams_};
  auto tail = EvidenceTail::open(fs::join(site_->state_dir(), "inventory.db"));
  if (!tail) return api::error(tail.error());
  if (!start) {
    auto end = (*tail)->last_id();
    if (!end) return api::error(end.error());
    start = *end;
  }
  f->after = *start;
  // The stream asks at every keep-alive whether its token is still an operator's.
  const std::string authz = c.req.header("authorization");
  auto still_allowed = [this, token = trim(authz.size() > 7 ? authz.substr(7) : "")] {
    auto who = operators_->authenticate(token);
    return who && *who && (*who)->role >= ApiRole::kViewer;
  };
  const double now = time::monotonic();
  auto feed = std::make_shared<EventFeed>(
      std::move(*tail), std::move(*f), streams_, [this](int ms) { return wait_stop(ms); },
      std::move(still_allowed),
      EventFeed::Timing{now + (poll ? *wait : *hold),
                        static_cast<double>(options_.stream_heartbeat_s)});
  counted.n = nullptr;
  if (!poll) {
    net::HttpResponse r{200,
                        "text/event-stream; charset=utf-8",
                        "retry: 500\n\n" + sse_keep_alive(feed->position()),
                        {}};
    r.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy in front must not hold it back
    r.stream = std::move(feed);
    return r;
  }
  std::vector<store::Event> events;
  for (;;) {
    auto got = feed->poll();
    if (!got) return api::error(got.error());
    events = std::move(*got);
    if (!events.empty() || time::monotonic() >= now + *wait || wait_stop(kPollMs)) break;
  }
  if (format == "json") {
    Json arr = Json::array();
    for (const auto& e : events) arr.push_back(event_json(e));
    return api::json(200, Json{{"events", arr}, {"last_id", feed->position()}});
  }
  return net::HttpResponse{
      200,
      "text/event-stream; charset=utf-8",
      "retry: 500\n\n" + (events.empty() ? sse_keep_alive(feed->position()) : sse_records(events)),
      {}};
}

}  // namespace gh::svc
