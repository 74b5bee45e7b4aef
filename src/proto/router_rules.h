// The router's nftables table as data, and the transactions that bring the kernel from one state
// of it to the next (I/O-free: the output is nft script text for one atomic transaction).
//
// Segments: each admitted device is in the segment the authorization policy gave it; the router
// drops traffic from a device to a device of another segment (the device ports are routed, so the
// router is the only path between them).
//
// Layout (docs/protocols/mud.md section 8): one pair of chains per MUD file, shared by every device
// that declares it; a device is reached through verdict maps keyed by its port and MAC
// (from-device) and by its address (to-device). Admitting, moving or dropping a device is then a
// change of map elements only: the kernel validates a jump element against a handful of chains,
// not against one chain per device, so a single device's change costs the same at 10 or 10,000
// devices. Per-device drop counts live in dynamic sets with a counter per element, which survive
// every incremental change.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/mud_nft.h"

namespace gh::proto::router {

// What does not change with the devices: the table's name and the ports around the router.
struct Frame {
  std::string table;
  std::string upstream_port;    // the site's port (trusted)
  std::string device_ports;     // nft wildcard, e.g. "r-dev*"
  std::string onboarding_addr;  // registrar and DPP controller
  std::vector<int> onboarding_ports;
  bool operator==(const Frame&) const = default;
};

struct Policy {
  std::vector<std::string> from_rules, to_rules;  // chains <id>_fr and <id>_to
  bool operator==(const Policy&) const = default;
};

struct AddressSet {
  mud::SetRef ref;
  std::vector<std::string> elements;  // sorted
  bool operator==(const AddressSet&) const = default;
};

// The site's onboarding services as an nft match ("ip daddr A tcp dport { P, Q }"): what every
// device port reaches, and what a quarantined device reaches unless the policy names otherwise.
std::string onboarding_services(const Frame& f);

// A station on a port, as nft writes the key: "\"r-dev1\" . 02:00:00:00:00:01".
std::string station_key(const std::string& port, const std::string& mac);

struct Table {
  std::map<std::string, Policy> policies;   // by chain id (mud::policy_chain_id)
  std::map<std::string, AddressSet> sets;   // by set name
  std::map<std::string, std::string> from;  // station_key -> policy id (admitted stations)
  std::map<std::string, std::string> to;    // IPv4 address -> policy id (admitted addresses)
  // The authorization policy's segment of each admitted station and address: devices in
  // different segments cannot reach each other, whatever their MUD files allow.
  std::map<std::string, std::string> station_segment, address_segment;
  // The quarantine segment: authenticated stations of quarantined devices, which reach only what
  // quarantine_rules accept (the lifecycle service; nft rule texts ending in a verdict), then
  // nothing. Every other device's traffic to them is refused (they are not admitted).
  std::set<std::string> quarantined;  // station keys
  std::vector<std::string> quarantine_rules;
  bool operator==(const Table&) const = default;
};

// Adds a compiled MUD file under its id (chains "<id>_fr", "<id>_to") with the sets it refers to
// (elements filled later by the caller).
void add_policy(Table& t, const std::string& id, const mud::Compiled& c);

// An admitted device as the abstraction sets see it.
struct Member {
  std::string mud_url;
  std::string address;  // "" when it has none yet
};
// Fills the sets of RFC 8520's abstractions the policies refer to: manufacturer (and
// same-manufacturer) with the addresses of the admitted devices whose MUD URL has that authority,
// model with those declaring that MUD URL, controller and my-controller with the addresses the
// site's policy names (by class URI, by MUD URL). Addresses go to the set of their family.
void fill_abstraction_sets(Table& t, const std::vector<Member>& members,
                           const std::map<std::string, std::vector<std::string>>& controllers,
                           const std::map<std::string, std::vector<std::string>>& my_controllers);

// The whole table from nothing (replacing any table of that name), in one transaction.
std::string full_script(const Frame& f, const Table& t);

// The transaction that turns `from` into `to` on a kernel holding `from` under the same frame;
// "" when they are equal. Counters in untouched chains and the drop sets are kept.
std::string delta_script(const Frame& f, const Table& from, const Table& to);

}  // namespace gh::proto::router
