#include "svc/common/tuf_updater.h"

#include <algorithm>

#include "common/fs.h"

namespace gh::svc {

namespace {

// A path from a repository never climbs out of it.
bool safe_path(const std::string& p) {
  if (p.empty() || p[0] == '/' || p.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string seg =
        p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

Result<std::string> DirFetcher::fetch(const std::string& path, size_t max) {
  if (!safe_path(path)) return make_error("tuf.path", "not a repository path: " + path);
  std::string file = fs::join(dir_, path);
  if (!fs::exists(file)) return make_error("tuf.missing", path + " is not in the repository");
  auto r = fs::read_file_limited(file, max, "tuf.length");
  if (!r) return Error{r.error().code, path + ": " + r.error().message};
  return r;
}

Result<net::HttpClient*> HttpsFetcher::client() {
  if (!client_)
    client_ =
        TRY_CTX(net::HttpClient::connect(o_.host, o_.port, *o_.tls, o_.timeout_s, o_.identity),
                "update repository " + o_.host + ":" + std::to_string(o_.port));
  return client_.get();
}

Result<std::string> HttpsFetcher::fetch(const std::string& path, size_t max) {
  if (!safe_path(path)) return make_error("tuf.path", "not a repository path: " + path);
  net::ResponseLimits limits;
  limits.max_body = max;
  limits.deadline_s = o_.grace_s + static_cast<double>(max) / o_.min_bytes_per_s;
  auto* c = TRY(client());
  auto r = c->request("GET", o_.base_path + path, {}, "", limits);
  if (!r) {
    client_.reset();  // the connection's state is unknown after an error
    const auto& e = r.error();
    if (e.code == "http.413") return make_error("tuf.length", path + ": " + e.message);
    if (e.code == "http.slow") return make_error("tuf.slow", path + ": " + e.message);
    return Error{"tuf.fetch", path + ": " + e.message};
  }
  if (r->status == 404) return make_error("tuf.missing", path + " is not in the repository");
  if (r->status != 200) {
    auto refusal = r->refusal(path, "tuf.fetch");
    return Error{refusal.code,
                 path + ": HTTP " + std::to_string(r->status) + ": " + refusal.message};
  }
  return std::move(r->body);
}

std::optional<std::string> TufUpdater::local(const std::string& name) {
  std::string path = fs::join(dir_, name);
  if (!fs::exists(path)) return std::nullopt;
  auto r = fs::read_file_limited(path, limits_.targets_bytes, "tuf.length");
  if (!r) return std::nullopt;
  return std::move(*r);
}

Status TufUpdater::persist(const std::string& name, const std::string& bytes) {
  return fs::write_file_atomic(fs::join(dir_, name), bytes, 0644);
}

Result<std::string> TufUpdater::fetch_meta(const std::string& name, size_t max) {
  return fetcher_.fetch("metadata/" + name, max);
}

Status TufUpdater::refresh(time::Seconds now) {
  Status st = refresh_all(now);
  if (!st.ok()) set_.reset();  // nothing half-checked is used
  return st;
}

Status TufUpdater::refresh_all(time::Seconds now) {
  auto root = local("root.json");
  if (!root) return make_error("tuf.root", "no trusted root in " + dir_);
  set_ = TRY(tuf::TrustedSet::from_root(*root, now));
  // 5.3.3-5.3.9: each next root version in turn.
  for (int i = 0; i < limits_.max_root_rotations; ++i) {
    int64_t next = set_->root().common.version + 1;
    auto bytes = fetch_meta(tuf::versioned_name(next, "root"), limits_.root_bytes);
    if (!bytes && bytes.error().code == "tuf.missing") break;
    if (!bytes) return bytes.error();
    TRY(set_->update_root(*bytes));
    TRY(persist("root.json", *bytes));
  }
  // 5.3.11: new timestamp or snapshot keys end the old ones' rollback protection (fast-forward
  // attack recovery): forget what they signed.
  if (TRY(set_->finish_root())) {
    TRY(fs::remove_all(fs::join(dir_, "timestamp.json")));
    TRY(fs::remove_all(fs::join(dir_, "snapshot.json")));
  }
  // 5.4: timestamp, over the one trusted before (rollback protection across restarts).
  if (auto old = local("timestamp.json")) (void)set_->update_timestamp(*old, /*trusted=*/true);
  auto ts = TRY(fetch_meta("timestamp.json", limits_.timestamp_bytes));
  TRY(set_->update_timestamp(ts));
  TRY(persist("timestamp.json", ts));
  // 5.5: snapshot; the stored one is enough when it is the one announced.
  bool current = false;
  if (auto old = local("snapshot.json")) current = set_->update_snapshot(*old, true).ok();
  if (!current) {
    const auto& meta = set_->timestamp()->snapshot;
    std::string name = set_->root().consistent_snapshot
                           ? tuf::versioned_name(meta.version, "snapshot")
                           : "snapshot.json";
    size_t max = meta.length ? static_cast<size_t>(*meta.length) : limits_.snapshot_bytes;
    auto sn = TRY(fetch_meta(name, std::min(max, limits_.snapshot_bytes)));
    TRY(set_->update_snapshot(sn));
    TRY(persist("snapshot.json", sn));
  }
  // 5.6: top-level targets.
  return load_targets("targets", "root");
}

Status TufUpdater::load_targets(const std::string& role, const std::string& delegator) {
  const std::string file = role + ".json";
  if (auto old = local(file); old && set_->update_delegated(role, delegator, *old).ok())
    return ok_status();
  const auto& meta = set_->snapshot()->meta;
  auto it = meta.find(file);
  if (it == meta.end()) return make_error("tuf.meta", "the snapshot does not list " + file);
  std::string name =
      set_->root().consistent_snapshot ? tuf::versioned_name(it->second.version, role) : file;
  size_t max = it->second.length ? static_cast<size_t>(*it->second.length) : limits_.targets_bytes;
  auto bytes = TRY(fetch_meta(name, std::min(max, limits_.targets_bytes)));
  TRY(set_->update_delegated(role, delegator, bytes));
  return persist(file, bytes);
}

Result<tuf::TargetInfo> TufUpdater::target_info(const std::string& path) {
  if (!set_ || !set_->targets("targets")) return make_error("tuf.order", "refresh first");
  auto info = TRY(tuf::find_target(
      *set_, path,
      [this](const std::string& role, const std::string& delegator) {
        return load_targets(role, delegator);
      },
      limits_));
  if (!info) return make_error("tuf.target", path + " is not listed by any trusted role");
  return *info;
}

Result<std::string> TufUpdater::download(const std::string& path, const tuf::TargetInfo& info) {
  std::string name = "targets/" + path;
  if (set_->root().consistent_snapshot) {
    auto h = info.hashes.find("sha256");
    if (h == info.hashes.end()) h = info.hashes.begin();
    name = "targets/" + tuf::hashed_target_name(path, h->second);
  }
  auto bytes = TRY(fetcher_.fetch(name, static_cast<size_t>(info.length)));
  TRY(tuf::check_length_and_hashes(bytes, info.length, info.hashes, "target " + path));
  return bytes;
}

std::vector<std::string> TufUpdater::top_level_targets() const {
  std::vector<std::string> out;
  if (!set_ || !set_->targets("targets")) return out;
  for (const auto& [path, _] : set_->targets("targets")->targets) out.push_back(path);
  return out;
}

}  // namespace gh::svc
