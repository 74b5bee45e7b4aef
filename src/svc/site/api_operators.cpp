#include "svc/site/api_operators.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/fs.h"
#include "common/json.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "svc/common/role.h"

namespace gh::svc {
namespace {

constexpr size_t kMaxOperatorsFile = 1024 * 1024;

std::string token_hash(std::string_view token) {
  return hex_encode(crypto::sha256(token));
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// A second writer (the CLI while the API adds an operator) waits its turn for a moment.
Result<StateLock> lock_operators(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    auto lock = StateLock::take(dir, "operators");
    if (lock || attempt == 40) return lock;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

std::string stat_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "absent";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

Json operator_json(const ApiOperator& o) {
  return Json{{"name", o.name},
              {"role", role_name(o.role)},
              {"token_sha256", o.token_sha256},
              {"created_at", time::format_rfc3339(o.created_at)},
              {"created_by", o.created_by}};
}

}  // namespace

const char* role_name(ApiRole role) {
  switch (role) {
    case ApiRole::kPublic:
      return "public";
    case ApiRole::kViewer:
      return "viewer";
    case ApiRole::kOperator:
      return "operator";
    case ApiRole::kAdmin:
      return "admin";
  }
  return "?";
}

Result<ApiRole> parse_role(const std::string& name) {
  if (name == "viewer") return ApiRole::kViewer;
  if (name == "operator") return ApiRole::kOperator;
  if (name == "admin") return ApiRole::kAdmin;
  return make_error("operator.role", "a role is viewer, operator or admin, not '" + name + "'");
}

std::string OperatorStore::path(const std::string& state_dir) {
  return fs::join(state_dir, "operators.json");
}

Result<std::vector<ApiOperator>> OperatorStore::read_file() {
  std::vector<ApiOperator> out;
  if (!fs::exists(path(dir_))) return out;
  auto text = TRY(fs::read_file_limited(path(dir_), kMaxOperatorsFile, "operator.size"));
  auto doc = TRY_CTX(parse_json(text, "operator"), path(dir_));
  if (!doc.is_object() || !doc.contains("operators") || !doc["operators"].is_array())
    return make_error("operator.file", path(dir_) + ": no operators array");
  for (const auto& o : doc["operators"]) {
    if (!o.is_object()) return make_error("operator.file", path(dir_) + ": an entry is no object");
    ApiOperator op;
    op.name = TRY(json_string(o, "name", "operators[]"));
    op.role = TRY(parse_role(TRY(json_string(o, "role", "operators[]"))));
    op.token_sha256 = TRY(json_string(o, "token_sha256", "operators[]"));
    op.created_at = time::parse_rfc3339(json_string_or(o, "created_at", "")).value_or(0);
    op.created_by = json_string_or(o, "created_by", "");
    out.push_back(std::move(op));
  }
  return out;
}

Status OperatorStore::write_file(const std::vector<ApiOperator>& ops) {
  Json arr = Json::array();
  for (const auto& o : ops) arr.push_back(operator_json(o));
  return fs::write_file_atomic(path(dir_), Json{{"version", 1}, {"operators", arr}}.dump(2) + "\n",
                               0600);
}

Result<std::vector<ApiOperator>> OperatorStore::list() {
  return read_file();
}

Result<NewOperator> OperatorStore::add(const std::string& name, ApiRole role, const std::string& by,
                                       store::Inventory& log) {
  if (!valid_name(name))
    return make_error("operator.name",
                      "an operator's name is 1 to 64 of A-Z a-z 0-9 . _ - ('" + name + "')");
  if (role == ApiRole::kPublic) return make_error("operator.role", "an operator needs a role");
  auto lock = TRY(lock_operators(dir_));
  auto ops = TRY(read_file());
  for (const auto& o : ops)
    if (o.name == name) return make_error("operator.exists", "operator " + name + " exists");
  NewOperator made;
  Bytes secret = crypto::random_bytes(32);
  made.token = base64url_encode(secret);
  crypto::secure_zero(secret);
  made.op = ApiOperator{name, role, token_hash(made.token), time::now(), by};
  ops.push_back(made.op);
  TRY(write_file(ops));
  TRY(log.append(store::Event{0, 0, "", "operator.add", "ok", "API operator added",
                              Json{{"name", name}, {"role", role_name(role)}, {"by", by}}.dump()}));
  return made;
}

Status OperatorStore::remove(const std::string& name, const std::string& by, bool keep_admin,
                             store::Inventory& log) {
  auto lock = TRY(lock_operators(dir_));
  auto ops = TRY(read_file());
  auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& o) { return o.name == name; });
  if (it == ops.end()) return make_error("operator.unknown", "no operator " + name);
  if (keep_admin && it->role == ApiRole::kAdmin &&
      std::count_if(ops.begin(), ops.end(),
                    [](const auto& o) { return o.role == ApiRole::kAdmin; }) == 1)
    return make_error("operator.last-admin",
                      name + " is the only admin; add another before removing it");
  const std::string role = role_name(it->role);
  ops.erase(it);
  TRY(write_file(ops));
  return log.append(store::Event{0, 0, "", "operator.remove", "ok", "API operator removed",
                                 Json{{"name", name}, {"role", role}, {"by", by}}.dump()});
}

Result<std::optional<ApiOperator>> OperatorStore::authenticate(std::string_view token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = stat_key(path(dir_));
  if (key != cache_key_) {
    cache_ = TRY(read_file());
    cache_key_ = key;
  }
  const std::string want = token_hash(token);
  std::optional<ApiOperator> found;
  for (const auto& o : cache_)
    if (crypto::ct_equal(std::string_view(o.token_sha256), std::string_view(want))) found = o;
  return found;
}

}  // namespace gh::svc
