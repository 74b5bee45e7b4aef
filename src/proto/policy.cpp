#include "proto/policy.h"

#include <arpa/inet.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace gh::proto::policy {
namespace {

const std::set<std::string> kFields = {"serial", "manufacturer", "model",       "bundle", "owner",
                                       "mud",    "protocol",     "attestation", "source", "state"};

bool valid_segment(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string field_of(const Subject& s, const std::string& f) {
  if (f == "serial") return s.serial;
  if (f == "manufacturer") return s.manufacturer;
  if (f == "model") return s.model;
  if (f == "bundle") return s.bundle;
  if (f == "owner") return s.owner;
  if (f == "mud") return s.mud_url.empty() ? "absent" : "present";
  if (f == "protocol") return s.protocol;
  if (f == "attestation") return s.attestation.empty() ? "none" : s.attestation;
  if (f == "source") return s.source;
  if (f == "state") return s.state;
  return "";
}

// A first pass over the parser's events that builds nothing: counts the nodes of the first document
// as a walk that follows aliases would visit them (an alias counts its anchor's whole subtree) and
// the nesting, and stops at the first limit passed.
class NodeCount : public YAML::EventHandler {
 public:
  struct TooLarge {
    std::string why;
  };

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(anchor);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    auto it = sizes_.find(anchor);
    add(it == sizes_.end() ? 1 : it->second);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  void add(uint64_t n) {
    visited_ += n;
    if (visited_ > kMaxPolicyNodes)
      throw TooLarge{"more than " + std::to_string(kMaxPolicyNodes) +
                     " nodes (aliases counted as often as they are used)"};
  }
  void leaf(YAML::anchor_t anchor) {
    add(1);
    if (anchor) sizes_[anchor] = 1;
  }
  void open(YAML::anchor_t anchor) {
    if (open_.size() >= static_cast<size_t>(kMaxPolicyDepth))
      throw TooLarge{"nested deeper than " + std::to_string(kMaxPolicyDepth)};
    open_.push_back({anchor, visited_});
    add(1);
  }
  void close() {
    if (open_.empty()) return;
    if (open_.back().anchor) sizes_[open_.back().anchor] = visited_ - open_.back().visited_before;
    open_.pop_back();
  }

  struct Open {
    YAML::anchor_t anchor;
    uint64_t visited_before;
  };
  std::vector<Open> open_;
  std::map<YAML::anchor_t, uint64_t> sizes_;  // nodes under each anchor, itself included
  uint64_t visited_ = 0;
};

Status check_size(std::string_view text) {
  if (text.size() > kMaxPolicyBytes)
    return make_error("policy.size", "policy: " + std::to_string(text.size()) + " bytes (limit " +
                                         std::to_string(kMaxPolicyBytes) + ")");
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  NodeCount count;
  try {
    parser.HandleNextDocument(count);  // YAML::Load reads the first document only
  } catch (const NodeCount::TooLarge& e) {
    return make_error("policy.size", "policy: " + e.why);
  } catch (const YAML::Exception& e) {
    return make_error("policy.file", "policy: not YAML: " + std::string(e.what()));
  }
  return ok_status();
}

Error bad(const std::string& path, const std::string& why) {
  return make_error("policy.file", "policy: " + path + ": " + why);
}

Result<std::vector<std::string>> values(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence() && n.size() > 0) {
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) return bad(path + "/" + std::to_string(i), "not a string");
      out.push_back(n[i].as<std::string>());
    }
  } else {
    return bad(path, "a string or a non-empty list of strings");
  }
  return out;
}

Result<bool> action(const YAML::Node& n, const std::string& path) {
  if (!n || !n.IsScalar()) return bad(path, "missing (allow or deny)");
  std::string a = n.as<std::string>();
  if (a != "allow" && a != "deny") return bad(path, "'" + a + "' is not allow or deny");
  return a == "allow";
}

// Refuses any key of mapping m that is not in `allowed`, naming its path.
Status only_keys(const YAML::Node& m, std::initializer_list<std::string_view> allowed,
                 const std::string& path) {
  for (auto it = m.begin(); it != m.end(); ++it) {
    std::string k = it->first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      return bad(path + "/" + k, "unknown key");
  }
  return ok_status();
}

// A decimal number 0..max written in digits only; -1 otherwise.
int number_upto(const std::string& text, int max) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  int n = std::stoi(text);
  return n <= max ? n : -1;
}

// An IPv4 or IPv6 address, or with prefix_ok a CIDR prefix of one.
bool is_address(const std::string& text, bool prefix_ok) {
  std::string a = text;
  int prefix = 0;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    if (!prefix_ok) return false;
    a = text.substr(0, slash);
    prefix = number_upto(text.substr(slash + 1), 128);
    if (prefix < 0) return false;
  }
  unsigned char buf[16];
  if (::inet_pton(AF_INET, a.c_str(), buf) == 1) return prefix <= 32;
  if (::inet_pton(AF_INET6, a.c_str(), buf) == 1) return prefix <= 128;
  return false;
}

// The local overlay's rules (`mud: overlay:`), or with overlay false the services a quarantined
// device may reach (`quarantine: reach:`: from the device, allowed, no MUD URL).
Result<std::vector<mud::OverlayRule>> parse_remote_rules(const YAML::Node& n,
                                                         const std::string& path, bool overlay) {
  if (!n.IsSequence()) return bad(path, "a list of rules");
  std::vector<mud::OverlayRule> out;
  std::set<std::string> names;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string rp = path + "/" + std::to_string(i);
    const YAML::Node& r = n[i];
    if (!r.IsMap()) return bad(rp, "a rule is a mapping");
    if (overlay)
      TRY(only_keys(r, {"name", "mud-url", "action", "direction", "to", "protocol", "port"}, rp));
    else
      TRY(only_keys(r, {"name", "to", "protocol", "port"}, rp));
    mud::OverlayRule o;
    if (!r["name"] || !r["name"].IsScalar()) return bad(rp + "/name", "missing");
    o.name = r["name"].as<std::string>();
    if (o.name.empty() || o.name.size() > 64 ||
        o.name.find_first_of("\"\\\n") != std::string::npos || !names.insert(o.name).second)
      return bad(rp + "/name", "empty, too long, with quotes or used twice");
    if (r["mud-url"]) {
      if (!r["mud-url"].IsScalar()) return bad(rp + "/mud-url", "a glob over MUD URLs");
      o.mud_url = r["mud-url"].as<std::string>();
    }
    o.allow = overlay ? TRY(action(r["action"], rp + "/action")) : true;
    if (r["direction"]) {
      std::string d = r["direction"].as<std::string>();
      if (d != "from-device" && d != "to-device")
        return bad(rp + "/direction", "from-device or to-device");
      o.from_device = d == "from-device";
    }
    if (!r["to"]) return bad(rp + "/to", "missing: the addresses or prefixes of the other end");
    o.remotes = TRY(values(r["to"], rp + "/to"));
    for (const auto& a : o.remotes)
      if (!is_address(a, true)) return bad(rp + "/to", "'" + a + "' is not an address or prefix");
    if (r["protocol"]) {
      o.protocol = r["protocol"].as<std::string>();
      if (o.protocol != "tcp" && o.protocol != "udp") return bad(rp + "/protocol", "tcp or udp");
    }
    if (r["port"]) {
      o.port = number_upto(r["port"].as<std::string>(), 65535);
      if (o.port < 1) return bad(rp + "/port", "1..65535");
      if (o.protocol.empty()) return bad(rp + "/port", "a port needs a protocol");
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Policy Policy::builtin() {
  Policy p;
  p.default_allow = true;
  return p;
}

Policy Policy::deny_all(const std::string& origin) {
  Policy p;
  p.default_allow = false;
  p.origin = origin;
  return p;
}

namespace {
Result<Policy> parse_document(std::string_view text, const std::string& origin);
}  // namespace

Result<Policy> Policy::parse_yaml(std::string_view text, const std::string& origin) {
  TRY(check_size(text));
  // yaml-cpp throws where a check above did not foresee the kind of a node (a list where a string
  // belongs, a mapping as a key): a refusal like any other, naming the line and column.
  try {
    return parse_document(text, origin);
  } catch (const YAML::Exception& e) {
    return make_error("policy.file", "policy: " + std::string(e.what()));
  }
}

const std::string& Policy::Assurance::action_for(const std::string& tier) const {
  static const std::string keep = "keep";
  if (tier == "warning") return warning;
  if (tier == "contraindicated") return contraindicated;
  if (tier == "stale") return stale;
  return keep;
}

namespace {
Status parse_assurance(const YAML::Node& a, Policy::Assurance& out) {
  if (!a.IsMap()) return bad("/assurance", "a mapping");
  TRY(only_keys(a, {"warning", "contraindicated", "stale", "interval", "stale-after"},
                "/assurance"));
  for (auto [key, field] :
       {std::pair{"warning", &out.warning}, std::pair{"contraindicated", &out.contraindicated},
        std::pair{"stale", &out.stale}}) {
    if (!a[key]) continue;
    if (!a[key].IsScalar())
      return bad(std::string("/assurance/") + key, "keep, quarantine or revoke");
    std::string v = a[key].as<std::string>();
    if (v != "keep" && v != "quarantine" && v != "revoke")
      return bad(std::string("/assurance/") + key, "keep, quarantine or revoke");
    *field = v;
  }
  auto seconds = [&](const char* key, int lo, int hi, int* field) -> Status {
    if (!a[key]) return ok_status();
    int v = 0;
    if (!a[key].IsScalar() || !YAML::convert<int>::decode(a[key], v) || v < lo || v > hi)
      return bad(std::string("/assurance/") + key,
                 "seconds from " + std::to_string(lo) + " to " + std::to_string(hi));
    *field = v;
    return ok_status();
  };
  TRY(seconds("interval", 1, 86400, &out.interval_s));
  out.stale_after_s = 3 * out.interval_s;
  TRY(seconds("stale-after", 1, 3 * 86400, &out.stale_after_s));
  if (out.stale_after_s < out.interval_s)
    return bad("/assurance/stale-after", "at least the interval");
  return ok_status();
}

Result<Policy> parse_document(std::string_view text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error("policy.file", "policy: not YAML: " + std::string(e.what()));
  }
  if (!root.IsMap()) return bad("/", "the policy is not a mapping");
  // An empty mapping (a PUT of {}, a file left as {}) would deny every device: more likely a
  // mistake than a wish, and one that cuts off the whole site. Denying all is still one line:
  // default: {action: deny}.
  if (root.size() == 0)
    return make_error("policy.empty",
                      "policy: empty, which would deny every device; write "
                      "'default: {action: deny}' if that is meant");
  Policy pol;
  pol.origin = origin;
  TRY(only_keys(root, {"default", "rules", "mud", "quarantine", "assurance"}, ""));
  if (root["assurance"]) TRY(parse_assurance(root["assurance"], pol.assurance));
  if (root["quarantine"]) {
    const YAML::Node& q = root["quarantine"];
    if (!q.IsMap()) return bad("/quarantine", "a mapping with reach");
    TRY(only_keys(q, {"reach"}, "/quarantine"));
    if (q["reach"]) {
      pol.quarantine_reach = TRY(parse_remote_rules(q["reach"], "/quarantine/reach", false));
      pol.quarantine_reach_set = true;
    }
  }
  if (root["mud"]) {
    const YAML::Node& m = root["mud"];
    if (!m.IsMap()) return bad("/mud", "a mapping with controllers and my-controllers");
    for (auto it = m.begin(); it != m.end(); ++it) {
      std::string k = it->first.as<std::string>();
      if (k == "overlay") {
        pol.overlay = TRY(parse_remote_rules(it->second, "/mud/overlay", true));
        continue;
      }
      if (k != "controllers" && k != "my-controllers") return bad("/mud/" + k, "unknown key");
      if (!it->second.IsMap()) return bad("/mud/" + k, "a mapping of URI: addresses");
      auto& into = k == "controllers" ? pol.controllers : pol.my_controllers;
      for (auto c = it->second.begin(); c != it->second.end(); ++c) {
        std::string uri = c->first.as<std::string>();
        std::string cp = "/mud/" + k + "/" + uri;
        if (uri.empty() || uri.size() > 1024) return bad(cp, "a URI");
        auto addrs = TRY(values(c->second, cp));
        for (const auto& a : addrs)
          if (!is_address(a, false)) return bad(cp, "'" + a + "' is not an IPv4 or IPv6 address");
        into[uri] = addrs;
      }
    }
  }
  if (root["default"]) {
    const YAML::Node& d = root["default"];
    if (!d.IsMap()) return bad("/default", "a mapping with action and segment");
    TRY(only_keys(d, {"action", "segment"}, "/default"));
    pol.default_allow = TRY(action(d["action"], "/default/action"));
    if (d["segment"]) {
      pol.default_segment = d["segment"].as<std::string>();
      if (!valid_segment(pol.default_segment))
        return bad("/default/segment", "1-32 of [A-Za-z0-9_-]");
    }
  }
  if (root["rules"]) {
    const YAML::Node& rules = root["rules"];
    if (!rules.IsSequence()) return bad("/rules", "a list of rules");
    std::set<std::string> names;
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string rp = "/rules/" + std::to_string(i);
      const YAML::Node& r = rules[i];
      if (!r.IsMap()) return bad(rp, "a rule is a mapping");
      TRY(only_keys(r, {"name", "match", "action", "segment"}, rp));
      Rule rule;
      if (!r["name"] || !r["name"].IsScalar()) return bad(rp + "/name", "missing");
      rule.name = r["name"].as<std::string>();
      if (rule.name.empty() || rule.name == "default" || !names.insert(rule.name).second)
        return bad(rp + "/name", "empty, 'default' or used twice");
      rule.allow = TRY(action(r["action"], rp + "/action"));
      rule.segment = r["segment"] ? r["segment"].as<std::string>() : pol.default_segment;
      if (!valid_segment(rule.segment)) return bad(rp + "/segment", "1-32 of [A-Za-z0-9_-]");
      if (r["match"]) {
        if (!r["match"].IsMap()) return bad(rp + "/match", "a mapping of field: value(s)");
        for (auto it = r["match"].begin(); it != r["match"].end(); ++it) {
          std::string f = it->first.as<std::string>();
          std::string fp = rp + "/match/" + f;
          if (!kFields.count(f)) return bad(fp, "unknown field");
          auto vs = TRY(values(it->second, fp));
          if (f == "mud")
            for (const auto& v : vs)
              if (v != "present" && v != "absent") return bad(fp, "present or absent");
          if (f == "attestation")
            for (auto& v : vs) {
              // Earlier policies said pass and fail: read as the AR4SI tiers they meant.
              if (v == "pass") v = "affirming";
              if (v == "fail") v = "contraindicated";
              if (v != "affirming" && v != "warning" && v != "contraindicated" && v != "none" &&
                  v != "stale")
                return bad(fp, "affirming, warning, contraindicated, stale or none");
            }
          rule.match[f] = vs;
        }
      }
      pol.rules.push_back(std::move(rule));
    }
  }
  return pol;
}
}  // namespace

Decision evaluate(const Policy& p, const Subject& s) {
  for (const auto& r : p.rules) {
    bool all = true;
    for (const auto& [f, vs] : r.match) {
      std::string v = field_of(s, f);
      bool any = false;
      for (const auto& pat : vs) any |= glob_match(pat, v);
      if (!any) {
        all = false;
        break;
      }
    }
    if (all) return Decision{r.allow, r.segment, r.name, p.origin};
  }
  return Decision{p.default_allow, p.default_segment, "default", p.origin};
}

Json Decision::to_json() const {
  return Json{{"decision", allow ? "allow" : "deny"},
              {"segment", segment},
              {"rule", rule},
              {"policy", origin}};
}

}  // namespace gh::proto::policy
