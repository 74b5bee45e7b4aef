// The TUF client workflow (specification 5.3-5.7) with its I/O: fetches a repository's metadata
// through a TufFetcher, checks it with tuf::TrustedSet, persists what it accepted, and downloads
// targets with the announced length as the cap and the announced hashes checked. Used by the
// device agent (against the site's mirror or the manufacturer's service), the site's mirror
// (against the manufacturer's repository) and the update benchmark.
//   METADATA_DIR/root.json       the trusted root (shipped at manufacture, then the newest)
//   METADATA_DIR/timestamp.json, snapshot.json, targets.json, <delegated>.json
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "crypto/tls.h"
#include "net/http.h"
#include "proto/tuf.h"

namespace gh::svc {

// Fetches a file of the repository by its path under the repository ("metadata/timestamp.json",
// "targets/m/1.0/<hash>.app.bin"), reading no more than max bytes. "tuf.missing" when the
// repository has no such file; "tuf.length" when it is longer than max.
class TufFetcher {
 public:
  virtual ~TufFetcher() = default;
  virtual Result<std::string> fetch(const std::string& path, size_t max) = 0;
};

// A repository in a directory (the manufacturer's own, or a copy).
class DirFetcher : public TufFetcher {
 public:
  explicit DirFetcher(std::string dir) : dir_(std::move(dir)) {}
  Result<std::string> fetch(const std::string& path, size_t max) override;

 private:
  std::string dir_;
};

// A repository over HTTPS: base_path + path on one persistent connection (reopened after an
// error). Slow retrieval: a response must arrive at min_bytes_per_s or better after a grace time.
struct HttpsFetcherOptions {
  std::string host;
  int port = 443;
  std::string base_path = "/tuf/";          // where the repository is served
  const crypto::TlsContext* tls = nullptr;  // trusts the server's anchor (outlives the fetcher)
  const crypto::TlsIdentity* identity = nullptr;  // the client credential (LDevID or IDevID)
  int timeout_s = 10;
  double grace_s = 5;
  double min_bytes_per_s = 64 * 1024;
};
class HttpsFetcher : public TufFetcher {
 public:
  explicit HttpsFetcher(HttpsFetcherOptions o) : o_(std::move(o)) {}
  Result<std::string> fetch(const std::string& path, size_t max) override;
  // The connection, for other requests to the same service (reconnects when needed).
  Result<net::HttpClient*> client();

 private:
  HttpsFetcherOptions o_;
  std::unique_ptr<net::HttpClient> client_;
};

class TufUpdater {
 public:
  TufUpdater(std::string metadata_dir, TufFetcher& fetcher, tuf::Limits limits = {})
      : dir_(std::move(metadata_dir)), fetcher_(fetcher), limits_(limits) {}

  // Updates the trusted metadata to the repository's current state, at time now. On a refusal
  // the metadata persisted before stays as it was (except that a root rotation already accepted
  // is kept, as the specification says).
  Status refresh(time::Seconds now);
  // After refresh: the target's info, searching delegations ("tuf.target" when no trusted role
  // lists it).
  Result<tuf::TargetInfo> target_info(const std::string& path);
  // Downloads a target and checks it against its info.
  Result<std::string> download(const std::string& path, const tuf::TargetInfo& info);
  const tuf::TrustedSet& trusted() const { return *set_; }
  // Every target path the top-level targets role lists (after refresh).
  std::vector<std::string> top_level_targets() const;

 private:
  Status refresh_all(time::Seconds now);
  Result<std::string> fetch_meta(const std::string& name, size_t max);
  Status persist(const std::string& name, const std::string& bytes);
  std::optional<std::string> local(const std::string& name);
  Status load_targets(const std::string& role, const std::string& delegator);

  std::string dir_;
  TufFetcher& fetcher_;
  tuf::Limits limits_;
  std::optional<tuf::TrustedSet> set_;
};

}  // namespace gh::svc
