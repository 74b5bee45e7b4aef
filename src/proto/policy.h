// The authorization policy (NIST IR 8350 5.1.2; SP 1800-36 build 5): ordered rules over what the
// site knows about a device, each giving allow or deny and a network segment. First match wins;
// the default applies when none matches. Parsed from YAML, refused whole on any error.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "proto/mud_nft.h"

namespace gh::proto::policy {

// What a policy may cost. yaml-cpp keeps an alias as a second reference to its anchor's nodes, so a
// small file can stand for millions of nodes once read: a 206 KB policy that repeats a
// 10,000-entry list 1,000 times by aliases would hold ~1 GB as rule values. Nodes are counted as a
// reader that follows every alias meets them, before the document is loaded.
inline constexpr size_t kMaxPolicyBytes = 1024 * 1024;
inline constexpr uint64_t kMaxPolicyNodes = 100'000;
inline constexpr int kMaxPolicyDepth = 32;

// What a decision is about. Empty strings are "unknown".
struct Subject {
  std::string serial;
  std::string manufacturer;
  std::string model;
  std::string bundle;  // SHA-256 of the bundle the device came in (hex)
  std::string owner;   // the declaration's owner name
  std::string mud_url;
  std::string protocol;  // brski, dpp, connect
  // The latest attestation result's AR4SI tier: affirming, warning, contraindicated; "none" when
  // never appraised, "stale" when fresh evidence is overdue.
  std::string attestation;
  std::string source;  // bundle (imported), added (a DPP URI the site was given), unknown
  // The lifecycle state (store/lifecycle.h): a rule can put an unsupported device, or one in
  // other-maintenance, in a segment of its own.
  std::string state;
};

struct Rule {
  std::string name;
  // field -> accepted values (glob patterns with * and ?); all fields must match (AND), any
  // value within a field (OR). Fields: serial, manufacturer, model, bundle, owner, mud
  // (present/absent), protocol, attestation, source, state.
  std::map<std::string, std::vector<std::string>> match;
  bool allow = false;
  std::string segment;
};

struct Policy {
  std::vector<Rule> rules;
  bool default_allow = false;
  std::string default_segment = "default";
  std::string origin = "built-in";  // where it came from
  // The site's answers to RFC 8520's controller abstractions (section `mud:` of the file):
  // class URI -> addresses ("controller"), MUD URL -> addresses ("my-controller").
  std::map<std::string, std::vector<std::string>> controllers;
  std::map<std::string, std::vector<std::string>> my_controllers;
  // The local policy overlay over MUD files (`mud: overlay:`), in order.
  std::vector<mud::OverlayRule> overlay;
  // What a quarantined device may reach (`quarantine: reach:`, the lifecycle service): set means
  // the file says (an empty list: nothing); otherwise the site's onboarding services.
  std::vector<mud::OverlayRule> quarantine_reach;
  bool quarantine_reach_set = false;
  // Continuous assurance (`assurance:`): what the site does when a device's attestation result is
  // warning, contraindicated or stale: "keep" (the rules decide its segment, e.g. a restricted
  // one by an `attestation:` match), "quarantine" or "revoke"; how often devices attest, and after
  // how long without fresh evidence a result is stale.
  struct Assurance {
    std::string warning = "keep";
    std::string contraindicated = "quarantine";
    std::string stale = "keep";
    int interval_s = 60;
    int stale_after_s = 180;
    // The action for a tier ("affirming" and "none": keep).
    const std::string& action_for(const std::string& tier) const;
  } assurance;

  // The built-in policy when the site has no policy file: allow (the protocols' own checks, such as
  // "expected from a bundle", still apply), segment "default".
  static Policy builtin();
  // What a service runs when the site's policy file does not parse and it has no good policy of
  // that file to keep (it started while the file was broken): deny everything, fail closed.
  static Policy deny_all(const std::string& origin);
  // Refuses with "policy.file" naming the YAML path of the first problem, and with "policy.size"
  // a text or a node count (aliases followed) beyond the limits above.
  static Result<Policy> parse_yaml(std::string_view text, const std::string& origin);
};

struct Decision {
  bool allow = false;
  std::string segment;
  std::string rule;    // the rule's name, or "default"
  std::string origin;  // the policy's origin
  Json to_json() const;
};

Decision evaluate(const Policy& policy, const Subject& subject);

// Glob match with * and ? (no character classes).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace gh::proto::policy
