// Where the site's authorization policy lives (STATE/policy.yaml, or the built-in one) and how a
// running service keeps it current: a changed file is re-read; one with an error is refused whole
// and the running policy stays (said once in the evidence log); a service that starts while the
// file is broken denies everything until it is fixed.
#pragma once

#include <ctime>
#include <mutex>
#include <string>

#include "proto/policy.h"
#include "store/inventory.h"

namespace gh::svc {

class PolicyStore {
 public:
  explicit PolicyStore(std::string state_dir) : dir_(std::move(state_dir)) {}
  void set_dir(std::string state_dir) { dir_ = std::move(state_dir); }
  // The policy in force; log receives a refusal event when a changed file does not parse.
  proto::policy::Policy current(store::Inventory* log);
  proto::policy::Decision decide(const proto::policy::Subject& s, store::Inventory* log);

  // `site policy set`: validates FILE whole, then installs it atomically (and logs it).
  static Status install(const std::string& state_dir, const std::string& file,
                        store::Inventory& log);
  static std::string path(const std::string& state_dir);

 private:
  std::string dir_;
  std::mutex mu_;
  bool loaded_ = false;
  bool from_file_ = false;  // policy_ came from the file (a broken edit keeps it)
  timespec mtime_{};
  off_t size_ = -1;
  proto::policy::Policy policy_ = proto::policy::Policy::builtin();
};

// The policy's view of an inventory record.
proto::policy::Subject subject_for(const store::DeviceRecord& d, const std::string& protocol);

}  // namespace gh::svc
