// Compiles a validated MUD file into nftables rules (RFC 8520 section 4 semantics on the design in
// docs/protocols/mud.md section 8): one from-device and one to-device chain per MUD file, which
// every device declaring that file shares (nothing in them depends on the device); allowed
// flows `return` (a flow between two devices must pass the source's from-chain and the
// destination's to-chain); DNS names, manufacturers, models and controllers become named address
// sets the MUD manager keeps filled; default deny with a counter and a log group. I/O-free: the
// output is nft script text.
#pragma once

#include <string>
#include <vector>

#include "codec/mud.h"

namespace gh::proto::mud {

// A named address set a compiled policy refers to, and what fills it.
struct SetRef {
  std::string name;    // nft set name
  std::string family;  // "ipv4" or "ipv6"
  std::string kind;    // dns, manufacturer, model, controller, my-controller, local,
                       // local-services (address . protocol . port of the local DNS and NTP)
  std::string key;     // the DNS name, authority, URL or controller URI
  bool operator==(const SetRef&) const = default;
};

struct Compiled {
  std::string from_chain;               // "<id>_fr"
  std::string to_chain;                 // "<id>_to"
  std::vector<std::string> from_rules;  // one nft rule per line, in order
  std::vector<std::string> to_rules;
  std::vector<SetRef> sets;
  std::vector<std::string> notes;     // what could not be expressed exactly
  size_t from_tail = 0, to_tail = 0;  // closing rules at the end (drop accounting, default deny)
};

// An operator's rule over a MUD file (the local policy overlay, from the site policy's `mud:`
// section): a deny goes before the file's own rules, an allow after them (before the default
// deny). remotes: addresses or CIDR prefixes of the other end; port: the destination port.
struct OverlayRule {
  std::string name;
  std::string mud_url = "*";  // glob over the MUD URLs it applies to
  bool allow = false;
  bool from_device = true;
  std::vector<std::string> remotes;
  std::string protocol;  // "", tcp or udp
  int port = 0;          // 0: any (needs a protocol otherwise)
};

// The rule's match as nft text, one per address family it names ("ip daddr { ... } tcp dport N"),
// without a verdict.
std::vector<std::string> remote_matches(const OverlayRule& r);

// Adds the overlay rules whose mud_url matches `mud_url` to the compiled chains.
void apply_overlay(Compiled& c, const std::string& mud_url, const std::vector<OverlayRule>& rules);

// The authority of a URL ("mud.example.com" of "https://mud.example.com/x.json"): what RFC 8520's
// manufacturer and same-manufacturer match.
std::string authority(const std::string& url);

// The chain prefix a MUD file gets on a router, shared by every device that declares it: "m" +
// 10 hex digits of SHA-256(MUD URL).
std::string policy_chain_id(const std::string& mud_url);

// The dynamic sets, with a counter per element, where the router counts what each device tried
// and its MUD file does not allow: keyed by the device's port and MAC (from-device) and by its
// IPv4 address (to-device).
inline constexpr const char* kDropsFrom = "drops_fr";
inline constexpr const char* kDropsTo4 = "drops_to4";

// id: letters, digits and '_' (the chain prefix). account_drops: before the default deny, each
// chain adds the packet's device to kDropsFrom / kDropsTo4 (the router declares them; a
// standalone check does not).
Compiled compile(const codec::mud::File& file, const std::string& id, bool account_drops = false);

// The nft declaration of one set ("  set NAME { ... }\n"), with elements when given (for the
// local-services set: "ADDRESS . udp . 53" and the like).
std::string set_declaration(const SetRef& set, const std::vector<std::string>& elements);

// A self-contained script (table inet <table> with the sets and both chains) that `nft -c -f`
// accepts: what `gatehouse mud check` prints.
std::string standalone_script(const Compiled& c, const std::string& table);

}  // namespace gh::proto::mud
