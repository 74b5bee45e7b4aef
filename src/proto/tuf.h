// The Update Framework (TUF specification 1.0): metadata, canonical JSON signatures, and the
// client's trust state. No I/O: the updater (svc/common/tuf_updater) fetches bytes and feeds them
// to TrustedSet in the order the specification's client workflow (5.3-5.7) prescribes; every
// update either leaves the set unchanged or refuses with the check that failed:
//   tuf.json       not JSON, or not the shape of TUF metadata
//   tuf.type       "_type" is not the role expected here (a role's file served as another's)
//   tuf.spec       a spec_version this client does not speak (major version other than 1)
//   tuf.signature  fewer than the role's threshold of valid signatures by its keys
//   tuf.version    a version lower than the trusted one (rollback), or not the one announced
//   tuf.expired    past its expiry (freeze)
//   tuf.length     longer than announced or than the cap for its role (endless data)
//   tuf.hash       not the bytes announced by the role above it (mix-and-match, tampering)
//   tuf.meta       snapshot drops or rolls back a targets role the trusted snapshot listed
//   tuf.target     the target is not listed by any role trusted for its path (incl. delegations)
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/key.h"

namespace gh::tuf {

// The canonical form of JSON that TUF signs (OLPC canonical JSON as securesystemslib writes it):
// object keys sorted, no insignificant whitespace, strings with only '"' and '\' escaped, integers
// only. Refuses "tuf.json" for floats and for strings holding control characters (which the
// canonical form writes raw and other encoders escape: refusing them keeps every reader agreeing
// on the signed bytes).
Result<std::string> canonical_json(const Json& value);

// A TUF public key: ECDSA P-256 ("keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", the public
// key as PEM SubjectPublicKeyInfo), which securesystemslib, python-tuf and tuf-js all read.
struct Key {
  std::string id;  // hex SHA-256 of the key's canonical JSON
  crypto::PublicKey public_key;
  Json json;
};
Result<Key> make_key(const crypto::PublicKey& key);
// A key from a root's or delegator's "keys" map. Its id must be the one the map names it by.
Result<Key> parse_key(const std::string& id, const Json& key);

struct RoleKeys {
  std::vector<std::string> keyids;
  int threshold = 1;
};

struct MetaInfo {  // a snapshot/timestamp "meta" entry
  int64_t version = 0;
  std::optional<int64_t> length;
  std::map<std::string, std::string> hashes;  // algorithm -> hex
};

struct TargetInfo {
  int64_t length = 0;
  std::map<std::string, std::string> hashes;
  Json custom;  // null when absent
};

struct Delegation {
  std::string name;
  RoleKeys keys;
  std::vector<std::string> paths;  // shell-style patterns, '*' within one path segment
  bool terminating = false;
};

struct Common {
  std::string type;
  int64_t version = 0;
  time::Seconds expires = 0;
  std::string spec_version;
};

struct Root {
  Common common;
  bool consistent_snapshot = false;
  std::map<std::string, Key> keys;
  std::map<std::string, RoleKeys> roles;  // root, targets, snapshot, timestamp
};
struct Timestamp {
  Common common;
  MetaInfo snapshot;  // meta["snapshot.json"]
};
struct Snapshot {
  Common common;
  std::map<std::string, MetaInfo> meta;  // "targets.json", "<delegated>.json"
};
struct Targets {
  Common common;
  std::map<std::string, TargetInfo> targets;
  std::map<std::string, Key> delegation_keys;
  std::vector<Delegation> delegations;  // in priority order
};

// One signed metadata file.
struct Envelope {
  Json signed_part;
  std::string canonical;  // canonical_json(signed_part): the bytes the signatures cover
  std::vector<std::pair<std::string, Bytes>> signatures;  // keyid, DER signature
};
// Parses a metadata file (at most the bytes the caller allowed) into its envelope.
Result<Envelope> parse_envelope(const std::string& bytes);
// Whether at least keys.threshold distinct keys of role sign env ("tuf.signature" otherwise).
Status verify_role(const Envelope& env, const RoleKeys& role,
                   const std::map<std::string, Key>& keys, const std::string& what);

Result<Root> parse_root(const Json& signed_part);
Result<Timestamp> parse_timestamp(const Json& signed_part);
Result<Snapshot> parse_snapshot(const Json& signed_part);
Result<Targets> parse_targets(const Json& signed_part);

// Checks bytes against an announced length and hashes (sha256 and sha512 are checked; at least one
// known algorithm must be there). what names the file in the error.
Status check_length_and_hashes(const std::string& bytes, std::optional<int64_t> length,
                               const std::map<std::string, std::string>& hashes,
                               const std::string& what);

// Does a delegation's path pattern match a target path (TUF 1.0 "paths": fnmatch-style per
// segment, '*' never crossing a '/')?
bool path_matches(const std::string& pattern, const std::string& target);

// Signs a "signed" object: the envelope {"signed": ..., "signatures": [...]} as text.
struct Signer {
  Key key;
  crypto::PrivateKey private_key;
};
Result<std::string> sign_metadata(const Json& signed_part,
                                  const std::vector<const Signer*>& signers);

// The client's trusted metadata (the specification's "trusted metadata set"). Each update_*
// verifies a newly fetched file against what is trusted and replaces it only when every check
// passes; the reference time is fixed when the set is made (5.3.1).
class TrustedSet {
 public:
  // From the locally trusted root (shipped with the device, or persisted by an earlier refresh):
  // it must be signed by its own root role threshold; its expiry is checked by finish_root().
  static Result<TrustedSet> from_root(const std::string& root_bytes, time::Seconds now);

  // 5.3.4-5.3.9: the next root version, signed by the trusted root's root role and its own.
  Status update_root(const std::string& bytes);
  // 5.3.10: after the last root: refuses an expired root; tells (by the return) whether the
  // timestamp or snapshot keys changed since the root the set started from (5.3.11: then the
  // locally persisted timestamp and snapshot must be dropped: fast-forward recovery).
  Result<bool> finish_root();

  // 5.4: timestamp. A trusted (persisted) one is loaded with trusted = true: then only its
  // signature and type are checked, so that rollback protection survives restarts.
  Status update_timestamp(const std::string& bytes, bool trusted = false);
  // 5.5: snapshot, checked against the timestamp's announcement.
  Status update_snapshot(const std::string& bytes, bool trusted = false);
  // 5.6: top-level targets, checked against the snapshot.
  Status update_targets(const std::string& bytes);
  // 5.6 for a delegated role: delegated by `delegator` (a role already trusted).
  Status update_delegated(const std::string& role, const std::string& delegator,
                          const std::string& bytes);

  const Root& root() const { return root_; }
  const std::string& root_bytes() const { return root_bytes_; }
  const std::optional<Timestamp>& timestamp() const { return timestamp_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  const Targets* targets(const std::string& role) const;
  time::Seconds reference_time() const { return now_; }

 private:
  TrustedSet() = default;
  Status check_expiry(const Common& c, const std::string& what) const;

  time::Seconds now_ = 0;
  Root root_;
  std::string root_bytes_;
  Root initial_root_;
  std::optional<Timestamp> timestamp_;
  std::optional<Snapshot> snapshot_;
  bool snapshot_trusted_only_ = false;  // loaded from disk, not yet checked against a timestamp
  std::map<std::string, Targets> targets_;
};

// Limits on what a repository can make a client fetch (endless data).
struct Limits {
  size_t root_bytes = 512 * 1024;
  size_t timestamp_bytes = 16 * 1024;
  size_t snapshot_bytes = 2 * 1024 * 1024;
  size_t targets_bytes = 8 * 1024 * 1024;
  int max_root_rotations = 32;
  int max_delegations = 32;
};

// 5.7: the target info for path from the trusted targets, searching delegations depth-first in
// priority order (a terminating delegation ends the search). fetch(role, delegator) is asked for
// each delegated role not trusted yet (it fetches and calls update_delegated). nullopt: no trusted
// role lists the path.
using DelegationLoader =
    std::function<Status(const std::string& role, const std::string& delegator)>;
Result<std::optional<TargetInfo>> find_target(TrustedSet& set, const std::string& path,
                                              const DelegationLoader& load, const Limits& limits);

// File names with consistent snapshots: "3.snapshot.json"; a target "a/b.bin" with hash H is
// fetched as "a/H.b.bin".
std::string versioned_name(int64_t version, const std::string& role);
std::string hashed_target_name(const std::string& path, const std::string& hash);

}  // namespace gh::tuf
