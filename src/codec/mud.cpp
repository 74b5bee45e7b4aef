#include "codec/mud.h"

#include <arpa/inet.h>

#include <cctype>
#include <set>

#include "common/time.h"

namespace gh::codec::mud {
namespace {

const std::set<std::string> kAclTypes = {
    "ipv4-acl-type",           "ipv6-acl-type",           "eth-acl-type",
    "mixed-eth-ipv4-acl-type", "mixed-eth-ipv6-acl-type", "mixed-eth-ipv4-ipv6-acl-type"};

// RFC 7951 identityref values may carry their module's name.
std::string strip_module(const std::string& v) {
  size_t c = v.find(':');
  return c == std::string::npos ? v : v.substr(c + 1);
}

// RFC 8519 (ietf-inet-types ipv4-prefix, ipv6-prefix): an address of the family, "/", a length.
// The text goes into nft rules as it is, so nothing else may pass.
bool is_prefix(const std::string& text, bool v4) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string address = text.substr(0, slash), length = text.substr(slash + 1);
  if (length.empty() || length.size() > 3 ||
      length.find_first_not_of("0123456789") != std::string::npos)
    return false;
  unsigned char buf[16];
  if (::inet_pton(v4 ? AF_INET : AF_INET6, address.c_str(), buf) != 1) return false;
  return std::stoi(length) <= (v4 ? 32 : 128);
}

bool is_empty_leaf(const Json& v) {
  return v.is_array() && v.size() == 1 && v[0].is_null();
}

class Parser {
 public:
  Parser(const Options& o, std::vector<Problem>* problems) : o_(o), problems_(problems) {}

  File run(std::string_view text) {
    auto parsed = parse_json(text, "mud", kMudJsonLimits);
    if (!parsed) {
      error("", parsed.error().code, parsed.error().message);
      return f_;
    }
    Json j = std::move(*parsed);
    if (!j.is_object()) {
      error("", "mud.structure", "the file is not a JSON object");
      return f_;
    }
    size_t entries = o_.legacy ? count_entries(j) : 0;
    if (o_.legacy) normalize(j);
    parse_root(j);
    // A rewrite that lost an entry would enforce less than the file says (every lost permit) or
    // more (every lost drop): refused, never silently emptied.
    size_t kept = 0;
    for (const auto& [name, acl] : f_.acls) kept += acl.aces.size();
    if (o_.legacy && kept < entries)
      error("/ietf-access-control-list:acls", "mud.legacy",
            std::to_string(entries - kept) + " of " + std::to_string(entries) +
                " access-list entries are in a form the rewrite does not know");
    return f_;
  }

 private:
  void error(const std::string& path, const std::string& code, const std::string& msg) {
    problems_->push_back({path.empty() ? "/" : path, code, msg});
  }
  void warn(const std::string& path, const std::string& code, const std::string& msg) {
    f_.warnings.push_back({path.empty() ? "/" : path, code, msg});
  }
  // A form --legacy would rewrite: an error without it.
  void legacy_form(const std::string& path, const std::string& msg) {
    error(path, "mud.legacy", msg + " (a pre-RFC form; --legacy rewrites it)");
  }
  bool known_extension(const std::string& key) const {
    size_t c = key.find(':');
    if (c == std::string::npos) return false;
    std::string module = key.substr(0, c);
    for (const auto& e : f_.extensions)
      if (module.find(e) != std::string::npos) return true;
    return false;
  }
  // A match field we do not know: ignoring it would make the entry match more than its author
  // wrote (an unknown node elsewhere is ignored, RFC 8520 2; inside a match it cannot be).
  void widening(const std::string& path) {
    error(path, "mud.match",
          "a match field this checker does not know: ignoring it would widen "
          "the entry");
  }
  static bool is_mac(const std::string& m) {
    if (m.size() != 17) return false;
    for (size_t i = 0; i < m.size(); ++i)
      if (i % 3 == 2 ? m[i] != ':' : !std::isxdigit(static_cast<unsigned char>(m[i]))) return false;
    return true;
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  void unknown(const std::string& path, const std::string& key) {
    if (known_extension(key)) return;
    warn(path + "/" + key, "mud.unknown-node", "unknown node ignored (RFC 8520 section 2)");
  }

  void rename(Json& obj, const char* from, const char* to, const std::string& path) {
    if (!obj.is_object() || !obj.contains(from) || obj.contains(to)) return;
    obj[to] = obj[from];
    obj.erase(from);
    warn(path + "/" + from, "mud.legacy", std::string("rewrote ") + from + " to " + to);
  }
  // The access-list entries a file has, under whatever name its draft gave them.
  static size_t count_entries(const Json& j) {
    size_t n = 0;
    for (const char* root :
         {"ietf-access-control-list:acls", "ietf-access-control-list:access-lists"})
      if (j.contains(root) && j[root].is_object() && j[root].contains("acl") &&
          j[root]["acl"].is_array())
        for (const auto& acl : j[root]["acl"])
          if (acl.is_object())
            for (auto& [k, v] : acl.items())
              if (v.is_object() && v.contains("ace") && v["ace"].is_array()) n += v["ace"].size();
    return n;
  }
  // The draft-ietf-netmod-acl-model names (before RFC 8519) in one ACE: rule-name, the
  // <family>-acl match containers, ports written in the layer-3 container or as *-port-range,
  // permit/deny actions, capitalised forwarding values.
  void normalize_draft_ace(Json& ace, const std::string& ap) {
    rename(ace, "rule-name", "name", ap);
    if (ace.contains("matches") && ace["matches"].is_object()) {
      Json& m = ace["matches"];
      const std::string mp = ap + "/matches";
      if (m.contains("actions") && !ace.contains("actions")) {
        ace["actions"] = m["actions"];
        m.erase("actions");
        warn(mp + "/actions", "mud.legacy", "moved actions out of matches");
      }
      // The draft's MUD matches: "ietf-mud:mud-acl": {...} and "ietf-mud:<match>" directly.
      rename(m, "ietf-mud:mud-acl", "ietf-mud:mud", mp);
      for (const char* leaf : {"same-manufacturer", "local-networks", "my-controller",
                               "manufacturer", "model", "controller"}) {
        std::string key = std::string("ietf-mud:") + leaf;
        if (!m.contains(key)) continue;
        if (!m["ietf-mud:mud"].is_object()) m["ietf-mud:mud"] = Json::object();
        if (m["ietf-mud:mud"].contains(leaf)) continue;
        m["ietf-mud:mud"][leaf] = m[key];
        m.erase(key);
        warn(mp + "/" + key, "mud.legacy", "moved " + key + " into ietf-mud:mud");
      }
      for (auto [from, to] : {std::pair{"ipv4-acl", "ipv4"},
                              {"ipv6-acl", "ipv6"},
                              {"tcp-acl", "tcp"},
                              {"udp-acl", "udp"},
                              {"icmp-acl", "icmp"},
                              {"eth-acl", "eth"}})
        rename(m, from, to, mp);
      for (const char* l3 : {"ipv4", "ipv6", "tcp", "udp"}) {
        if (!m.contains(l3) || !m[l3].is_object()) continue;
        for (const char* dir : {"source", "destination"}) {
          for (const std::string& form :
               {std::string(dir) + "-port-range-or-operator", std::string(dir) + "-port-range"}) {
            if (!m[l3].contains(form)) continue;
            // The transport container the port belongs in: the one the entry has, else the one
            // its protocol names.
            std::string l4 = m.contains("tcp") ? "tcp" : m.contains("udp") ? "udp" : "";
            if (l4.empty() && m[l3].contains("protocol") && m[l3]["protocol"].is_number_integer())
              l4 = m[l3]["protocol"].get<int>() == 6    ? "tcp"
                   : m[l3]["protocol"].get<int>() == 17 ? "udp"
                                                        : "";
            if (l4.empty()) continue;  // left for the parser to refuse
            Json port = m[l3][form];
            m[l3].erase(form);
            if (!m[l4].is_object()) m[l4] = Json::object();
            m[l4][std::string(dir) + "-port"] = port;
            warn(mp + "/" + l3 + "/" + form, "mud.legacy",
                 "rewrote " + form + " to " + l4 + "/" + dir + "-port");
          }
        }
      }
    }
    if (ace.contains("actions") && ace["actions"].is_object()) {
      Json& a = ace["actions"];
      for (auto [from, to] : {std::pair{"permit", "accept"}, {"deny", "drop"}})
        if (a.contains(from) && !a.contains("forwarding")) {
          a.erase(from);
          a["forwarding"] = to;
          warn(ap + "/actions/" + from, "mud.legacy",
               std::string("rewrote ") + from + " to forwarding " + to);
        }
      if (a.contains("forwarding") && a["forwarding"].is_string()) {
        std::string f = a["forwarding"].get<std::string>(), low = lower(f);
        if (f != low && (low == "accept" || low == "drop" || low == "reject")) {
          a["forwarding"] = low;
          warn(ap + "/actions/forwarding", "mud.legacy", "rewrote forwarding " + f + " to " + low);
        }
      }
    }
  }

  // Legacy normalizer: rewrites known pre-RFC forms in place, one warning per rewrite.
  void normalize(Json& j) {
    if (j.contains("ietf-access-control-list:access-lists") &&
        !j.contains("ietf-access-control-list:acls")) {
      j["ietf-access-control-list:acls"] = j["ietf-access-control-list:access-lists"];
      j.erase("ietf-access-control-list:access-lists");
      warn("/ietf-access-control-list:access-lists", "mud.legacy",
           "rewrote root access-lists to acls");
    }
    if (j.contains("ietf-mud:mud") && j["ietf-mud:mud"].is_object()) {
      Json& m = j["ietf-mud:mud"];
      if (m.contains("is-supported") && m["is-supported"].is_string() &&
          (m["is-supported"] == "true" || m["is-supported"] == "false")) {
        m["is-supported"] = m["is-supported"] == "true";
        warn("/ietf-mud:mud/is-supported", "mud.legacy", "rewrote the string to a boolean");
      }
      for (const char* pol : {"from-device-policy", "to-device-policy"}) {
        if (!m.contains(pol) || !m[pol].is_object() || !m[pol].contains("access-lists")) continue;
        Json& lists = m[pol]["access-lists"];
        if (!lists.is_object() || !lists.contains("access-list") ||
            !lists["access-list"].is_array())
          continue;
        for (size_t i = 0; i < lists["access-list"].size(); ++i) {
          std::string ep = std::string("/ietf-mud:mud/") + pol + "/access-lists/access-list/" +
                           std::to_string(i);
          Json& e = lists["access-list"][i];
          rename(e, "acl-name", "name", ep);
          if (e.is_object() && e.contains("acl-type") && e.contains("name")) {
            e.erase("acl-type");
            warn(ep + "/acl-type", "mud.legacy", "dropped acl-type (the ACL says its type)");
          }
        }
      }
      if (!m.contains("mud-version")) {
        m["mud-version"] = 1;
        warn("/ietf-mud:mud/mud-version", "mud.legacy", "no mud-version: assumed 1");
      }
      if (m.contains("last-update") && m["last-update"].is_string() &&
          !time::parse_rfc3339(m["last-update"].get<std::string>())) {
        warn("/ietf-mud:mud/last-update", "mud.legacy",
             "last-update is not RFC 3339: treated as unknown");
        m["last-update"] = "1970-01-01T00:00:00Z";
      }
      // ACLs inlined under the policies move to the root.
      for (const char* pol : {"from-device-policy", "to-device-policy"}) {
        if (!m.contains(pol) || !m[pol].is_object()) continue;
        Json& p = m[pol];
        if (p.contains("acls") && p["acls"].is_object() && p["acls"].contains("acl")) {
          Json& root = j["ietf-access-control-list:acls"];
          if (!root.is_object()) root = Json::object();
          if (!root.contains("acl")) root["acl"] = Json::array();
          for (auto& a : p["acls"]["acl"]) root["acl"].push_back(a);
          p.erase("acls");
          warn(std::string("/ietf-mud:mud/") + pol + "/acls", "mud.legacy",
               "moved ACLs inlined under the policy to the root acls");
        }
      }
    }
    if (j.contains("ietf-access-control-list:acls") &&
        j["ietf-access-control-list:acls"].contains("acl") &&
        j["ietf-access-control-list:acls"]["acl"].is_array()) {
      auto& acls = j["ietf-access-control-list:acls"]["acl"];
      for (size_t i = 0; i < acls.size(); ++i) {
        std::string path = "/ietf-access-control-list:acls/acl/" + std::to_string(i);
        Json& a = acls[i];
        rename(a, "acl-name", "name", path);
        rename(a, "acl-type", "type", path);
        rename(a, "access-list-entries", "aces", path);
        if (a.contains("type") && a["type"].is_string()) {
          std::string t = strip_module(a["type"].get<std::string>());
          std::string fixed = t == "ipv4" || t == "ipv4-acl"               ? "ipv4-acl-type"
                              : t == "ipv6" || t == "ipv6-acl"             ? "ipv6-acl-type"
                              : t == "ethernet-acl-type" || t == "eth-acl" ? "eth-acl-type"
                                                                           : t;
          if (fixed != t) {
            a["type"] = fixed;
            warn(path + "/type", "mud.legacy", "rewrote type '" + t + "' to '" + fixed + "'");
          }
        }
        if (!a.contains("aces") || !a["aces"].contains("ace") || !a["aces"]["ace"].is_array())
          continue;
        auto& aces = a["aces"]["ace"];
        for (size_t k = 0; k < aces.size(); ++k) {
          std::string ap = path + "/aces/ace/" + std::to_string(k);
          Json& ace = aces[k];
          normalize_draft_ace(ace, ap);
          if (!ace.contains("matches") || !ace["matches"].is_object()) continue;
          Json& m = ace["matches"];
          if (m.contains("actions") && !ace.contains("actions")) {
            ace["actions"] = m["actions"];
            m.erase("actions");
            warn(ap + "/matches/actions", "mud.legacy", "moved actions out of matches");
          }
          if (m.contains("udp") && m["udp"].is_object() &&
              m["udp"].contains("ietf-mud:direction-initiated")) {
            m["udp"].erase("ietf-mud:direction-initiated");
            warn(ap + "/matches/udp/ietf-mud:direction-initiated", "mud.legacy",
                 "dropped direction-initiated under udp (defined for tcp only)");
          }
          if (m.contains("eth") && m["eth"].is_object() && m["eth"].contains("ethertype") &&
              m["eth"]["ethertype"].is_string()) {
            std::string v = m["eth"]["ethertype"].get<std::string>();
            if (v.rfind("0x", 0) == 0) {
              m["eth"]["ethertype"] = std::stoi(v.substr(2), nullptr, 16);
              warn(ap + "/matches/eth/ethertype", "mud.legacy", "rewrote hex ethertype " + v);
            }
          }
          if (m.contains("ietf-mud:mud") && m["ietf-mud:mud"].is_object()) {
            for (auto& [k2, v] : m["ietf-mud:mud"].items()) {
              if ((k2 == "same-manufacturer" || k2 == "local-networks" || k2 == "my-controller") &&
                  (v.is_boolean() || (v.is_object() && v.empty()) || (v.is_array() && v.empty()))) {
                v = Json::array({nullptr});
                warn(ap + "/matches/ietf-mud:mud/" + k2, "mud.legacy",
                     "rewrote " + k2 + " to the empty leaf [null]");
              }
            }
          }
        }
      }
    }
  }

  void parse_root(const Json& j) {
    for (auto& [k, v] : j.items())
      if (k != "ietf-mud:mud" && k != "ietf-access-control-list:acls") {
        if (k == "ietf-access-control-list:access-lists")
          legacy_form("/" + k, "root access-lists instead of acls");
        else
          unknown("", k);
      }
    if (!j.contains("ietf-mud:mud") || !j["ietf-mud:mud"].is_object()) {
      error("/ietf-mud:mud", "mud.structure", "missing or not an object");
      return;
    }
    parse_mud(j["ietf-mud:mud"]);
    if (j.contains("ietf-access-control-list:acls")) parse_acls(j["ietf-access-control-list:acls"]);
    check_references();
  }

  void parse_mud(const Json& m) {
    const std::string p = "/ietf-mud:mud";
    if (m.contains("extensions")) {
      if (!m["extensions"].is_array())
        error(p + "/extensions", "mud.type", "not a list");
      else
        for (const auto& e : m["extensions"])
          if (e.is_string()) f_.extensions.push_back(e.get<std::string>());
    }
    static const std::set<std::string> known = {
        "mud-version",  "mud-url",       "mud-signature", "last-update",        "cache-validity",
        "is-supported", "systeminfo",    "mfg-name",      "model-name",         "firmware-rev",
        "software-rev", "documentation", "extensions",    "from-device-policy", "to-device-policy"};
    for (auto& [k, v] : m.items())
      if (!known.count(k)) unknown(p, k);
    if (!m.contains("mud-version"))
      legacy_form(p + "/mud-version", "missing");
    else if (!m["mud-version"].is_number_integer() || m["mud-version"].get<int>() != 1)
      error(p + "/mud-version", "mud.version", "must be 1");
    if (!m.contains("mud-url") || !m["mud-url"].is_string()) {
      error(p + "/mud-url", "mud.url", "missing or not a string");
    } else {
      f_.mud_url = m["mud-url"].get<std::string>();
      if (std::string why = url_problem(f_.mud_url); !why.empty())
        error(p + "/mud-url", "mud.url", why);
    }
    if (m.contains("mud-signature")) {
      if (!m["mud-signature"].is_string())
        error(p + "/mud-signature", "mud.type", "not a string");
      else
        f_.mud_signature = m["mud-signature"].get<std::string>();
    }
    if (!m.contains("last-update") || !m["last-update"].is_string()) {
      error(p + "/last-update", "mud.last-update", "missing or not a string");
    } else {
      f_.last_update = m["last-update"].get<std::string>();
      if (!time::parse_rfc3339(f_.last_update))
        error(p + "/last-update", "mud.last-update", "not an RFC 3339 date-and-time");
    }
    if (m.contains("cache-validity")) {
      if (!m["cache-validity"].is_number_integer() || m["cache-validity"].get<int>() < 1 ||
          m["cache-validity"].get<int>() > 168)
        error(p + "/cache-validity", "mud.cache-validity", "must be 1..168 hours");
      else
        f_.cache_validity = m["cache-validity"].get<int>();
    }
    if (!m.contains("is-supported") || !m["is-supported"].is_boolean())
      error(p + "/is-supported", "mud.is-supported", "missing or not a boolean");
    else
      f_.is_supported = m["is-supported"].get<bool>();
    auto opt_string = [&](const char* key, std::string* out) {
      if (!m.contains(key)) return;
      if (!m[key].is_string())
        error(p + "/" + key, "mud.type", "not a string");
      else
        *out = m[key].get<std::string>();
    };
    opt_string("systeminfo", &f_.systeminfo);
    opt_string("mfg-name", &f_.mfg_name);
    opt_string("model-name", &f_.model_name);
    opt_string("firmware-rev", &f_.firmware_rev);
    opt_string("software-rev", &f_.software_rev);
    opt_string("documentation", &f_.documentation);
    // RFC 8520 2.1: it SHOULD NOT be longer than 60 characters; read, with a note.
    if (f_.systeminfo.size() > 60)
      warn(p + "/systeminfo", "mud.systeminfo",
           "longer than 60 characters (" + std::to_string(f_.systeminfo.size()) + ")");
    parse_policy(m, "from-device-policy", &f_.from_device);
    parse_policy(m, "to-device-policy", &f_.to_device);
  }

  void parse_policy(const Json& m, const char* key, std::vector<std::string>* out) {
    std::string p = std::string("/ietf-mud:mud/") + key;
    if (!m.contains(key)) return;
    const Json& pol = m[key];
    if (!pol.is_object()) return error(p, "mud.structure", "not an object");
    if (pol.contains("acls")) legacy_form(p + "/acls", "ACLs inlined under the policy");
    if (!pol.contains("access-lists")) return;
    const Json& al = pol["access-lists"];
    if (!al.is_object() || !al.contains("access-list") || !al["access-list"].is_array())
      return error(p + "/access-lists", "mud.structure", "expected access-lists/access-list[]");
    for (size_t i = 0; i < al["access-list"].size(); ++i) {
      const Json& e = al["access-list"][i];
      std::string ep = p + "/access-lists/access-list/" + std::to_string(i);
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
        error(ep + "/name", "mud.structure", "access-list entry without a name");
      else
        out->push_back(e["name"].get<std::string>());
    }
  }

  void parse_acls(const Json& root) {
    const std::string p = "/ietf-access-control-list:acls";
    if (!root.is_object() || !root.contains("acl") || !root["acl"].is_array())
      return error(p, "mud.structure", "expected acl[]");
    for (size_t i = 0; i < root["acl"].size(); ++i) {
      const Json& a = root["acl"][i];
      std::string ap = p + "/acl/" + std::to_string(i);
      if (!a.is_object()) {
        error(ap, "mud.structure", "not an object");
        continue;
      }
      Acl acl;
      if (!a.contains("name") || !a["name"].is_string()) {
        error(ap + "/name", "mud.structure", "ACL without a name");
        continue;
      }
      acl.name = a["name"].get<std::string>();
      if (f_.acls.count(acl.name)) error(ap + "/name", "mud.duplicate", "ACL name used twice");
      bool typed = a.contains("type");
      if (typed && !a["type"].is_string()) {
        error(ap + "/type", "mud.acl-type", "not an identity");
      } else if (typed) {
        acl.type = strip_module(a["type"].get<std::string>());
        if (!kAclTypes.count(acl.type)) {
          if (acl.type == "ipv4" || acl.type == "ipv6" || acl.type == "ethernet-acl-type")
            legacy_form(ap + "/type", "type '" + acl.type + "'");
          else
            error(ap + "/type", "mud.acl-type", "unknown ACL type '" + acl.type + "'");
        }
      }
      for (auto& [k, v] : a.items())
        if (k != "name" && k != "type" && k != "aces") unknown(ap, k);
      seen_matches_.clear();
      if (a.contains("aces")) {
        const Json& aces = a["aces"];
        if (!aces.is_object() || !aces.contains("ace") || !aces["ace"].is_array()) {
          error(ap + "/aces", "mud.structure", "expected aces/ace[]");
        } else {
          std::set<std::string> names;
          for (size_t k = 0; k < aces["ace"].size(); ++k) {
            std::string cp = ap + "/aces/ace/" + std::to_string(k);
            Ace ace = parse_ace(aces["ace"][k], cp, acl);
            if (!names.insert(ace.name).second)
              error(cp + "/name", "mud.duplicate", "ACE name used twice in this ACL");
            acl.aces.push_back(std::move(ace));
          }
        }
      }
      // RFC 8519: "type" is optional; it is inferred from the matches the entries use.
      if (!typed) {
        bool v4 = seen_matches_.count("ipv4") > 0, v6 = seen_matches_.count("ipv6") > 0,
             eth = seen_matches_.count("eth") > 0;
        acl.type = (v4 && v6)  ? "mixed-eth-ipv4-ipv6-acl-type"
                   : eth && v4 ? "mixed-eth-ipv4-acl-type"
                   : eth && v6 ? "mixed-eth-ipv6-acl-type"
                   : v4        ? "ipv4-acl-type"
                   : v6        ? "ipv6-acl-type"
                   : eth       ? "eth-acl-type"
                               : "";
        warn(ap + "/type", "mud.acl-type",
             acl.type.empty() ? "no type and no layer-3 match: applied to IPv4"
                              : "no type: inferred " + acl.type + " from the matches");
      }
      f_.acls[acl.name] = std::move(acl);
    }
  }

  std::optional<PortMatch> parse_port(const Json& v, const std::string& p) {
    if (!v.is_object()) {
      error(p, "mud.port", "not an object");
      return std::nullopt;
    }
    PortMatch pm;
    auto port_ok = [](const Json& x) {
      return x.is_number_integer() && x.get<int>() >= 0 && x.get<int>() <= 65535;
    };
    if (v.contains("lower-port") || v.contains("upper-port")) {
      if (!v.contains("lower-port") || !v.contains("upper-port") || !port_ok(v["lower-port"]) ||
          !port_ok(v["upper-port"]) || v["lower-port"].get<int>() > v["upper-port"].get<int>()) {
        error(p, "mud.port", "a range needs lower-port <= upper-port, both 0..65535");
        return std::nullopt;
      }
      pm.op = "range";
      pm.lower = v["lower-port"].get<int>();
      pm.upper = v["upper-port"].get<int>();
      return pm;
    }
    std::string op = v.contains("operator") && v["operator"].is_string()
                         ? strip_module(v["operator"].get<std::string>())
                         : "eq";
    if (op != "eq" && op != "neq" && op != "lte" && op != "gte") {
      error(p + "/operator", "mud.port", "operator must be eq, neq, lte or gte");
      return std::nullopt;
    }
    if (!v.contains("port") || !port_ok(v["port"])) {
      error(p + "/port", "mud.port", "port must be 0..65535");
      return std::nullopt;
    }
    pm.op = op;
    pm.port = v["port"].get<int>();
    return pm;
  }

  Ace parse_ace(const Json& a, const std::string& p, const Acl& acl) {
    Ace ace;
    if (!a.is_object()) {
      error(p, "mud.structure", "not an object");
      return ace;
    }
    if (!a.contains("name") || !a["name"].is_string())
      error(p + "/name", "mud.structure", "ACE without a name");
    else
      ace.name = a["name"].get<std::string>();
    // actions
    if (!a.contains("actions") || !a["actions"].is_object() ||
        !a["actions"].contains("forwarding") || !a["actions"]["forwarding"].is_string()) {
      if (a.contains("matches") && a["matches"].is_object() && a["matches"].contains("actions"))
        legacy_form(p + "/matches/actions", "actions inside matches");
      else
        error(p + "/actions/forwarding", "mud.action", "missing");
    } else {
      std::string fw = strip_module(a["actions"]["forwarding"].get<std::string>());
      if (fw == "accept") {
        ace.accept = true;
      } else if (fw == "drop" || fw == "reject") {
        ace.accept = false;
        if (fw == "reject")
          warn(p + "/actions/forwarding", "mud.action", "reject is treated as drop");
      } else {
        error(p + "/actions/forwarding", "mud.action", "must be accept or drop");
      }
    }
    for (auto& [k, v] : a.items())
      if (k != "name" && k != "matches" && k != "actions") unknown(p, k);
    if (!a.contains("matches")) return ace;
    const Json& m = a["matches"];
    if (!m.is_object()) {
      error(p + "/matches", "mud.structure", "not an object");
      return ace;
    }
    const std::string mp = p + "/matches";
    int l3 = 0;
    size_t understood = 0;
    std::string not_understood;
    for (auto& [k, v] : m.items()) {
      std::string kp = mp + "/" + k;
      static const std::set<std::string> kMatches = {"ipv4", "ipv6", "tcp",         "udp",
                                                     "icmp", "eth",  "ietf-mud:mud"};
      if (kMatches.count(k)) {
        ++understood;
        seen_matches_.insert(k);
      } else if (k != "actions" && not_understood.empty()) {
        not_understood = k;
      }
      if (k == "ipv4" || k == "ipv6") {
        ++l3;
        bool v4 = k == "ipv4";
        if ((v4 && !acl.type.empty() && !acl.ipv4()) || (!v4 && !acl.type.empty() && !acl.ipv6()))
          error(kp, "mud.acl-type", k + " matches in an ACL of type " + acl.type);
        if (!v.is_object()) {
          error(kp, "mud.structure", "not an object");
          continue;
        }
        for (auto& [f, x] : v.items()) {
          std::string fp = kp + "/" + f;
          if (f == "protocol") {
            if (!x.is_number_integer() || x.get<int>() < 0 || x.get<int>() > 255)
              error(fp, "mud.protocol", "protocol must be 0..255");
            else
              ace.protocol = x.get<int>();
          } else if (f == "ietf-acldns:src-dnsname" || f == "ietf-acldns:dst-dnsname") {
            if (!x.is_string() || x.get<std::string>().empty()) {
              error(fp, "mud.dnsname", "not a host name");
              continue;
            }
            std::string name = x.get<std::string>();
            if (name.find('/') != std::string::npos ||
                name.find_first_not_of("0123456789.:") == std::string::npos)
              error(fp, "mud.dnsname",
                    "'" + name + "' is an address, not a DNS name (admin approval needed)");
            (f == "ietf-acldns:src-dnsname" ? ace.src_dnsname : ace.dst_dnsname) = name;
          } else if (f == (v4 ? "destination-ipv4-network" : "destination-ipv6-network") ||
                     f == (v4 ? "source-ipv4-network" : "source-ipv6-network")) {
            std::string net = x.is_string() ? x.get<std::string>() : "";
            if (x.is_string() && net.find('/') == std::string::npos &&
                is_prefix(net + (v4 ? "/32" : "/128"), v4)) {
              // A bare address (RFC 8519 wants a prefix): read as the one host, the narrowest.
              net += v4 ? "/32" : "/128";
              warn(fp, "mud.network", "an address without a prefix length: read as " + net);
            }
            if (!x.is_string() || !is_prefix(net, v4)) {
              if (x.is_string() &&
                  (is_prefix(net, !v4) || is_prefix(net + (v4 ? "/128" : "/32"), !v4)))
                error(fp, "mud.network",
                      std::string("an IPv") + (v4 ? "6" : "4") + " prefix in an IPv" +
                          (v4 ? "4" : "6") + " field");
              else
                error(fp, "mud.network",
                      std::string("a network must be an IPv") + (v4 ? "4" : "6") +
                          " prefix (address/length)");
              continue;
            }
            (f.rfind("destination", 0) == 0 ? ace.dst_network : ace.src_network) = net;
            f_.has_ip_literals = true;
            warn(fp, "mud.approval", "an address literal: needs an administrator's approval");
          } else {
            widening(fp);
          }
        }
      } else if (k == "tcp" || k == "udp") {
        if (!ace.l4.empty()) error(kp, "mud.structure", "more than one transport match");
        ace.l4 = k;
        if (!v.is_object()) {
          error(kp, "mud.structure", "not an object");
          continue;
        }
        for (auto& [f, x] : v.items()) {
          std::string fp = kp + "/" + f;
          if (f == "source-port") {
            ace.src_port = parse_port(x, fp);
          } else if (f == "destination-port") {
            ace.dst_port = parse_port(x, fp);
          } else if (f == "ietf-mud:direction-initiated") {
            if (k != "tcp") {
              legacy_form(fp, "direction-initiated under udp");
              continue;
            }
            std::string d = x.is_string() ? strip_module(x.get<std::string>()) : "";
            if (d != "from-device" && d != "to-device")
              error(fp, "mud.direction", "must be from-device or to-device");
            else
              ace.direction_initiated = d;
          } else if (f == "source-port-range-or-operator" ||
                     f == "destination-port-range-or-operator" || f == "source-port-range" ||
                     f == "destination-port-range") {
            legacy_form(fp, "pre-RFC port form");
          } else {
            widening(fp);
          }
        }
      } else if (k == "icmp") {
        if (!ace.l4.empty()) error(kp, "mud.structure", "more than one transport match");
        ace.l4 = "icmp";
        if (v.is_object()) {
          if (v.contains("type") && v["type"].is_number_integer())
            ace.icmp_type = v["type"].get<int>();
          if (v.contains("code") && v["code"].is_number_integer())
            ace.icmp_code = v["code"].get<int>();
        }
      } else if (k == "eth") {
        if (v.is_object())
          for (auto& [f, x] : v.items()) {
            std::string fp = kp + "/" + f;
            if (f == "ethertype") continue;
            if (f == "destination-mac-address" || f == "source-mac-address") {
              std::string mac = x.is_string() ? x.get<std::string>() : "";
              if (!is_mac(mac))
                error(fp, "mud.mac", "not a MAC address (aa:bb:cc:dd:ee:ff)");
              else
                (f[0] == 'd' ? ace.dst_mac : ace.src_mac) = lower(mac);
            } else {
              widening(fp);
            }
          }
        if (v.is_object() && v.contains("ethertype")) {
          if (v["ethertype"].is_number_integer())
            ace.ethertype = v["ethertype"].get<int>();
          else if (v["ethertype"].is_string() &&
                   v["ethertype"].get<std::string>().rfind("0x", 0) == 0)
            legacy_form(kp + "/ethertype", "hex-string ethertype");
          else if (v["ethertype"].is_string())
            ace.ethertype = v["ethertype"].get<std::string>() == "ipv4"   ? 0x0800
                            : v["ethertype"].get<std::string>() == "ipv6" ? 0x86dd
                            : v["ethertype"].get<std::string>() == "arp"  ? 0x0806
                                                                          : -1;
          if (ace.ethertype && *ace.ethertype < 0)
            error(kp + "/ethertype", "mud.ethertype", "unknown ethertype name");
        }
      } else if (k == "ietf-mud:mud") {
        if (!v.is_object()) {
          error(kp, "mud.structure", "not an object");
          continue;
        }
        for (auto& [f, x] : v.items()) {
          std::string fp = kp + "/" + f;
          if (f == "manufacturer" || f == "model" || f == "controller") {
            if (!x.is_string() || x.get<std::string>().empty()) {
              error(fp, "mud.structure", "not a string");
              continue;
            }
            std::string val = x.get<std::string>();
            if (f == "manufacturer") ace.manufacturer = val;
            if (f == "model") {
              if (std::string why = url_problem(val); !why.empty())
                error(fp, "mud.url", "model must be a MUD URL: " + why);
              ace.model = val;
            }
            if (f == "controller") {
              ace.controller = val;
              if (val.rfind("urn:ietf:params:mud:", 0) == 0 && val != "urn:ietf:params:mud:dns" &&
                  val != "urn:ietf:params:mud:ntp")
                warn(fp, "mud.controller",
                     "unregistered controller URN: an administrator-populated class");
            }
          } else if (f == "same-manufacturer" || f == "local-networks" || f == "my-controller") {
            if (!is_empty_leaf(x)) {
              if (x.is_boolean() || (x.is_object() && x.empty()))
                legacy_form(fp, f + " written as " + x.dump() + " instead of [null]");
              else
                error(fp, "mud.structure", "an empty leaf is written [null]");
              continue;
            }
            if (f == "same-manufacturer") ace.same_manufacturer = true;
            if (f == "local-networks") ace.local_networks = true;
            if (f == "my-controller") ace.my_controller = true;
          } else {
            unknown(kp, f);
          }
        }
      } else if (k == "actions") {
        // reported above
      } else {
        unknown(mp, k);
      }
    }
    (void)l3;
    // An entry whose every match was a node we do not know would match everything: a permit of
    // anything, or a drop of everything, the author never wrote.
    if (!not_understood.empty() && understood == 0)
      error(mp, "mud.match",
            "no match this checker understands (" + not_understood +
                "): the entry would match all traffic");
    if (ace.protocol && !ace.l4.empty()) {
      int want = ace.l4 == "tcp" ? 6 : ace.l4 == "udp" ? 17 : -1;
      if (want > 0 && *ace.protocol != want)
        error(
            mp, "mud.protocol",
            "protocol " + std::to_string(*ace.protocol) + " contradicts the " + ace.l4 + " match");
    }
    return ace;
  }

  void check_references() {
    auto check = [&](const std::vector<std::string>& names, const char* pol, bool from_device) {
      for (size_t i = 0; i < names.size(); ++i) {
        std::string p = std::string("/ietf-mud:mud/") + pol + "/access-lists/access-list/" +
                        std::to_string(i) + "/name";
        auto it = f_.acls.find(names[i]);
        if (it == f_.acls.end()) {
          error(p, "mud.reference", "no ACL named '" + names[i] + "'");
          continue;
        }
        for (const auto& ace : it->second.aces) {
          if (from_device && !ace.src_dnsname.empty())
            error(p, "mud.dnsname",
                  "ACE '" + ace.name + "' matches src-dnsname in a from-device ACL (RFC 8520 8.1)");
          if (!from_device && !ace.dst_dnsname.empty())
            error(p, "mud.dnsname",
                  "ACE '" + ace.name + "' matches dst-dnsname in a to-device ACL (RFC 8520 8.1)");
        }
      }
    };
    check(f_.from_device, "from-device-policy", true);
    check(f_.to_device, "to-device-policy", false);
  }

  Options o_;
  std::vector<Problem>* problems_;
  std::set<std::string> seen_matches_;  // the match kinds the current ACL's entries use
  File f_;
};

}  // namespace

File parse(std::string_view text, const Options& options, std::vector<Problem>* problems) {
  return Parser(options, problems).run(text);
}

Result<File> parse_strict(std::string_view text) {
  std::vector<Problem> problems;
  File f = parse(text, {}, &problems);
  if (!problems.empty())
    return make_error(problems[0].code, "mud: " + problems[0].path + ": " + problems[0].message);
  return f;
}

std::string url_problem(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return "must be an https URL (RFC 8520 3.3)";
  if (url.size() > 255) return "longer than 255 bytes";
  for (char c : url)
    if (c <= ' ' || c > '~') return "contains a space, a control or a non-ASCII character";
  std::string_view rest = url.substr(kScheme.size());
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') return "has no host";
  return "";
}

}  // namespace gh::codec::mud
