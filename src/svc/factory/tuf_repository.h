// The manufacturer's update repository: standard TUF 1.0 metadata (root, targets, snapshot,
// timestamp) with consistent snapshots, signed by keys in the factory's keystore (so an HSM holds
// them when the factory uses PKCS#11), served by `masa serve` under /tuf/ and mirrored by sites.
//   STATE/tuf/repository/metadata/N.root.json, root.json (the newest), N.targets.json,
//                                 N.snapshot.json, timestamp.json
//   STATE/tuf/repository/targets/<model>/<version>/<sha256>.<file>
// Keys are keystore labels tuf-<role>-<n>; the root role has two keys and a threshold of two.
// Every publication writes targets first, then targets, snapshot and timestamp metadata, the
// timestamp last (an atomic rename): a client never sees a timestamp naming files not written yet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "crypto/keystore.h"
#include "proto/tuf.h"

namespace gh::svc {

struct TufExpiry {  // seconds each role's metadata is valid for when signed
  int64_t root = 365 * 86400;
  int64_t targets = 90 * 86400;
  int64_t snapshot = 7 * 86400;
  int64_t timestamp = 86400;
};

struct NewTarget {
  std::string path;  // "<model>/<version>/<file>"
  std::string bytes;
  Json custom;
};

class TufRepository {
 public:
  // Opens STATE/tuf, making the keys and the first metadata (version 1 of each role, no targets)
  // when there are none.
  static Result<std::unique_ptr<TufRepository>> open(const std::string& state_dir,
                                                     crypto::KeyStore& keystore,
                                                     TufExpiry expiry = {});
  // Adds targets ("tuf.exists" for a path already published with other bytes: a published
  // target never changes) and publishes new targets, snapshot and timestamp versions.
  Status add_targets(const std::vector<NewTarget>& targets);
  // New keys for the roles named ("root", "targets", "snapshot", "timestamp"): a new root version
  // signed by the old root keys and the new, then every role re-signed.
  Status rotate_keys(const std::vector<std::string>& roles);
  // Re-signs the timestamp (and the snapshot) when they expire within `within` seconds, as the
  // online roles of a running server do. Returns whether it published.
  Result<bool> refresh(int64_t within);
  // Publishes a new timestamp (and snapshot) now, whatever their expiry.
  Status republish();

  std::string repository_dir() const;     // served at /tuf/
  Result<std::string> root_json() const;  // the newest root: what a device is made with
  int64_t version(const std::string& role) const;

 private:
  TufRepository(std::string dir, crypto::KeyStore& ks, TufExpiry e)
      : dir_(std::move(dir)), keystore_(ks), expiry_(e) {}
  Status load();
  Status create();
  Result<std::vector<tuf::Signer>> signers(const std::string& role, const Json& root_signed);
  Result<tuf::Signer> new_key(const std::string& role);
  Json role_entry(const std::vector<tuf::Signer>& keys, int threshold) const;
  Status publish_root(const Json& root_signed, const std::vector<const tuf::Signer*>& signers);
  Status publish_targets();
  Status publish_snapshot();
  Status publish_timestamp();
  std::string expires(int64_t seconds) const;
  std::string meta(const std::string& file) const;

  std::string dir_;
  crypto::KeyStore& keystore_;
  TufExpiry expiry_;
  Json root_;                                             // the newest root's signed part
  std::map<std::string, std::vector<tuf::Signer>> keys_;  // per role: the keys the root names
  Json targets_ = Json::object();                         // path -> {length, hashes, custom}
  std::map<std::string, int64_t> versions_;
  std::map<std::string, std::string> latest_;  // role -> the bytes last published
};

}  // namespace gh::svc
