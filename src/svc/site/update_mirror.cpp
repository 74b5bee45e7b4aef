#include "svc/site/update_mirror.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "crypto/tls.h"
#include "device/firmware.h"
#include "svc/site/site.h"

namespace gh::svc {

namespace {

std::string mirror_dir(const std::string& state_dir, const std::string& id) {
  return fs::join(state_dir, "mirror/" + id);
}

// Copies what the site verified into the served repository: targets first, then the metadata,
// the timestamp last, so a device never sees a timestamp naming files not there yet.
Status publish(const std::string& trusted_dir, const std::string& repo_dir,
               const tuf::TrustedSet& set, TufFetcher& fetcher) {
  TRY(fs::make_dirs(fs::join(repo_dir, "metadata")));
  auto meta = [&](const std::string& f) { return fs::join(repo_dir, "metadata/" + f); };
  // Every root version, so a device with an old root can walk the chain (it checks each itself).
  int64_t current = set.root().common.version;
  for (int64_t v = 1; v < current; ++v) {
    std::string name = tuf::versioned_name(v, "root");
    if (fs::exists(meta(name))) continue;
    auto bytes = fetcher.fetch("metadata/" + name, 512 * 1024);
    if (bytes) TRY(fs::write_file_atomic(meta(name), *bytes));
  }
  TRY(fs::write_file_atomic(meta(tuf::versioned_name(current, "root")), set.root_bytes()));
  TRY(fs::write_file_atomic(meta("root.json"), set.root_bytes()));
  const auto& snapshot = *set.snapshot();
  for (const auto& [file, info] : snapshot.meta) {
    std::string role = file.substr(0, file.size() - 5);
    auto bytes = fs::read_file(fs::join(trusted_dir, file));
    if (!bytes) continue;  // a delegated role nobody asked for yet
    TRY(fs::write_file_atomic(meta(tuf::versioned_name(info.version, role)), *bytes));
  }
  TRY(fs::write_file_atomic(meta(tuf::versioned_name(snapshot.common.version, "snapshot")),
                            TRY(fs::read_file(fs::join(trusted_dir, "snapshot.json")))));
  return fs::write_file_atomic(meta("timestamp.json"),
                               TRY(fs::read_file(fs::join(trusted_dir, "timestamp.json"))));
}

}  // namespace

std::string mirror_id(const crypto::Certificate& root) {
  return hex_encode(root.fingerprint_sha256()).substr(0, 16);
}

std::string mirror_repository_dir(const std::string& state_dir, const std::string& id) {
  return fs::join(mirror_dir(state_dir, id), "repository");
}

Status check_update_source(const std::string& root_json, const std::string& url) {
  // The root must be a TUF root that its own keys sign (checked again by every client).
  TRY_CTX(tuf::TrustedSet::from_root(root_json, time::now()), "bundle update repository");
  if (url.rfind("https://", 0) != 0)
    return make_error("bundle.update", "the update repository URL is not https: " + url);
  return ok_status();
}

Status record_update_source(const std::string& state_dir, const std::string& manufacturer,
                            const crypto::Certificate& root, const std::string& root_json,
                            const std::string& url) {
  TRY(check_update_source(root_json, url));
  std::string dir = mirror_dir(state_dir, mirror_id(root));
  TRY(fs::make_dirs(fs::join(dir, "trusted")));
  if (!fs::exists(fs::join(dir, "trusted/root.json")))
    TRY(fs::write_file_atomic(fs::join(dir, "trusted/root.json"), root_json));
  Json src{{"manufacturer", manufacturer},
           {"url", url},
           {"root-fingerprint", hex_encode(root.fingerprint_sha256())}};
  return fs::write_file_atomic(fs::join(dir, "source.json"), src.dump(2) + "\n");
}

Result<std::vector<MirrorSource>> mirror_sources(const std::string& state_dir) {
  std::vector<MirrorSource> out;
  std::string base = fs::join(state_dir, "mirror");
  DIR* d = ::opendir(base.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.empty() || id[0] == '.') continue;
    auto text = fs::read_file(fs::join(base, id + "/source.json"));
    if (!text) continue;
    auto j = parse_json(*text, "mirror source");
    if (!j) continue;
    out.push_back({id, json_string_or(*j, "manufacturer", ""), json_string_or(*j, "url", ""),
                   json_string_or(*j, "root-fingerprint", ""), fs::join(base, id)});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const MirrorSource& a, const MirrorSource& b) { return a.id < b.id; });
  return out;
}

Result<MirrorReport> sync_mirror(Site& site, const MirrorSource& source, TufFetcher& fetcher) {
  // One sync of a mirror at a time (site serve's thread, `site mirror sync`): two interleaved
  // could publish an older timestamp over a newer one.
  int fd = ::open(fs::join(source.dir, "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    if (fd >= 0) ::close(fd);
    return make_error("io", "cannot lock the mirror " + source.dir);
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{fd};
  MirrorReport report{source.id, source.manufacturer};
  const std::string trusted = fs::join(source.dir, "trusted");
  const std::string repo = fs::join(source.dir, "repository");
  TufUpdater updater(trusted, fetcher);
  TRY_CTX(updater.refresh(time::now()), "mirror of " + source.manufacturer);
  report.timestamp_version = updater.trusted().timestamp()->common.version;
  std::vector<std::string> corims;
  for (const auto& path : updater.top_level_targets()) {
    auto info = TRY(updater.target_info(path));
    auto h = info.hashes.find("sha256");
    if (h == info.hashes.end()) continue;  // the device could not check it either
    std::string file = fs::join(repo, "targets/" + tuf::hashed_target_name(path, h->second));
    ++report.targets;
    std::string bytes;
    if (fs::exists(file)) {
      bytes = TRY(fs::read_file_limited(file, static_cast<size_t>(info.length) + 1, "tuf.length"));
      if (!tuf::check_length_and_hashes(bytes, info.length, info.hashes, path).ok()) bytes.clear();
    }
    if (bytes.empty() && info.length > 0) {
      bytes = TRY(updater.download(path, info));
      TRY(fs::make_dirs(file.substr(0, file.rfind('/'))));
      TRY(fs::write_file_atomic(file, bytes));
      ++report.downloaded;
    }
    // Reference values the verifier does not hold yet (checked against the store, not against what
    // this run downloaded: a sync interrupted after the download still imports them next time).
    if (info.custom.is_object() && json_string_or(info.custom, "kind", "") == "reference-values") {
      std::string model = json_string_or(info.custom, "model", "");
      std::string version = json_string_or(info.custom, "version", "");
      auto known = TRY(site.inventory().reference_values(source.manufacturer, model));
      bool have =
          std::any_of(known.begin(), known.end(),
                      [&](const store::ReferenceValueRecord& r) { return r.version == version; });
      if (!have) corims.push_back(base64_encode(to_bytes(bytes)));
    }
  }
  TRY(publish(trusted, repo, updater.trusted(), fetcher));
  if (!corims.empty()) {
    auto root = TRY(site.manufacturer_root(source.root_fingerprint));
    report.releases =
        TRY(site.import_reference_values(source.manufacturer, root, corims, "mirror"));
  }
  return report;
}

Result<std::vector<MirrorReport>> sync_mirrors(Site& site) {
  std::vector<MirrorReport> out;
  for (const auto& src : TRY(mirror_sources(site.state_dir()))) {
    auto url = TRY_CTX(net::Url::parse(src.url), "mirror of " + src.manufacturer);
    auto root = TRY(site.manufacturer_root(src.root_fingerprint));
    auto tls = TRY(crypto::TlsContext::client(nullptr, {root}, url.host));
    HttpsFetcherOptions o;
    o.host = url.host;
    o.port = url.port;
    o.base_path = url.path.empty() || url.path.back() != '/' ? url.path + "/" : url.path;
    o.tls = &tls;
    HttpsFetcher fetcher(o);
    out.push_back(TRY(sync_mirror(site, src, fetcher)));
  }
  return out;
}

Result<std::vector<std::string>> mirrored_versions(const std::string& state_dir,
                                                   const std::string& id,
                                                   const std::string& model) {
  std::vector<std::string> out;
  auto text = fs::read_file(fs::join(mirror_dir(state_dir, id), "trusted/targets.json"));
  if (!text) return out;
  auto env = TRY(tuf::parse_envelope(*text));
  auto targets = TRY(tuf::parse_targets(env.signed_part));
  const std::string prefix = model + "/";
  const std::string suffix = "/release.json";
  for (const auto& [path, info] : targets.targets) {
    if (path.rfind(prefix, 0) != 0 || path.size() <= prefix.size() + suffix.size() ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    out.push_back(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
  }
  std::sort(out.begin(), out.end(), device::version_less);
  return out;
}

}  // namespace gh::svc
