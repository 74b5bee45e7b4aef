// Metrics in the Prometheus text exposition format, version 0.0.4 (what Prometheus scrapes and
// `promtool check metrics` reads): counters, gauges and histograms with fixed buckets, each a
// family of series told apart by their label values.
//
// A family keeps at most Registry::kMaxSeries label sets. Some label values come from what a peer
// does (the check a refusal names, a reason hostapd logs), so past the cap a new label set is
// counted in the family's series whose every label is "other": a peer cannot grow the memory or
// the scrape without bound. Families are registered on first use and live as long as their
// registry; every call is thread-safe (a mutex per family: a few hundred nanoseconds, next to
// requests that cost milliseconds of crypto).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/server_limits.h"

namespace gh::svc::metrics {

// One value per label name of the family, in the same order.
using LabelValues = std::vector<std::string>;

enum class Type { kCounter, kGauge, kHistogram };

class Family;

// Handles to a registry's family: cheap to copy, valid while the registry lives. A call with as
// many values as the family has labels records; any other call (a programming error) records
// nothing.
class Counter {
 public:
  explicit Counter(Family* f) : f_(f) {}
  // by < 0 is ignored: a counter only goes up. by == 0 makes the series appear at 0.
  void inc(const LabelValues& values = {}, double by = 1) const;

 private:
  Family* f_;
};

class Gauge {
 public:
  explicit Gauge(Family* f) : f_(f) {}
  void set(const LabelValues& values, double v) const;
  void add(const LabelValues& values, double by) const;

 private:
  Family* f_;
};

class Histogram {
 public:
  explicit Histogram(Family* f) : f_(f) {}
  void observe(const LabelValues& values, double v) const;

 private:
  Family* f_;
};

// Bucket upper bounds for durations in seconds, from 5 ms to 30 s.
const std::vector<double>& latency_buckets();

class Registry {
 public:
  static constexpr size_t kMaxSeries = 200;

  explicit Registry(size_t max_series = kMaxSeries);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // What this process's services record into, rendered by whoever serves /metrics in it.
  static Registry& process();

  // The family of that name, made on first use (later calls with the same name get the first
  // one's type, help and labels). name: [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total; units
  // are seconds and bytes.
  Counter counter(const std::string& name, const std::string& help,
                  const std::vector<std::string>& labels = {});
  Gauge gauge(const std::string& name, const std::string& help,
              const std::vector<std::string>& labels = {});
  // buckets: finite upper bounds, ascending; +Inf is added.
  Histogram histogram(const std::string& name, const std::string& help,
                      const std::vector<std::string>& labels, const std::vector<double>& buckets);

  // A function run at every render, into a registry made for that render: values read at scrape
  // time (a server's connection counts, the inventory). Removed when the handle goes.
  class Collection {
   public:
    Collection() = default;
    Collection(Collection&& o) noexcept : owner_(o.owner_), id_(o.id_) { o.owner_ = nullptr; }
    Collection& operator=(Collection&& o) noexcept;
    Collection(const Collection&) = delete;
    ~Collection();

   private:
    friend class Registry;
    Collection(Registry* owner, uint64_t id) : owner_(owner), id_(id) {}
    Registry* owner_ = nullptr;
    uint64_t id_ = 0;
  };
  [[nodiscard]] Collection collect(std::function<void(Registry&)> fn);

  // Every family (sorted by name), then what the collectors give; a name both have is rendered
  // once, from this registry.
  std::string render() const;

 private:
  Family* family(const std::string& name, const std::string& help, Type type,
                 const std::vector<std::string>& labels, const std::vector<double>& buckets);
  void render_families(std::string& out, const Registry* skip) const;

  size_t max_series_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  mutable std::mutex collectors_mu_;
  std::map<uint64_t, std::function<void(Registry&)>> collectors_;
  uint64_t next_collector_ = 1;
};

// A server's connection counts (net::ServerStats) and the limits it runs under, labelled
// server="NAME": gatehouse_server_*.
void server_metrics(Registry& r, const std::string& server, const net::ServerStats& stats,
                    const net::ServerLimits& limits);

// This process: resident and virtual memory, open and allowed descriptors, start time, CPU time
// (the names Prometheus' client libraries use: process_*). Read from /proc/self.
void process_metrics(Registry& r);

// The Content-Type of a scrape's answer.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value, HELP text and sample value as the text format writes them.
std::string escape_label_value(const std::string& v);
std::string escape_help(const std::string& v);
std::string format_value(double v);

}  // namespace gh::svc::metrics
