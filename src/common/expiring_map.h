// A bounded, thread-safe map whose entries hold only between two times: for results that stay
// true for a while (a verified chain, a verified declaration) and are cheap to compute again.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "common/encoding.h"
#include "common/time.h"

namespace gh {

template <class V>
class ExpiringMap {
 public:
  explicit ExpiringMap(size_t capacity) : capacity_(capacity) {}

  // The value for key if now lies in [from, until) of its entry; an entry out of its time goes.
  std::optional<V> get(const Bytes& key, time::Seconds now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    if (now >= it->second.from && now < it->second.until) return it->second.value;
    map_.erase(it);
    return std::nullopt;
  }

  // When full it starts over: one-off keys (a device's) fill it, and the keys worth keeping (a
  // registrar's, a signer's) come back at once.
  void put(const Bytes& key, V value, time::Seconds from, time::Seconds until) {
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.size() >= capacity_) map_.clear();
    map_[key] = Entry{std::move(value), from, until};
  }

 private:
  struct Entry {
    V value;
    time::Seconds from, until;
  };
  const size_t capacity_;
  std::mutex mu_;
  std::map<Bytes, Entry> map_;
};

}  // namespace gh
