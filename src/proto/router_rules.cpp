#include "proto/router_rules.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/encoding.h"
#include "crypto/digest.h"

namespace gh::proto::router {
namespace {

const char* kAdmitted = "admitted";
const char* kAdmittedAddr = "admitted_addr4";
const char* kFromDispatch = "mud_from";
const char* kToDispatch = "mud_to";
const char* kSegments = "segments";
const char* kQuarantined = "quarantined";
const char* kQuarantine = "quarantine";

void quarantine_chain(std::ostream& o, const std::string& table, const Table& t) {
  for (const auto& r : t.quarantine_rules)
    o << "add rule inet " << table << " " << kQuarantine << " " << r << "\n";
  o << "add rule inet " << table << " " << kQuarantine
    << " counter log prefix \"gh quarantine drop \" group 2 reject with icmpx admin-prohibited "
       "comment \"quarantine: the lifecycle service only\"\n";
}

// Each MUD file's members: its devices' stations and their addresses.
std::string stations_set(const std::string& id) {
  return id + "_st";
}
std::string addresses_set(const std::string& id) {
  return id + "_a4";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

void chain_body(std::ostream& o, const std::string& name, const std::vector<std::string>& rules) {
  o << "  chain " << name << " {\n";
  for (const auto& r : rules) o << "    " << r << "\n";
  o << "  }\n";
}

// `add element` lines for a map or set, in chunks (a script line per few thousand elements keeps
// nft's parser fast).
void add_elements(std::ostream& o, const std::string& table, const std::string& set,
                  const std::vector<std::string>& elements) {
  const size_t chunk = 4096;
  for (size_t i = 0; i < elements.size(); i += chunk) {
    o << "add element inet " << table << " " << set << " { ";
    for (size_t k = i; k < elements.size() && k < i + chunk; ++k)
      o << (k > i ? ", " : "") << elements[k];
    o << " }\n";
  }
}

void delete_elements(std::ostream& o, const std::string& table, const std::string& set,
                     const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  o << "delete element inet " << table << " " << set << " { " << join(keys) << " }\n";
}

std::vector<std::string> keys(const std::map<std::string, std::string>& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& [k, id] : m) out.push_back(k);
  return out;
}

std::string ports_set(const std::vector<int>& ports) {
  std::string out;
  for (int p : ports) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return "{ " + out + " }";
}

// A segment's sets: its devices' stations and addresses (names from a hash: segment names may hold
// characters nft identifiers do not).
std::string segment_id(const std::string& segment) {
  return "sg" + hex_encode(crypto::sha256(segment)).substr(0, 10);
}
std::string segment_stations(const std::string& segment) {
  return segment_id(segment) + "_st";
}
std::string segment_addresses(const std::string& segment) {
  return segment_id(segment) + "_a4";
}

std::set<std::string> segments_of(const Table& t) {
  std::set<std::string> out;
  for (const auto& [k, sg] : t.station_segment) out.insert(sg);
  for (const auto& [k, sg] : t.address_segment) out.insert(sg);
  return out;
}

void segment_declaration(std::ostream& o, const std::string& segment) {
  std::string name = segment;
  for (auto& ch : name)
    if (ch == '"') ch = '\'';
  o << "  set " << segment_stations(segment) << " { type ifname . ether_addr; comment \"segment "
    << name << "\"; }\n  set " << segment_addresses(segment)
    << " { type ipv4_addr; comment \"segment " << name << "\"; }\n";
}

// One rule per segment: from a station of the segment to an admitted address outside it, drop.
void segment_rules(std::ostream& o, const std::string& table, const std::set<std::string>& segs) {
  for (const auto& sg : segs)
    o << "add rule inet " << table << " " << kSegments << " iifname . ether saddr @"
      << segment_stations(sg) << " ip daddr @" << kAdmittedAddr << " ip daddr != @"
      << segment_addresses(sg) << " counter drop\n";
}

// Membership changes of one kind (stations or addresses), by a merge walk over both sorted maps:
// a member that left or moved is deleted from its MUD file's set (and, when it left, from the
// admitted set), a new or moved one added.
void diff_members(std::ostream& del, std::ostream& add, const std::string& table,
                  std::string (*set_of)(const std::string&), const char* admitted,
                  const std::map<std::string, std::string>& a,
                  const std::map<std::string, std::string>& b) {
  std::map<std::string, std::vector<std::string>> gone, added;
  std::vector<std::string> left, joined;
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      gone[ia->second].push_back(ia->first);
      left.push_back(ia->first);
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      added[ib->second].push_back(ib->first);
      joined.push_back(ib->first);
      ++ib;
    } else {
      if (ia->second != ib->second) {
        gone[ia->second].push_back(ia->first);
        added[ib->second].push_back(ib->first);
      }
      ++ia;
      ++ib;
    }
  }
  for (const auto& [id, members] : gone) delete_elements(del, table, set_of(id), members);
  if (admitted) delete_elements(del, table, admitted, left);
  for (const auto& [id, members] : added) add_elements(add, table, set_of(id), members);
  if (admitted) add_elements(add, table, admitted, joined);
}

// The dispatch chains: a device's packets to its MUD file's chains, by set membership. One rule
// per MUD file, rebuilt whole when the set of MUD files changes.
void dispatch_rules(std::ostream& o, const std::string& table, const Table& t) {
  for (const auto& [id, p] : t.policies)
    o << "add rule inet " << table << " " << kFromDispatch << " iifname . ether saddr @"
      << stations_set(id) << " jump " << id << "_fr\n";
  for (const auto& [id, p] : t.policies)
    o << "add rule inet " << table << " " << kToDispatch << " ip daddr @" << addresses_set(id)
      << " jump " << id << "_to\n";
}

void policy_declaration(std::ostream& o, const std::string& id, const Policy& p) {
  o << "  set " << stations_set(id) << " { type ifname . ether_addr; }\n"
    << "  set " << addresses_set(id) << " { type ipv4_addr; }\n";
  chain_body(o, id + "_fr", p.from_rules);
  chain_body(o, id + "_to", p.to_rules);
}

// Members grouped by MUD file.
std::map<std::string, std::vector<std::string>> by_policy(
    const std::map<std::string, std::string>& m) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, id] : m) out[id].push_back(k);
  return out;
}

}  // namespace

std::string onboarding_services(const Frame& f) {
  return "ip daddr " + f.onboarding_addr + " tcp dport " + ports_set(f.onboarding_ports);
}

std::string station_key(const std::string& port, const std::string& mac) {
  return "\"" + port + "\" . " + mac;
}

void add_policy(Table& t, const std::string& id, const mud::Compiled& c) {
  t.policies[id] = Policy{c.from_rules, c.to_rules};
  for (const auto& s : c.sets) t.sets.emplace(s.name, AddressSet{s, {}});
}

void fill_abstraction_sets(Table& t, const std::vector<Member>& members,
                           const std::map<std::string, std::vector<std::string>>& controllers,
                           const std::map<std::string, std::vector<std::string>>& my_controllers) {
  for (auto& [name, set] : t.sets) {
    const std::string& kind = set.ref.kind;
    std::vector<std::string> found;
    if (kind == "manufacturer" || kind == "model") {
      for (const auto& m : members)
        if (!m.address.empty() &&
            (kind == "model" ? m.mud_url : mud::authority(m.mud_url)) == set.ref.key)
          found.push_back(m.address);
    } else if (kind == "controller" || kind == "my-controller") {
      const auto& from = kind == "controller" ? controllers : my_controllers;
      if (auto it = from.find(set.ref.key); it != from.end()) found = it->second;
    } else {
      continue;
    }
    const bool v6 = set.ref.family == "ipv6";
    std::vector<std::string> elements;
    for (const auto& a : found)
      if ((a.find(':') != std::string::npos) == v6) elements.push_back(a);
    std::sort(elements.begin(), elements.end());
    elements.erase(std::unique(elements.begin(), elements.end()), elements.end());
    set.elements = std::move(elements);
  }
}

std::string full_script(const Frame& f, const Table& t) {
  std::ostringstream r;
  const std::string& T = f.table;
  r << "table inet " << T << "\ndelete table inet " << T << "\ntable inet " << T << " {\n";
  for (const auto& [name, s] : t.sets) r << mud::set_declaration(s.ref, s.elements);
  r << "  set " << kAdmitted << " { type ifname . ether_addr; }\n"
    << "  set " << kQuarantined << " { type ifname . ether_addr; }\n"
    << "  set " << kAdmittedAddr << " { type ipv4_addr; }\n"
    << "  set " << mud::kDropsFrom
    << " { type ifname . ether_addr; flags dynamic; counter; size 65535; }\n"
    << "  set " << mud::kDropsTo4 << " { type ipv4_addr; flags dynamic; counter; size 65535; }\n";
  for (const auto& [id, p] : t.policies) policy_declaration(r, id, p);
  const std::set<std::string> segs = segments_of(t);
  for (const auto& sg : segs) segment_declaration(r, sg);
  r << "  chain " << kFromDispatch << " {\n  }\n  chain " << kToDispatch << " {\n  }\n  chain "
    << kSegments << " {\n  }\n  chain " << kQuarantine << " {\n  }\n";
  r << "  chain input {\n    type filter hook input priority filter; policy drop;\n"
       "    ct state established,related accept\n    iif lo accept\n"
       "    udp dport { 53, 67 } accept\n    tcp dport 53 accept\n"
       "    iifname \""
    << f.upstream_port
    << "\" icmp type echo-request accept\n"
       "    counter reject with icmpx admin-prohibited\n  }\n";
  // A device's packets pass its MUD file's from-device chain, packets to a device the to-device
  // chain of the destination's (a flow between two devices passes both); an allowed flow returns
  // here and is accepted below. Everything else from a device port is the onboarding segment.
  r << "  chain forward {\n    type filter hook forward priority filter; policy drop;\n"
       "    ct state established,related accept\n"
       "    iifname \""
    << f.upstream_port << "\" accept\n"
    << "    iifname . ether saddr @" << kQuarantined << " jump " << kQuarantine << "\n"
    << "    iifname \"" << f.device_ports << "\" " << onboarding_services(f)
    << " accept comment \"onboarding services\"\n"
    << "    oifname \"" << f.device_ports << "\" ip daddr != @" << kAdmittedAddr
    << " counter reject with icmpx admin-prohibited comment \"a device not admitted: reached by "
       "the site only\"\n"
    << "    iifname . ether saddr @" << kAdmitted << " jump " << kSegments << "\n"
    << "    iifname . ether saddr @" << kAdmitted << " jump " << kFromDispatch << "\n"
    << "    ip daddr @" << kAdmittedAddr << " jump " << kToDispatch << "\n"
    << "    iifname . ether saddr @" << kAdmitted
    << " accept comment \"allowed by the device's MUD file\"\n"
    << "    ip daddr @" << kAdmittedAddr << " accept\n"
    << "    iifname \"" << f.device_ports
    << "\" counter log prefix \"gh onboarding-segment drop \" group 2 reject with icmpx "
       "admin-prohibited comment \"onboarding segment: nothing else\"\n"
       "    counter reject with icmpx admin-prohibited\n  }\n}\n";
  dispatch_rules(r, T, t);
  segment_rules(r, T, segs);
  quarantine_chain(r, T, t);
  add_elements(r, T, kQuarantined, {t.quarantined.begin(), t.quarantined.end()});
  for (const auto& [sg, members] : by_policy(t.station_segment))
    add_elements(r, T, segment_stations(sg), members);
  for (const auto& [sg, members] : by_policy(t.address_segment))
    add_elements(r, T, segment_addresses(sg), members);
  add_elements(r, T, kAdmitted, keys(t.from));
  add_elements(r, T, kAdmittedAddr, keys(t.to));
  for (const auto& [id, members] : by_policy(t.from)) add_elements(r, T, stations_set(id), members);
  for (const auto& [id, members] : by_policy(t.to)) add_elements(r, T, addresses_set(id), members);
  return r.str();
}

std::string delta_script(const Frame& f, const Table& a, const Table& b) {
  const std::string& T = f.table;
  // Declarations first (new sets, then new MUD files' sets and chains), then changed sets and
  // chains, the dispatch rules when the MUD files changed, member removals before additions, and
  // what nothing refers to any more last.
  std::ostringstream decl, change, del, add, drop;
  for (const auto& [name, s] : b.sets) {
    auto it = a.sets.find(name);
    if (it == a.sets.end()) {
      decl << mud::set_declaration(s.ref, s.elements);
    } else if (it->second.elements != s.elements) {
      change << "flush set inet " << T << " " << name << "\n";
      add_elements(change, T, name, s.elements);
    }
  }
  bool files_changed = a.policies.size() != b.policies.size();
  for (const auto& [id, p] : b.policies) {
    auto it = a.policies.find(id);
    if (it == a.policies.end()) {
      policy_declaration(decl, id, p);
      files_changed = true;
      continue;
    }
    for (const auto& [suffix, old_rules, new_rules] :
         {std::tuple{"_fr", &it->second.from_rules, &p.from_rules},
          std::tuple{"_to", &it->second.to_rules, &p.to_rules}}) {
      if (*old_rules == *new_rules) continue;
      change << "flush chain inet " << T << " " << id << suffix << "\n";
      for (const auto& rule : *new_rules)
        change << "add rule inet " << T << " " << id << suffix << " " << rule << "\n";
    }
  }
  if (files_changed) {
    change << "flush chain inet " << T << " " << kFromDispatch << "\nflush chain inet " << T << " "
           << kToDispatch << "\n";
    dispatch_rules(change, T, b);
  }
  const std::set<std::string> sa = segments_of(a), sb = segments_of(b);
  if (sa != sb) {
    for (const auto& sg : sb)
      if (!sa.count(sg)) segment_declaration(decl, sg);
    change << "flush chain inet " << T << " " << kSegments << "\n";
    segment_rules(change, T, sb);
    for (const auto& sg : sa)
      if (!sb.count(sg))
        drop << "delete set inet " << T << " " << segment_stations(sg) << "\ndelete set inet " << T
             << " " << segment_addresses(sg) << "\n";
  }
  if (a.quarantine_rules != b.quarantine_rules) {
    change << "flush chain inet " << T << " " << kQuarantine << "\n";
    quarantine_chain(change, T, b);
  }
  {
    std::vector<std::string> gone, joined;
    std::set_difference(a.quarantined.begin(), a.quarantined.end(), b.quarantined.begin(),
                        b.quarantined.end(), std::back_inserter(gone));
    std::set_difference(b.quarantined.begin(), b.quarantined.end(), a.quarantined.begin(),
                        a.quarantined.end(), std::back_inserter(joined));
    delete_elements(del, T, kQuarantined, gone);
    add_elements(add, T, kQuarantined, joined);
  }
  diff_members(del, add, T, stations_set, kAdmitted, a.from, b.from);
  diff_members(del, add, T, addresses_set, kAdmittedAddr, a.to, b.to);
  diff_members(del, add, T, segment_stations, nullptr, a.station_segment, b.station_segment);
  diff_members(del, add, T, segment_addresses, nullptr, a.address_segment, b.address_segment);
  for (const auto& [id, p] : a.policies)
    if (!b.policies.count(id))
      for (const char* x : {"_fr", "_to"})
        drop << "delete chain inet " << T << " " << id << x << "\n";
  for (const auto& [id, p] : a.policies)
    if (!b.policies.count(id))
      drop << "delete set inet " << T << " " << stations_set(id) << "\ndelete set inet " << T << " "
           << addresses_set(id) << "\n";
  for (const auto& [name, s] : a.sets)
    if (!b.sets.count(name)) drop << "delete set inet " << T << " " << name << "\n";
  std::string d = decl.str();
  return (d.empty() ? "" : "table inet " + T + " {\n" + d + "}\n") + change.str() + del.str() +
         add.str() + drop.str();
}

}  // namespace gh::proto::router
