#include "proto/tuf.h"

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "crypto/digest.h"

namespace gh::tuf {

namespace {

Error bad(const std::string& what, const std::string& why) {
  return Error{"tuf.json", what + ": " + why};
}

Status canon(const Json& v, std::string& out, int depth) {
  if (depth > 64) return make_error("tuf.json", "nested too deeply");
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return ok_status();
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return ok_status();
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return ok_status();
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return ok_status();
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      out += '"';
      for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      return ok_status();
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        TRY(canon(e, out, depth + 1));
      }
      out += ']';
      return ok_status();
    }
    case Json::value_t::object: {
      // nlohmann's object is a std::map: its keys iterate in byte order, as canonical JSON sorts.
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        TRY(canon(Json(it.key()), out, depth + 1));
        out += ':';
        TRY(canon(it.value(), out, depth + 1));
      }
      out += '}';
      return ok_status();
    }
    default:
      return make_error("tuf.json", "floating-point numbers have no canonical form");
  }
}

Result<const Json*> member(const Json& obj, const std::string& key, Json::value_t type,
                           const std::string& what) {
  if (!obj.is_object()) return bad(what, "not an object");
  auto it = obj.find(key);
  if (it == obj.end()) return bad(what, "\"" + key + "\" is missing");
  bool ok =
      it->type() == type || (type == Json::value_t::number_integer && it->is_number_unsigned());
  if (!ok) return bad(what, "\"" + key + "\" has the wrong type");
  return &*it;
}

Result<std::string> string_member(const Json& obj, const std::string& key,
                                  const std::string& what) {
  return TRY(member(obj, key, Json::value_t::string, what))->get<std::string>();
}

Result<int64_t> int_member(const Json& obj, const std::string& key, const std::string& what,
                           int64_t min) {
  const Json* v = TRY(member(obj, key, Json::value_t::number_integer, what));
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return bad(what, "\"" + key + "\" is out of range");
  int64_t n = v->get<int64_t>();
  if (n < min) return bad(what, "\"" + key + "\" is below " + std::to_string(min));
  return n;
}

Result<Common> parse_common(const Json& s, const std::string& expected_type) {
  Common c;
  c.type = TRY(string_member(s, "_type", expected_type));
  if (c.type != expected_type)
    return make_error("tuf.type",
                      "expected " + expected_type + " metadata, got \"" + c.type + "\"");
  c.spec_version = TRY(string_member(s, "spec_version", c.type));
  if (c.spec_version.rfind("1.", 0) != 0)
    return make_error("tuf.spec", c.type + ": spec_version " + c.spec_version + " is not 1.x");
  c.version = TRY(int_member(s, "version", c.type, 1));
  auto expires = TRY(string_member(s, "expires", c.type));
  auto t = time::parse_rfc3339(expires);
  if (!t) return bad(c.type, "\"expires\" is not a date: " + expires);
  c.expires = *t;
  return c;
}

Result<std::map<std::string, std::string>> parse_hashes(const Json& obj, const std::string& what) {
  const Json* h = TRY(member(obj, "hashes", Json::value_t::object, what));
  std::map<std::string, std::string> out;
  for (auto it = h->begin(); it != h->end(); ++it) {
    if (!it->is_string()) return bad(what, "a hash is not a string");
    out[it.key()] = it->get<std::string>();
  }
  if (out.empty()) return bad(what, "\"hashes\" is empty");
  return out;
}

Result<MetaInfo> parse_meta_info(const Json& obj, const std::string& what) {
  MetaInfo m;
  m.version = TRY(int_member(obj, "version", what, 1));
  if (obj.contains("length")) m.length = TRY(int_member(obj, "length", what, 0));
  if (obj.contains("hashes")) m.hashes = TRY(parse_hashes(obj, what));
  return m;
}

Result<RoleKeys> parse_role_keys(const Json& obj, const std::string& what) {
  RoleKeys r;
  const Json* ids = TRY(member(obj, "keyids", Json::value_t::array, what));
  std::set<std::string> seen;
  for (const auto& id : *ids) {
    if (!id.is_string()) return bad(what, "a keyid is not a string");
    if (!seen.insert(id.get<std::string>()).second) return bad(what, "a keyid is listed twice");
    r.keyids.push_back(id.get<std::string>());
  }
  r.threshold =
      static_cast<int>(std::min<int64_t>(TRY(int_member(obj, "threshold", what, 1)), 1000));
  return r;
}

// Keys of a type this client cannot verify are left out: they can never count toward a threshold.
Result<std::map<std::string, Key>> parse_keys(const Json& obj, const std::string& what) {
  std::map<std::string, Key> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    auto k = parse_key(it.key(), it.value());
    if (k) {
      out.emplace(it.key(), std::move(*k));
    } else if (k.error().code != "tuf.keytype") {
      return Error{k.error().code, what + ": key " + it.key() + ": " + k.error().message};
    }
  }
  return out;
}

Status check_expiry_at(const Common& c, time::Seconds now, const std::string& what) {
  if (c.expires <= now)
    return make_error("tuf.expired", what + " version " + std::to_string(c.version) +
                                         " expired at " + time::format_rfc3339(c.expires));
  return ok_status();
}

bool same_role_keys(const Root& a, const Root& b, const std::string& role) {
  auto ra = a.roles.find(role);
  auto rb = b.roles.find(role);
  if (ra == a.roles.end() || rb == b.roles.end()) return false;
  if (ra->second.threshold != rb->second.threshold) return false;
  std::set<std::string> ka(ra->second.keyids.begin(), ra->second.keyids.end());
  std::set<std::string> kb(rb->second.keyids.begin(), rb->second.keyids.end());
  return ka == kb;
}

// fnmatch for one path segment: '*' any run of characters, '?' one character.
bool segment_matches(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<std::string_view> split_path(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? s.npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

}  // namespace

Result<std::string> canonical_json(const Json& value) {
  std::string out;
  TRY(canon(value, out, 0));
  return out;
}

Result<Key> make_key(const crypto::PublicKey& key) {
  Json j{
      {"keytype", "ecdsa"}, {"scheme", "ecdsa-sha2-nistp256"}, {"keyval", {{"public", key.pem()}}}};
  auto canonical = TRY(canonical_json(j));
  return Key{hex_encode(crypto::sha256(canonical)), key, j};
}

Result<Key> parse_key(const std::string& id, const Json& key) {
  auto type = TRY(string_member(key, "keytype", "key"));
  auto scheme = TRY(string_member(key, "scheme", "key"));
  if ((type != "ecdsa" && type != "ecdsa-sha2-nistp256") || scheme != "ecdsa-sha2-nistp256")
    return make_error("tuf.keytype", "key type " + type + "/" + scheme + " is not supported");
  const Json* val = TRY(member(key, "keyval", Json::value_t::object, "key"));
  auto pem = TRY(string_member(*val, "public", "key"));
  auto pub = crypto::PublicKey::from_pem(pem);
  if (!pub) return bad("key", "the public key is not a PEM P-256 key");
  auto curve = pub->curve();
  if (!curve || *curve != crypto::Curve::kP256) return bad("key", "the public key is not on P-256");
  return Key{id, std::move(*pub), key};
}

Result<Envelope> parse_envelope(const std::string& bytes) {
  auto j = parse_json(bytes, "tuf");
  if (!j) return Error{"tuf.json", j.error().message};
  Envelope env;
  env.signed_part = *TRY(member(*j, "signed", Json::value_t::object, "metadata"));
  const Json* sigs = TRY(member(*j, "signatures", Json::value_t::array, "metadata"));
  for (const auto& s : *sigs) {
    auto keyid = TRY(string_member(s, "keyid", "signature"));
    auto sig = hex_decode(TRY(string_member(s, "sig", "signature")));
    if (!sig) return bad("signature", "\"sig\" is not hex");
    env.signatures.emplace_back(keyid, std::move(*sig));
  }
  env.canonical = TRY(canonical_json(env.signed_part));
  return env;
}

Status verify_role(const Envelope& env, const RoleKeys& role,
                   const std::map<std::string, Key>& keys, const std::string& what) {
  // Distinct keys, not distinct key IDs: one key listed under two IDs counts once.
  std::set<Bytes> good;
  Bytes data(env.canonical.begin(), env.canonical.end());
  for (const auto& [keyid, sig] : env.signatures) {
    if (std::find(role.keyids.begin(), role.keyids.end(), keyid) == role.keyids.end()) continue;
    auto k = keys.find(keyid);
    if (k == keys.end()) continue;
    Bytes spki = k->second.public_key.der();
    if (good.count(spki)) continue;
    if (k->second.public_key.verify(data, sig).ok()) good.insert(std::move(spki));
  }
  if (static_cast<int>(good.size()) < role.threshold)
    return make_error("tuf.signature", what + ": " + std::to_string(good.size()) +
                                           " valid signature(s) by its role's keys, threshold " +
                                           std::to_string(role.threshold));
  return ok_status();
}

Result<Root> parse_root(const Json& s) {
  Root r;
  r.common = TRY(parse_common(s, "root"));
  r.consistent_snapshot =
      s.contains("consistent_snapshot") &&
      TRY(member(s, "consistent_snapshot", Json::value_t::boolean, "root"))->get<bool>();
  r.keys = TRY(parse_keys(*TRY(member(s, "keys", Json::value_t::object, "root")), "root"));
  const Json* roles = TRY(member(s, "roles", Json::value_t::object, "root"));
  for (const char* name : {"root", "targets", "snapshot", "timestamp"}) {
    const Json* role = TRY(member(*roles, name, Json::value_t::object, "root roles"));
    r.roles[name] = TRY(parse_role_keys(*role, std::string("root role ") + name));
  }
  return r;
}

Result<Timestamp> parse_timestamp(const Json& s) {
  Timestamp t;
  t.common = TRY(parse_common(s, "timestamp"));
  const Json* meta = TRY(member(s, "meta", Json::value_t::object, "timestamp"));
  const Json* snap = TRY(member(*meta, "snapshot.json", Json::value_t::object, "timestamp meta"));
  t.snapshot = TRY(parse_meta_info(*snap, "timestamp meta snapshot.json"));
  return t;
}

Result<Snapshot> parse_snapshot(const Json& s) {
  Snapshot sn;
  sn.common = TRY(parse_common(s, "snapshot"));
  const Json* meta = TRY(member(s, "meta", Json::value_t::object, "snapshot"));
  for (auto it = meta->begin(); it != meta->end(); ++it)
    sn.meta[it.key()] = TRY(parse_meta_info(it.value(), "snapshot meta " + it.key()));
  if (!sn.meta.count("targets.json")) return bad("snapshot", "meta lists no targets.json");
  return sn;
}

Result<Targets> parse_targets(const Json& s) {
  Targets t;
  t.common = TRY(parse_common(s, "targets"));
  const Json* targets = TRY(member(s, "targets", Json::value_t::object, "targets"));
  for (auto it = targets->begin(); it != targets->end(); ++it) {
    const std::string what = "target " + it.key();
    TargetInfo info;
    info.length = TRY(int_member(it.value(), "length", what, 0));
    info.hashes = TRY(parse_hashes(it.value(), what));
    if (it->contains("custom")) info.custom = (*it)["custom"];
    t.targets[it.key()] = std::move(info);
  }
  if (s.contains("delegations")) {
    const Json* d = TRY(member(s, "delegations", Json::value_t::object, "targets"));
    t.delegation_keys = TRY(
        parse_keys(*TRY(member(*d, "keys", Json::value_t::object, "delegations")), "delegations"));
    const Json* roles = TRY(member(*d, "roles", Json::value_t::array, "delegations"));
    std::set<std::string> names;
    for (const auto& role : *roles) {
      Delegation del;
      del.name = TRY(string_member(role, "name", "delegated role"));
      const std::string what = "delegated role " + del.name;
      if (!names.insert(del.name).second) return bad(what, "delegated twice");
      if (del.name.empty() || del.name.find('/') != std::string::npos || del.name == "root" ||
          del.name == "snapshot" || del.name == "timestamp" || del.name == "targets")
        return bad(what, "not a usable role name");
      del.keys = TRY(parse_role_keys(role, what));
      del.terminating = role.contains("terminating") &&
                        TRY(member(role, "terminating", Json::value_t::boolean, what))->get<bool>();
      // Only "paths" is supported; "path_hash_prefixes" delegations match nothing here.
      if (role.contains("paths"))
        for (const auto& p : *TRY(member(role, "paths", Json::value_t::array, what))) {
          if (!p.is_string()) return bad(what, "a path pattern is not a string");
          del.paths.push_back(p.get<std::string>());
        }
      t.delegations.push_back(std::move(del));
    }
  }
  return t;
}

Status check_length_and_hashes(const std::string& bytes, std::optional<int64_t> length,
                               const std::map<std::string, std::string>& hashes,
                               const std::string& what) {
  if (length && static_cast<int64_t>(bytes.size()) != *length)
    return make_error("tuf.length", what + ": " + std::to_string(bytes.size()) + " bytes where " +
                                        std::to_string(*length) + " were announced");
  bool checked = false;
  for (const auto& [alg, hex] : hashes) {
    Bytes got;
    if (alg == "sha256")
      got = crypto::sha256(bytes);
    else if (alg == "sha512")
      got = crypto::sha512(Bytes(bytes.begin(), bytes.end()));
    else
      continue;
    checked = true;
    if (hex_encode(got) != hex)
      return make_error("tuf.hash", what + ": its " + alg + " is not the one announced");
  }
  if (!checked && !hashes.empty())
    return make_error("tuf.hash", what + ": no hash in an algorithm this client checks");
  return ok_status();
}

bool path_matches(const std::string& pattern, const std::string& target) {
  auto p = split_path(pattern);
  auto t = split_path(target);
  if (p.size() != t.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (!segment_matches(p[i], t[i])) return false;
  return true;
}

Result<std::string> sign_metadata(const Json& signed_part,
                                  const std::vector<const Signer*>& signers) {
  auto canonical = TRY(canonical_json(signed_part));
  Bytes data(canonical.begin(), canonical.end());
  Json sigs = Json::array();
  for (const Signer* s : signers) {
    auto sig = TRY(s->private_key.sign(data));
    sigs.push_back({{"keyid", s->key.id}, {"sig", hex_encode(sig)}});
  }
  Json env{{"signed", signed_part}, {"signatures", sigs}};
  return env.dump(1) + "\n";
}

// --- the trusted set ------------------------------------------------------------------------

Result<TrustedSet> TrustedSet::from_root(const std::string& root_bytes, time::Seconds now) {
  TrustedSet set;
  set.now_ = now;
  auto env = TRY_CTX(parse_envelope(root_bytes), "trusted root");
  set.root_ = TRY_CTX(parse_root(env.signed_part), "trusted root");
  TRY(verify_role(env, set.root_.roles["root"], set.root_.keys,
                  "root version " + std::to_string(set.root_.common.version)));
  set.root_bytes_ = root_bytes;
  set.initial_root_ = set.root_;
  return set;
}

Status TrustedSet::check_expiry(const Common& c, const std::string& what) const {
  return check_expiry_at(c, now_, what);
}

Status TrustedSet::update_root(const std::string& bytes) {
  if (timestamp_) return make_error("tuf.order", "root updated after the timestamp");
  auto env = TRY(parse_envelope(bytes));
  auto next = TRY(parse_root(env.signed_part));
  const std::string what = "root version " + std::to_string(next.common.version);
  // 5.3.5: signed by a threshold of the trusted root's root keys and of its own.
  TRY(verify_role(env, root_.roles["root"], root_.keys, what + " (by the trusted root's keys)"));
  TRY(verify_role(env, next.roles["root"], next.keys, what + " (by its own keys)"));
  // 5.3.6: exactly one version up.
  if (next.common.version != root_.common.version + 1)
    return make_error(
        "tuf.version",
        what + " where version " + std::to_string(root_.common.version + 1) + " was expected");
  root_ = std::move(next);
  root_bytes_ = bytes;
  return ok_status();
}

Result<bool> TrustedSet::finish_root() {
  TRY(check_expiry(root_.common, "root"));
  return !same_role_keys(initial_root_, root_, "timestamp") ||
         !same_role_keys(initial_root_, root_, "snapshot");
}

Status TrustedSet::update_timestamp(const std::string& bytes, bool trusted) {
  if (snapshot_) return make_error("tuf.order", "timestamp updated after the snapshot");
  auto env = TRY(parse_envelope(bytes));
  auto next = TRY(parse_timestamp(env.signed_part));
  const std::string what = "timestamp version " + std::to_string(next.common.version);
  TRY(verify_role(env, root_.roles["timestamp"], root_.keys, what));
  if (!trusted) {
    if (timestamp_) {
      // 5.4.3: no rollback of the timestamp, nor of the snapshot version it announces.
      if (next.common.version < timestamp_->common.version)
        return make_error("tuf.version", what + " is older than the trusted version " +
                                             std::to_string(timestamp_->common.version));
      if (next.snapshot.version < timestamp_->snapshot.version)
        return make_error("tuf.version", what + " announces snapshot version " +
                                             std::to_string(next.snapshot.version) +
                                             ", older than the trusted " +
                                             std::to_string(timestamp_->snapshot.version));
    }
    TRY(check_expiry(next.common, "timestamp"));  // 5.4.4
  }
  timestamp_ = std::move(next);
  return ok_status();
}

Status TrustedSet::update_snapshot(const std::string& bytes, bool trusted) {
  if (!timestamp_) return make_error("tuf.order", "snapshot before a timestamp");
  if (targets_.count("targets")) return make_error("tuf.order", "snapshot after the targets");
  const MetaInfo& announced = timestamp_->snapshot;
  // 5.5.2: the bytes the timestamp announced (a stored snapshot was checked when it arrived).
  if (!trusted) TRY(check_length_and_hashes(bytes, announced.length, announced.hashes, "snapshot"));
  auto env = TRY(parse_envelope(bytes));
  auto next = TRY(parse_snapshot(env.signed_part));
  const std::string what = "snapshot version " + std::to_string(next.common.version);
  TRY(verify_role(env, root_.roles["snapshot"], root_.keys, what));
  // 5.5.5: no targets role disappears or goes back a version (mix-and-match, rollback).
  if (snapshot_)
    for (const auto& [name, old] : snapshot_->meta) {
      auto it = next.meta.find(name);
      if (it == next.meta.end())
        return make_error("tuf.meta", what + " drops " + name + " that the trusted snapshot lists");
      if (it->second.version < old.version)
        return make_error("tuf.meta", what + " rolls " + name + " back from version " +
                                          std::to_string(old.version) + " to " +
                                          std::to_string(it->second.version));
    }
  snapshot_ = std::move(next);
  snapshot_trusted_only_ = true;
  // 5.5.3 and 5.5.6, checked last so that a stored snapshot still guards against rollback when it
  // is no longer current.
  if (snapshot_->common.version != announced.version)
    return make_error("tuf.version", what + " where the timestamp announced version " +
                                         std::to_string(announced.version));
  TRY(check_expiry(snapshot_->common, "snapshot"));
  snapshot_trusted_only_ = false;
  return ok_status();
}

Status TrustedSet::update_targets(const std::string& bytes) {
  return update_delegated("targets", "root", bytes);
}

Status TrustedSet::update_delegated(const std::string& role, const std::string& delegator,
                                    const std::string& bytes) {
  if (!snapshot_ || snapshot_trusted_only_)
    return make_error("tuf.order", role + " before a current snapshot");
  auto meta = snapshot_->meta.find(role + ".json");
  if (meta == snapshot_->meta.end())
    return make_error("tuf.meta", "the snapshot does not list " + role + ".json");
  TRY(check_length_and_hashes(bytes, meta->second.length, meta->second.hashes, role));
  auto env = TRY(parse_envelope(bytes));
  auto next = TRY(parse_targets(env.signed_part));
  const std::string what = role + " version " + std::to_string(next.common.version);
  if (delegator == "root") {
    TRY(verify_role(env, root_.roles["targets"], root_.keys, what));
  } else {
    auto parent = targets_.find(delegator);
    if (parent == targets_.end())
      return make_error("tuf.order", role + " before its delegator " + delegator);
    auto d = std::find_if(parent->second.delegations.begin(), parent->second.delegations.end(),
                          [&](const Delegation& x) { return x.name == role; });
    if (d == parent->second.delegations.end())
      return make_error("tuf.target", delegator + " does not delegate to " + role);
    TRY(verify_role(env, d->keys, parent->second.delegation_keys, what));
  }
  if (next.common.version != meta->second.version)
    return make_error("tuf.version", what + " where the snapshot lists version " +
                                         std::to_string(meta->second.version));
  TRY(check_expiry(next.common, role));
  targets_[role] = std::move(next);
  return ok_status();
}

const Targets* TrustedSet::targets(const std::string& role) const {
  auto it = targets_.find(role);
  return it == targets_.end() ? nullptr : &it->second;
}

Result<std::optional<TargetInfo>> find_target(TrustedSet& set, const std::string& path,
                                              const DelegationLoader& load, const Limits& limits) {
  // Depth-first, in priority order (5.7.3): a stack of (role, delegator).
  std::vector<std::pair<std::string, std::string>> to_visit{{"targets", "root"}};
  std::set<std::string> visited;
  int visits = 0;
  while (!to_visit.empty()) {
    auto [role, delegator] = to_visit.back();
    to_visit.pop_back();
    if (!visited.insert(role).second) continue;
    if (++visits > limits.max_delegations + 1)
      return make_error("tuf.delegations", "more than " + std::to_string(limits.max_delegations) +
                                               " delegated roles searched for " + path);
    if (!set.targets(role)) TRY(load(role, delegator));
    const Targets* t = set.targets(role);
    if (!t) return make_error("tuf.order", role + " was not loaded");
    auto hit = t->targets.find(path);
    if (hit != t->targets.end()) return std::optional<TargetInfo>(hit->second);
    std::vector<std::pair<std::string, std::string>> children;
    for (const auto& d : t->delegations) {
      bool matches = std::any_of(d.paths.begin(), d.paths.end(),
                                 [&](const std::string& p) { return path_matches(p, path); });
      if (!matches) continue;
      children.emplace_back(d.name, role);
      if (d.terminating) {
        to_visit.clear();
        break;
      }
    }
    to_visit.insert(to_visit.end(), children.rbegin(), children.rend());
  }
  return std::optional<TargetInfo>();
}

std::string versioned_name(int64_t version, const std::string& role) {
  return std::to_string(version) + "." + role + ".json";
}

std::string hashed_target_name(const std::string& path, const std::string& hash) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return hash + "." + path;
  return path.substr(0, slash + 1) + hash + "." + path.substr(slash + 1);
}

}  // namespace gh::tuf
