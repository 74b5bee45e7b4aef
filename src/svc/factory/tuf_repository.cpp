#include "svc/factory/tuf_repository.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/fs.h"
#include "common/time.h"
#include "crypto/digest.h"

namespace gh::svc {

namespace {

constexpr const char* kSpecVersion = "1.0.31";
constexpr int kMaxKeyIndex = 256;
const std::vector<std::string> kRoles = {"root", "targets", "snapshot", "timestamp"};

int threshold_for(const std::string& role) {
  return role == "root" ? 2 : 1;
}
size_t keys_for(const std::string& role) {
  return role == "root" ? 2 : 1;
}

std::string label(const std::string& role, int n) {
  return "tuf-" + role + "-" + std::to_string(n);
}

// Target paths are "<model>/<version>/<file>": plain segments only.
bool good_target_path(const std::string& p) {
  if (p.empty() || p.size() > 512) return false;
  size_t start = 0;
  int segments = 0;
  while (true) {
    size_t slash = p.find('/', start);
    std::string seg =
        p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg[0] == '.') return false;
    for (char c : seg)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
            c == '+'))
        return false;
    ++segments;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments >= 2;
}

Json file_meta(int64_t version, const std::string& bytes) {
  return Json{{"version", version},
              {"length", static_cast<int64_t>(bytes.size())},
              {"hashes", {{"sha256", hex_encode(crypto::sha256(bytes))}}}};
}

Result<Json> signed_part(const std::string& bytes, const std::string& what) {
  auto env = TRY_CTX(tuf::parse_envelope(bytes), what);
  return env.signed_part;
}

// An exclusive lock on the repository, held while it lives: `factory release` and a running
// `masa serve` (re-signing the timestamp) both publish, each from the state on disk.
class RepoLock {
 public:
  static Result<RepoLock> take(const std::string& dir) {
    int fd = ::open(fs::join(dir, "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("io", "cannot open the repository lock in " + dir);
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return make_error("io", "cannot lock the repository in " + dir);
    }
    return RepoLock(fd);
  }
  RepoLock(RepoLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ~RepoLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit RepoLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Result<std::unique_ptr<TufRepository>> TufRepository::open(const std::string& state_dir,
                                                           crypto::KeyStore& keystore,
                                                           TufExpiry expiry) {
  std::unique_ptr<TufRepository> r(new TufRepository(fs::join(state_dir, "tuf"), keystore, expiry));
  TRY(fs::make_dirs(fs::join(r->repository_dir(), "metadata")));
  TRY(fs::make_dirs(fs::join(r->repository_dir(), "targets")));
  auto lock = TRY(RepoLock::take(r->dir_));
  if (fs::exists(r->meta("timestamp.json")))
    TRY(r->load());
  else
    TRY(r->create());
  return r;
}

std::string TufRepository::repository_dir() const {
  return fs::join(dir_, "repository");
}
std::string TufRepository::meta(const std::string& file) const {
  return fs::join(repository_dir(), "metadata/" + file);
}
std::string TufRepository::expires(int64_t seconds) const {
  return time::format_rfc3339(time::now() + seconds);
}
int64_t TufRepository::version(const std::string& role) const {
  auto it = versions_.find(role);
  return it == versions_.end() ? 0 : it->second;
}
Result<std::string> TufRepository::root_json() const {
  return fs::read_file(meta("root.json"));
}

Result<tuf::Signer> TufRepository::new_key(const std::string& role) {
  for (int n = 1; n <= kMaxKeyIndex; ++n) {
    if (keystore_.has(label(role, n))) continue;
    auto priv = TRY(keystore_.generate(label(role, n), crypto::Curve::kP256));
    auto key = TRY(tuf::make_key(priv.public_key()));
    return tuf::Signer{std::move(key), std::move(priv)};
  }
  return make_error("tuf.keys", "no free key label for the " + role + " role");
}

// The keystore's keys that the root names for role.
Result<std::vector<tuf::Signer>> TufRepository::signers(const std::string& role,
                                                        const Json& root_signed) {
  std::set<std::string> wanted;
  for (const auto& id : root_signed["roles"][role]["keyids"]) wanted.insert(id.get<std::string>());
  std::vector<tuf::Signer> out;
  for (int n = 1; n <= kMaxKeyIndex && out.size() < wanted.size(); ++n) {
    if (!keystore_.has(label(role, n))) continue;
    auto priv = TRY(keystore_.load(label(role, n)));
    auto key = TRY(tuf::make_key(priv.public_key()));
    if (wanted.count(key.id)) out.push_back({std::move(key), std::move(priv)});
  }
  if (static_cast<int64_t>(out.size()) < root_signed["roles"][role]["threshold"].get<int64_t>())
    return make_error("tuf.keys", "the keystore lacks the " + role + " keys the root names");
  return out;
}

Json TufRepository::role_entry(const std::vector<tuf::Signer>& keys, int threshold) const {
  Json ids = Json::array();
  for (const auto& k : keys) ids.push_back(k.key.id);
  return Json{{"keyids", ids}, {"threshold", threshold}};
}

Status TufRepository::create() {
  Json keys = Json::object();
  Json roles = Json::object();
  for (const auto& role : kRoles) {
    auto& ks = keys_[role];
    for (size_t i = 0; i < keys_for(role); ++i) ks.push_back(TRY(new_key(role)));
    for (const auto& k : ks) keys[k.key.id] = k.key.json;
    roles[role] = role_entry(ks, threshold_for(role));
  }
  root_ = Json{{"_type", "root"},
               {"spec_version", kSpecVersion},
               {"version", 1},
               {"expires", expires(expiry_.root)},
               {"consistent_snapshot", true},
               {"keys", keys},
               {"roles", roles}};
  std::vector<const tuf::Signer*> signers;
  for (const auto& k : keys_["root"]) signers.push_back(&k);
  TRY(publish_root(root_, signers));
  TRY(publish_targets());
  TRY(publish_snapshot());
  return publish_timestamp();
}

Status TufRepository::load() {
  auto root_bytes = TRY(fs::read_file(meta("root.json")));
  root_ = TRY(signed_part(root_bytes, "root"));
  versions_["root"] = root_["version"].get<int64_t>();
  for (const auto& role : kRoles) keys_[role] = TRY(signers(role, root_));
  latest_["timestamp"] = TRY(fs::read_file(meta("timestamp.json")));
  auto ts = TRY(signed_part(latest_["timestamp"], "timestamp"));
  versions_["timestamp"] = ts["version"].get<int64_t>();
  versions_["snapshot"] = ts["meta"]["snapshot.json"]["version"].get<int64_t>();
  latest_["snapshot"] =
      TRY(fs::read_file(meta(tuf::versioned_name(versions_["snapshot"], "snapshot"))));
  auto sn = TRY(signed_part(latest_["snapshot"], "snapshot"));
  versions_["targets"] = sn["meta"]["targets.json"]["version"].get<int64_t>();
  latest_["targets"] =
      TRY(fs::read_file(meta(tuf::versioned_name(versions_["targets"], "targets"))));
  targets_ = TRY(signed_part(latest_["targets"], "targets"))["targets"];
  // A key rotation cut short (the new root published, the roles not yet re-signed): finish it.
  auto root = TRY(tuf::parse_root(root_));
  auto signed_now = [&](const std::string& role) {
    auto env = tuf::parse_envelope(latest_[role]);
    return env && tuf::verify_role(*env, root.roles[role], root.keys, role).ok();
  };
  bool targets = !signed_now("targets");
  bool snapshot = targets || !signed_now("snapshot");
  bool timestamp = snapshot || !signed_now("timestamp");
  if (targets) TRY(publish_targets());
  if (snapshot) TRY(publish_snapshot());
  if (timestamp) TRY(publish_timestamp());
  return ok_status();
}

Status TufRepository::publish_root(const Json& root_signed,
                                   const std::vector<const tuf::Signer*>& signers) {
  auto bytes = TRY(tuf::sign_metadata(root_signed, signers));
  int64_t v = root_signed["version"].get<int64_t>();
  TRY(fs::write_file_atomic(meta(tuf::versioned_name(v, "root")), bytes));
  TRY(fs::write_file_atomic(meta("root.json"), bytes));
  versions_["root"] = v;
  return ok_status();
}

Status TufRepository::publish_targets() {
  int64_t v = version("targets") + 1;
  Json s{{"_type", "targets"},
         {"spec_version", kSpecVersion},
         {"version", v},
         {"expires", expires(expiry_.targets)},
         {"targets", targets_}};
  std::vector<const tuf::Signer*> signers;
  for (const auto& k : keys_["targets"]) signers.push_back(&k);
  auto bytes = TRY(tuf::sign_metadata(s, signers));
  TRY(fs::write_file_atomic(meta(tuf::versioned_name(v, "targets")), bytes));
  versions_["targets"] = v;
  latest_["targets"] = bytes;
  return ok_status();
}

Status TufRepository::publish_snapshot() {
  int64_t v = version("snapshot") + 1;
  Json s{{"_type", "snapshot"},
         {"spec_version", kSpecVersion},
         {"version", v},
         {"expires", expires(expiry_.snapshot)},
         {"meta", {{"targets.json", file_meta(version("targets"), latest_["targets"])}}}};
  std::vector<const tuf::Signer*> signers;
  for (const auto& k : keys_["snapshot"]) signers.push_back(&k);
  auto bytes = TRY(tuf::sign_metadata(s, signers));
  TRY(fs::write_file_atomic(meta(tuf::versioned_name(v, "snapshot")), bytes));
  versions_["snapshot"] = v;
  latest_["snapshot"] = bytes;
  return ok_status();
}

Status TufRepository::publish_timestamp() {
  int64_t v = version("timestamp") + 1;
  Json s{{"_type", "timestamp"},
         {"spec_version", kSpecVersion},
         {"version", v},
         {"expires", expires(expiry_.timestamp)},
         {"meta", {{"snapshot.json", file_meta(version("snapshot"), latest_["snapshot"])}}}};
  std::vector<const tuf::Signer*> signers;
  for (const auto& k : keys_["timestamp"]) signers.push_back(&k);
  auto bytes = TRY(tuf::sign_metadata(s, signers));
  TRY(fs::write_file_atomic(meta("timestamp.json"), bytes));  // last: it makes the rest current
  versions_["timestamp"] = v;
  latest_["timestamp"] = bytes;
  return ok_status();
}

Status TufRepository::add_targets(const std::vector<NewTarget>& targets) {
  auto lock = TRY(RepoLock::take(dir_));
  TRY(load());  // another process may have published since
  bool changed = false;
  for (const auto& t : targets) {
    if (!good_target_path(t.path))
      return make_error("tuf.path", "not a target path (model/version/file): " + t.path);
    std::string hash = hex_encode(crypto::sha256(t.bytes));
    if (targets_.contains(t.path)) {
      if (targets_[t.path]["hashes"]["sha256"] != hash)
        return make_error("tuf.exists", t.path + " is published already with other bytes");
      continue;
    }
    std::string file =
        fs::join(repository_dir(), "targets/" + tuf::hashed_target_name(t.path, hash));
    TRY(fs::make_dirs(file.substr(0, file.rfind('/'))));
    TRY(fs::write_file_atomic(file, t.bytes));
    Json entry{{"length", static_cast<int64_t>(t.bytes.size())}, {"hashes", {{"sha256", hash}}}};
    if (!t.custom.is_null()) entry["custom"] = t.custom;
    targets_[t.path] = entry;
    changed = true;
  }
  if (!changed) return ok_status();
  TRY(publish_targets());
  TRY(publish_snapshot());
  return publish_timestamp();
}

Status TufRepository::rotate_keys(const std::vector<std::string>& roles) {
  auto lock = TRY(RepoLock::take(dir_));
  TRY(load());
  Json next = root_;
  next["version"] = version("root") + 1;
  next["expires"] = expires(expiry_.root);
  std::map<std::string, std::vector<tuf::Signer>> fresh;
  for (const auto& role : roles) {
    if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
      return make_error("usage", "no such TUF role: " + role);
    for (size_t i = 0; i < keys_for(role); ++i) fresh[role].push_back(TRY(new_key(role)));
    next["roles"][role] = role_entry(fresh[role], threshold_for(role));
  }
  // The keys map holds exactly the keys some role names.
  Json keys = Json::object();
  for (const auto& role : kRoles) {
    const auto& ks = fresh.count(role) ? fresh[role] : keys_[role];
    for (const auto& k : ks) keys[k.key.id] = k.key.json;
  }
  next["keys"] = keys;
  // Signed by the old root keys (so clients trusting them accept it) and the new (its own).
  std::vector<const tuf::Signer*> signers;
  for (const auto& k : keys_["root"]) signers.push_back(&k);
  if (fresh.count("root"))
    for (const auto& k : fresh["root"]) signers.push_back(&k);
  TRY(publish_root(next, signers));
  root_ = next;
  for (auto& [role, ks] : fresh) keys_[role] = std::move(ks);
  TRY(publish_targets());
  TRY(publish_snapshot());
  return publish_timestamp();
}

Status TufRepository::republish() {
  auto lock = TRY(RepoLock::take(dir_));
  TRY(load());
  TRY(publish_snapshot());
  return publish_timestamp();
}

Result<bool> TufRepository::refresh(int64_t within) {
  auto lock = TRY(RepoLock::take(dir_));
  TRY(load());
  auto expiry = [&](const std::string& role) -> Result<time::Seconds> {
    auto j = TRY(signed_part(latest_[role], role));
    return time::parse_rfc3339(j["expires"].get<std::string>());
  };
  auto deadline = time::now() + within;
  // Targets are re-signed a week before they expire (the offline role's key must then be here).
  bool targets = TRY(expiry("targets")) <= time::now() + 7 * 86400;
  bool snapshot = targets || TRY(expiry("snapshot")) <= deadline;
  bool timestamp = snapshot || TRY(expiry("timestamp")) <= deadline;
  if (!timestamp) return false;
  if (targets) TRY(publish_targets());
  if (snapshot) TRY(publish_snapshot());
  TRY(publish_timestamp());
  return true;
}

}  // namespace gh::svc
