#include "proto/mud_nft.h"

#include <map>
#include <set>

#include "crypto/digest.h"
#include "proto/policy.h"

namespace gh::proto::mud {
namespace {

namespace cm = codec::mud;

std::string set_name(const std::string& kind, const std::string& key, bool v6) {
  static const std::map<std::string, std::string> prefix = {
      {"dns", "dns"},        {"manufacturer", "mfr"},    {"model", "model"},
      {"controller", "ctl"}, {"my-controller", "myctl"}, {"local", "local"}};
  std::string p = prefix.count(kind) ? prefix.at(kind) : "set";
  if (kind == "local") return std::string("local_") + (v6 ? "v6" : "v4");
  if (kind == "local-services") return std::string("local_svc_") + (v6 ? "v6" : "v4");
  return p + "_" + hex_encode(crypto::sha256(key)).substr(0, 12) + (v6 ? "_v6" : "_v4");
}

// Text from the MUD file inside an nft comment "...": a string there ends at the next quote, so
// quotes become apostrophes and control characters spaces; nft keeps 128 octets of a comment.
std::string comment_text(const std::string& text, size_t max) {
  std::string out = text.substr(0, max);
  for (auto& ch : out) {
    if (ch == '"') ch = '\'';
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return out;
}

std::string port_expr(const std::string& proto, const char* dir, const cm::PortMatch& p) {
  std::string base = proto + " " + dir + " ";
  if (p.op == "range") return base + std::to_string(p.lower) + "-" + std::to_string(p.upper);
  if (p.op == "neq") return base + "!= " + std::to_string(p.port);
  if (p.op == "lte") return base + "<= " + std::to_string(p.port);
  if (p.op == "gte") return base + ">= " + std::to_string(p.port);
  return base + std::to_string(p.port);
}

class Compiler {
 public:
  Compiler(const cm::File& f, std::string id, bool account) : f_(f), account_(account) {
    c_.from_chain = id + "_fr";
    c_.to_chain = id + "_to";
  }

  Compiled run(const std::string& id) {
    for (const auto& name : f_.from_device) emit_acl(name, true);
    for (const auto& name : f_.to_device) emit_acl(name, false);
    // RFC 8520 section 3: local DNS and NTP are allowed unless an explicit drop came first. One
    // lookup per family in a set of address . protocol . port the manager fills.
    for (bool v6 : {false, true}) {
      std::string fam = v6 ? "ip6" : "ip";
      c_.from_rules.push_back(fam + " daddr . meta l4proto . th dport @" +
                              ref("local-services", "dns, ntp", v6) + " return");
    }
    if (account_) {
      // Its own rule: `ip daddr` implies IPv4, and the reject below must apply to IPv6 too.
      c_.from_rules.push_back(std::string("update @") + kDropsFrom + " { iifname . ether saddr }");
      c_.to_rules.push_back(std::string("update @") + kDropsTo4 + " { ip daddr }");
    }
    c_.from_tail = account_ ? 2 : 1;
    c_.to_tail = account_ ? 2 : 1;
    c_.from_rules.push_back("counter log prefix \"mud " + id +
                            " fr \" group 1 reject with icmpx "
                            "admin-prohibited");
    c_.to_rules.push_back("counter log prefix \"mud " + id +
                          " to \" group 1 reject with icmpx "
                          "admin-prohibited");
    return c_;
  }

 private:
  std::string ref(const std::string& kind, const std::string& key, bool v6) {
    std::string name = set_name(kind, key, v6);
    if (!seen_.count(name)) {
      seen_.insert(name);
      c_.sets.push_back({name, v6 ? "ipv6" : "ipv4", kind, key});
    }
    return name;
  }

  void emit_acl(const std::string& name, bool from_device) {
    auto it = f_.acls.find(name);
    if (it == f_.acls.end()) return;  // the validator reports it
    const cm::Acl& acl = it->second;
    for (const auto& ace : acl.aces) {
      std::vector<bool> fams;
      if (acl.ipv4() || acl.type.empty()) fams.push_back(false);
      if (acl.ipv6()) fams.push_back(true);
      for (bool v6 : fams) {
        std::string rule = rule_for(ace, from_device, v6);
        if (rule.empty()) continue;
        (from_device ? c_.from_rules : c_.to_rules).push_back(rule);
      }
    }
  }

  // One nft rule for one ACE in one address family; "" when the ACE is not for this family.
  std::string rule_for(const cm::Ace& ace, bool from_device, bool v6) {
    const std::string fam = v6 ? "ip6" : "ip";
    // The remote end: daddr in a from-device ACL, saddr in a to-device one.
    const std::string remote = from_device ? " daddr " : " saddr ";
    std::vector<std::string> m;
    if (ace.ethertype) {
      if ((*ace.ethertype == 0x0800 && v6) || (*ace.ethertype == 0x86dd && !v6)) return "";
      m.push_back("meta protocol " + std::to_string(*ace.ethertype));
    }
    if (!ace.dst_mac.empty()) m.push_back("ether daddr " + ace.dst_mac);
    if (!ace.src_mac.empty()) m.push_back("ether saddr " + ace.src_mac);
    if (!ace.dst_dnsname.empty()) m.push_back(fam + " daddr @" + ref("dns", ace.dst_dnsname, v6));
    if (!ace.src_dnsname.empty()) m.push_back(fam + " saddr @" + ref("dns", ace.src_dnsname, v6));
    if (!ace.dst_network.empty()) {
      bool is6 = ace.dst_network.find(':') != std::string::npos;
      if (is6 != v6) return "";
      m.push_back(fam + " daddr " + ace.dst_network);
    }
    if (!ace.src_network.empty()) {
      bool is6 = ace.src_network.find(':') != std::string::npos;
      if (is6 != v6) return "";
      m.push_back(fam + " saddr " + ace.src_network);
    }
    if (!ace.manufacturer.empty())
      m.push_back(fam + remote + "@" + ref("manufacturer", ace.manufacturer, v6));
    if (ace.same_manufacturer)
      m.push_back(fam + remote + "@" + ref("manufacturer", authority(f_.mud_url), v6));
    if (!ace.model.empty()) m.push_back(fam + remote + "@" + ref("model", ace.model, v6));
    if (ace.local_networks) m.push_back(fam + remote + "@" + ref("local", "", v6));
    if (!ace.controller.empty())
      m.push_back(fam + remote + "@" + ref("controller", ace.controller, v6));
    if (ace.my_controller) m.push_back(fam + remote + "@" + ref("my-controller", f_.mud_url, v6));
    if (ace.l4 == "tcp" || ace.l4 == "udp") {
      if (!ace.src_port && !ace.dst_port) m.push_back("meta l4proto " + ace.l4);
      if (ace.src_port) m.push_back(port_expr(ace.l4, "sport", *ace.src_port));
      if (ace.dst_port) m.push_back(port_expr(ace.l4, "dport", *ace.dst_port));
    } else if (ace.l4 == "icmp") {
      std::string icmp = v6 ? "icmpv6" : "icmp";
      if (ace.icmp_type) {
        m.push_back(icmp + " type " + std::to_string(*ace.icmp_type));
        if (ace.icmp_code) m.push_back(icmp + " code " + std::to_string(*ace.icmp_code));
      } else {
        m.push_back("meta l4proto " + std::string(v6 ? "ipv6-icmp" : "icmp"));
      }
    } else if (ace.protocol) {
      m.push_back("meta l4proto " + std::to_string(*ace.protocol));
    }
    if (m.empty() || (m.size() == 1 && m[0].rfind("meta protocol", 0) == 0)) {
      // No address family match at all: make the family explicit.
      m.insert(m.begin(), std::string("meta nfproto ") + (v6 ? "ipv6" : "ipv4"));
    }
    // direction-initiated: from-device means the device opens the connection, so the to-device
    // side may only see established flows; to-device the reverse.
    if (!ace.direction_initiated.empty()) {
      bool initiated_by_device = ace.direction_initiated == "from-device";
      if (initiated_by_device != from_device) m.push_back("ct state established,related");
    }
    std::string rule;
    for (const auto& x : m) rule += (rule.empty() ? "" : " ") + x;
    rule += ace.accept ? " return" : " counter drop";
    return rule + " comment \"" + comment_text(ace.name, 100) + "\"";
  }

  const cm::File& f_;
  bool account_;
  Compiled c_;
  std::set<std::string> seen_;
};

}  // namespace

std::string authority(const std::string& url) {
  size_t s = url.find("://");
  if (s == std::string::npos) return url;
  size_t e = url.find('/', s + 3);
  return url.substr(s + 3, e == std::string::npos ? std::string::npos : e - s - 3);
}

std::vector<std::string> remote_matches(const OverlayRule& r) {
  std::vector<std::string> out;
  for (bool v6 : {false, true}) {
    std::vector<std::string> remotes;
    for (const auto& a : r.remotes)
      if ((a.find(':') != std::string::npos) == v6) remotes.push_back(a);
    if (remotes.empty()) continue;
    std::string m = std::string(v6 ? "ip6" : "ip") + (r.from_device ? " daddr { " : " saddr { ");
    for (size_t i = 0; i < remotes.size(); ++i) m += (i ? ", " : "") + remotes[i];
    m += " }";
    if (!r.protocol.empty())
      m += r.port ? " " + r.protocol + " dport " + std::to_string(r.port)
                  : " meta l4proto " + r.protocol;
    out.push_back(m);
  }
  return out;
}

void apply_overlay(Compiled& c, const std::string& mud_url, const std::vector<OverlayRule>& rules) {
  size_t denies_from = 0, denies_to = 0;
  for (const auto& r : rules) {
    if (!policy::glob_match(r.mud_url, mud_url)) continue;
    for (std::string rule : remote_matches(r)) {
      rule += (r.allow ? " return" : " counter drop") + std::string(" comment \"overlay ") +
              r.name.substr(0, 80) + "\"";
      auto& rules_of = r.from_device ? c.from_rules : c.to_rules;
      if (r.allow) {
        size_t tail = r.from_device ? c.from_tail : c.to_tail;
        rules_of.insert(
            rules_of.end() - static_cast<std::ptrdiff_t>(std::min(tail, rules_of.size())), rule);
      } else {
        size_t& at = r.from_device ? denies_from : denies_to;
        rules_of.insert(rules_of.begin() + static_cast<std::ptrdiff_t>(at++), rule);
      }
    }
  }
}

std::string policy_chain_id(const std::string& mud_url) {
  return "m" + hex_encode(crypto::sha256(mud_url)).substr(0, 10);
}

Compiled compile(const codec::mud::File& file, const std::string& id, bool account_drops) {
  return Compiler(file, id, account_drops).run(id);
}

std::string set_declaration(const SetRef& s, const std::vector<std::string>& elements) {
  bool v6 = s.family == "ipv6";
  std::string addr = v6 ? "ipv6_addr" : "ipv4_addr";
  std::string out = "  set " + s.name + " {\n    type " +
                    (s.kind == "local-services" ? addr + " . inet_proto . inet_service" : addr) +
                    ";\n";
  std::vector<std::string> elems = elements;
  if (s.kind == "local") {
    out += "    flags interval;\n";
    if (elems.empty())
      elems = v6 ? std::vector<std::string>{"fc00::/7", "fe80::/10"}
                 : std::vector<std::string>{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};
  }
  if (!elems.empty()) {
    out += "    elements = { ";
    for (size_t i = 0; i < elems.size(); ++i) out += (i ? ", " : "") + elems[i];
    out += " }\n";
  }
  out += "    comment \"" + s.kind + (s.key.empty() ? "" : " " + comment_text(s.key, 100)) +
         "\"\n  }\n";
  return out;
}

std::string standalone_script(const Compiled& c, const std::string& table) {
  std::string out = "table inet " + table + " {\n";
  for (const auto& s : c.sets) out += set_declaration(s, {});
  out += "  chain " + c.from_chain + " {\n";
  for (const auto& r : c.from_rules) out += "    " + r + "\n";
  out += "  }\n  chain " + c.to_chain + " {\n";
  for (const auto& r : c.to_rules) out += "    " + r + "\n";
  out += "  }\n}\n";
  return out;
}

}  // namespace gh::proto::mud
