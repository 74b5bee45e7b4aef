#include "svc/common/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "common/fs.h"

namespace gh::svc::metrics {

class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
         std::vector<double> buckets, size_t max_series)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        labels_(std::move(labels)),
        buckets_(std::move(buckets)),
        max_series_(max_series) {
    // A family without labels has its one series from the start (a counter at 0 is news too).
    if (labels_.empty()) series_[{}] = fresh();
  }

  Type type() const { return type_; }

  void add(Type want, const LabelValues& v, double by) {
    std::lock_guard<std::mutex> lock(mu_);
    if (type_ != want) return;
    if (Series* s = find(v)) s->value += by;
  }
  void set(const LabelValues& v, double x) {
    std::lock_guard<std::mutex> lock(mu_);
    if (type_ != Type::kGauge) return;
    if (Series* s = find(v)) s->value = x;
  }
  void observe(const LabelValues& v, double x) {
    std::lock_guard<std::mutex> lock(mu_);
    if (type_ != Type::kHistogram || std::isnan(x)) return;
    Series* s = find(v);
    if (!s) return;
    // Per bucket here; cumulative when rendered. Past the last bound: only +Inf (count).
    auto at = std::lower_bound(buckets_.begin(), buckets_.end(), x);
    if (at != buckets_.end()) s->buckets[at - buckets_.begin()]++;
    s->sum += x;
    s->count++;
  }

  void render(std::string& out) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (series_.empty()) return;
    static const char* const kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
    out += "# TYPE " + name_ + " " + kTypes[static_cast<int>(type_)] + "\n";
    for (const auto& [values, s] : series_) {
      if (type_ != Type::kHistogram) {
        out += name_ + labels(values, "") + " " + format_value(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < buckets_.size(); ++i) {
        cumulative += s.buckets[i];
        out += name_ + "_bucket" + labels(values, format_value(buckets_[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name_ + "_bucket" + labels(values, "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name_ + "_sum" + labels(values, "") + " " + format_value(s.sum) + "\n";
      out += name_ + "_count" + labels(values, "") + " " + std::to_string(s.count) + "\n";
    }
  }

 private:
  struct Series {
    double value = 0;
    std::vector<uint64_t> buckets;  // histograms: observations per bucket (not cumulative)
    double sum = 0;
    uint64_t count = 0;
  };

  Series fresh() const {
    Series s;
    s.buckets.assign(buckets_.size(), 0);
    return s;
  }

  // The series for v (made if there is room, else the all-"other" one); nullptr when v does not
  // have one value per label. mu_ held.
  Series* find(const LabelValues& v) {
    if (v.size() != labels_.size()) return nullptr;
    if (auto it = series_.find(v); it != series_.end()) return &it->second;
    if (series_.size() < max_series_) return &series_.emplace(v, fresh()).first->second;
    LabelValues other(labels_.size(), "other");
    auto it = series_.find(other);
    if (it == series_.end()) it = series_.emplace(other, fresh()).first;
    return &it->second;
  }

  // {a="x",b="y"} (with le last, for a histogram's buckets); "" without labels.
  std::string labels(const LabelValues& values, const std::string& le) const {
    if (values.empty() && le.empty()) return "";
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i)
      out += (i ? "," : "") + labels_[i] + "=\"" + escape_label_value(values[i]) + "\"";
    if (!le.empty()) out += std::string(values.empty() ? "" : ",") + "le=\"" + le + "\"";
    return out + "}";
  }

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  const std::vector<double> buckets_;
  const size_t max_series_;
  mutable std::mutex mu_;
  std::map<LabelValues, Series> series_;
};

void Counter::inc(const LabelValues& values, double by) const {
  if (f_ && by >= 0) f_->add(Type::kCounter, values, by);
}
void Gauge::set(const LabelValues& values, double v) const {
  if (f_) f_->set(values, v);
}
void Gauge::add(const LabelValues& values, double by) const {
  if (f_) f_->add(Type::kGauge, values, by);
}
void Histogram::observe(const LabelValues& values, double v) const {
  if (f_) f_->observe(values, v);
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,    2.5,   5,    10,  30};
  return b;
}

Registry::Registry(size_t max_series) : max_series_(max_series) {}
Registry::~Registry() = default;

Registry& Registry::process() {
  // Never destroyed: services that record into it may be torn down after static destructors run.
  static Registry* r = new Registry();
  return *r;
}

Family* Registry::family(const std::string& name, const std::string& help, Type type,
                         const std::vector<std::string>& labels,
                         const std::vector<double>& buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = families_[name];
  if (!slot) {
    std::vector<double> b = buckets;
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    std::erase_if(b, [](double x) { return !std::isfinite(x); });
    slot = std::make_unique<Family>(name, help, type, labels, std::move(b), max_series_);
  }
  return slot.get();
}

Counter Registry::counter(const std::string& name, const std::string& help,
                          const std::vector<std::string>& labels) {
  return Counter(family(name, help, Type::kCounter, labels, {}));
}

Gauge Registry::gauge(const std::string& name, const std::string& help,
                      const std::vector<std::string>& labels) {
  return Gauge(family(name, help, Type::kGauge, labels, {}));
}

Histogram Registry::histogram(const std::string& name, const std::string& help,
                              const std::vector<std::string>& labels,
                              const std::vector<double>& buckets) {
  return Histogram(family(name, help, Type::kHistogram, labels, buckets));
}

Registry::Collection& Registry::Collection::operator=(Collection&& o) noexcept {
  if (this != &o) {
    this->~Collection();
    owner_ = o.owner_;
    id_ = o.id_;
    o.owner_ = nullptr;
  }
  return *this;
}

Registry::Collection::~Collection() {
  if (!owner_) return;
  // Under the collectors' lock: once this returns, the function is not running and never will.
  std::lock_guard<std::mutex> lock(owner_->collectors_mu_);
  owner_->collectors_.erase(id_);
  owner_ = nullptr;
}

Registry::Collection Registry::collect(std::function<void(Registry&)> fn) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  uint64_t id = next_collector_++;
  collectors_[id] = std::move(fn);
  return Collection(this, id);
}

void Registry::render_families(std::string& out, const Registry* skip) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, f] : families_) {
    if (skip) {
      std::lock_guard<std::mutex> other(skip->mu_);
      if (skip->families_.count(name)) continue;
    }
    f->render(out);
  }
}

std::string Registry::render() const {
  std::string out;
  render_families(out, nullptr);
  Registry now(max_series_);
  {
    std::lock_guard<std::mutex> lock(collectors_mu_);
    for (const auto& [id, fn] : collectors_) fn(now);
  }
  now.render_families(out, this);
  return out;
}

void server_metrics(Registry& r, const std::string& server, const net::ServerStats& stats,
                    const net::ServerLimits& limits) {
  const LabelValues s = {server};
  r.gauge("gatehouse_server_connections_open", "Connections open now", {"server"})
      .set(s, stats.open);
  r.counter("gatehouse_server_connections_accepted_total", "Connections admitted", {"server"})
      .inc(s, static_cast<double>(stats.accepted));
  r.counter("gatehouse_server_connections_refused_total",
            "Connections accepted and closed at once: no room", {"server"})
      .inc(s, static_cast<double>(stats.refused));
  r.counter("gatehouse_server_connections_evicted_total",
            "Connections closed to make room for a newcomer", {"server"})
      .inc(s, static_cast<double>(stats.evicted));
  r.counter("gatehouse_server_accept_backoffs_total",
            "Pauses in accepting for lack of file descriptors", {"server"})
      .inc(s, static_cast<double>(stats.backoffs));
  r.gauge("gatehouse_server_workers", "Worker threads started", {"server"}).set(s, stats.workers);
  r.gauge("gatehouse_server_max_workers", "Limit: worker threads", {"server"})
      .set(s, net::worker_threads(limits));
  r.gauge("gatehouse_server_max_connections", "Limit: connections open at once", {"server"})
      .set(s, limits.max_connections);
  r.gauge("gatehouse_server_max_connections_per_address",
          "Limit: connections open at once from one peer address", {"server"})
      .set(s, limits.max_per_address);
  r.gauge("gatehouse_server_max_queued_requests", "Limit: complete requests waiting for a worker",
          {"server"})
      .set(s, static_cast<double>(limits.max_queue));
  auto timeout = r.gauge("gatehouse_server_timeout_seconds",
                         "Limit: how long a connection may take (head: TLS handshake and request "
                         "head; request: the whole request; idle: between keep-alive requests; "
                         "write: the response)",
                         {"server", "timeout"});
  auto secs = [](std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000; };
  timeout.set({server, "head"}, secs(limits.head_timeout));
  timeout.set({server, "request"}, secs(limits.request_timeout));
  timeout.set({server, "idle"}, secs(limits.idle_timeout));
  timeout.set({server, "write"}, secs(limits.write_timeout));
}

void process_metrics(Registry& r) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // /proc/self/stat: fields after the command name's closing parenthesis, from field 3 (state).
  if (auto stat = fs::read_file("/proc/self/stat"); stat && ticks > 0) {
    std::istringstream in(stat->substr(stat->rfind(')') + 1));
    std::vector<std::string> f;
    for (std::string t; in >> t;) f.push_back(t);
    auto field = [&](size_t n) {
      return n - 3 < f.size() ? std::strtod(f[n - 3].c_str(), nullptr) : 0.0;
    };
    if (f.size() >= 22) {
      r.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds")
          .inc({}, (field(14) + field(15)) / ticks);
      r.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes").set({}, field(23));
      r.gauge("process_resident_memory_bytes", "Resident memory size in bytes")
          .set({}, field(24) * page);
      // starttime is in clock ticks since boot; boot time is in /proc/stat.
      if (auto ps = fs::read_file("/proc/stat")) {
        auto at = ps->find("\nbtime ");
        if (at != std::string::npos)
          r.gauge("process_start_time_seconds",
                  "Start time of the process since the Unix epoch, in seconds")
              .set({}, std::strtod(ps->c_str() + at + 7, nullptr) + field(22) / ticks);
      }
    }
  }
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  if (!ec) r.gauge("process_open_fds", "Open file descriptors").set({}, static_cast<double>(fds));
  if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    r.gauge("process_max_fds", "Limit on open file descriptors")
        .set({}, static_cast<double>(rl.rlim_cur));
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Whole numbers as integers while exact (counts); anything else in its shortest exact form.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace gh::svc::metrics
