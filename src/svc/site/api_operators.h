// The people who may use the site's REST API, and what each may do (IR 8350's functional roles):
// a viewer reads; an operator also acts on devices (quarantine, release, revoke, renew,
// decommission, retire); an admin also changes the policy, trust (bundles, manufacturers) and the
// operators themselves.
//
// Each operator authenticates with a bearer token: 256 random bits, base64url, shown once when the
// operator is made. Only its SHA-256 is kept (in STATE/operators.json, mode 0600): a token of 256
// random bits needs no slow hash, since nobody can search that space, and a stolen file gives no
// token back.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "store/inventory.h"

namespace gh::svc {

// In order of power: each role may do what the ones before it may.
enum class ApiRole { kPublic, kViewer, kOperator, kAdmin };
const char* role_name(ApiRole role);
// "viewer", "operator" or "admin"; "operator.role" otherwise.
Result<ApiRole> parse_role(const std::string& name);

struct ApiOperator {
  std::string name;
  ApiRole role = ApiRole::kViewer;
  std::string token_sha256;  // hex
  time::Seconds created_at = 0;
  std::string created_by;  // "cli" or the admin who made it through the API
};

// An operator just made, with the token that will never be shown again.
struct NewOperator {
  ApiOperator op;
  std::string token;
};

class OperatorStore {
 public:
  explicit OperatorStore(std::string state_dir) : dir_(std::move(state_dir)) {}
  static std::string path(const std::string& state_dir);

  Result<std::vector<ApiOperator>> list();
  // Refused "operator.name" (1-64 of A-Z a-z 0-9 . _ -), "operator.exists". Recorded in the
  // evidence log (operator.add) with who made it.
  Result<NewOperator> add(const std::string& name, ApiRole role, const std::string& by,
                          store::Inventory& log);
  // Refused "operator.unknown"; with keep_admin, "operator.last-admin" for the only admin (the
  // API must not lock every admin out; the CLI, on the state directory, may).
  Status remove(const std::string& name, const std::string& by, bool keep_admin,
                store::Inventory& log);
  // The operator whose token this is. Every stored hash is compared, in constant time, so the
  // time taken says nothing about which one (nearly) matched. The file is re-read when it
  // changed, so an operator removed by the CLI is refused at once.
  Result<std::optional<ApiOperator>> authenticate(std::string_view token);

 private:
  Result<std::vector<ApiOperator>> read_file();
  Status write_file(const std::vector<ApiOperator>& ops);

  std::string dir_;
  std::mutex mu_;
  std::string cache_key_;  // inode, size and mtime of the file the cache came from
  std::vector<ApiOperator> cache_;
};

}  // namespace gh::svc
