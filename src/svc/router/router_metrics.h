// The router agent's own metrics (`router serve --metrics-listen HOST:PORT`: plain HTTP on the
// router's management side, metrics::HttpEndpoint), counted by its loop since it started: 802.1X
// sessions authenticated and how the site's admission judged them, EAP failures by hostapd's
// reason, ruleset applications (incremental transactions and whole tables) and how long nftables
// took, the table's size, and the drops its counters hold. The site's /metrics counts the same
// sessions from the evidence log; these are the router's view, with what only it sees.
#pragma once

#include <cstdint>
#include <string>

#include "svc/router/authenticator.h"
#include "svc/router/router_agent.h"
#include "svc/site/admission.h"

namespace gh::svc::router_metrics {

// An authenticator event; verdict: the admission's judgement of an "authenticated" one.
void eap_event(const EapEvent& e, const SessionVerdict* verdict);
// One nft transaction: mode "incremental" (only what changed) or "full" (the whole table).
void nft_applied(const std::string& mode, bool ok, double seconds);
// The table now in force and the sessions behind it.
void table(const RouterView& view, size_t sessions);
// What the drop counters hold now: MUD default-deny drops summed over the admitted devices, and
// the onboarding segment's rejects.
void drops(uint64_t mud_denied, uint64_t onboarding_rejected);

// The whole scrape, text format 0.0.4.
std::string scrape();

}  // namespace gh::svc::router_metrics
