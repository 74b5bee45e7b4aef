#include "svc/device/attest_client.h"

#include <algorithm>

#include "common/json.h"

namespace gh::svc {

Result<AttestReply> attest_over(net::HttpClient& client, const EvidenceMaker& evidence) {
  auto ch = TRY(client.request("GET", "/.well-known/gatehouse/attest/challenge", {}, ""));
  if (ch.status == 404)
    return make_error("attest.unsupported", "the site does not take attestation evidence");
  if (ch.status != 200) return ch.refusal("attestation challenge refused", "attest.http");
  auto cj = TRY(parse_json(ch.body, "attest.challenge", {64 * 1024, 8, 1000}));
  auto nonce = TRY(hex_decode(TRY(json_string(cj, "nonce", "challenge"))));
  const std::string renewal = json_string_or(cj, "renewal", "");
  auto token = TRY(evidence(nonce));
  auto ev = TRY(client.request("POST", "/.well-known/gatehouse/attest/evidence",
                               {{"Content-Type", "application/eat+cwt"}}, to_string(token)));
  if (ev.status != 200) return ev.refusal("attestation evidence refused", "attest.http");
  auto j = TRY(parse_json(ev.body, "attest.result", {64 * 1024, 8, 1000}));
  AttestReply r;
  r.status = json_string_or(j, "status", "");
  r.check = json_string_or(j, "check", "");
  r.reason = json_string_or(j, "reason", "");
  r.action = json_string_or(j, "action", "keep");
  r.ear = json_string_or(j, "ear", "");
  r.renewal = renewal;
  if (auto i = j.find("interval"); i != j.end() && i->is_number_integer())
    r.interval_s = static_cast<int>(std::clamp<int64_t>(i->get<int64_t>(), 1, 86400));
  if (r.status.empty()) return make_error("attest.result", "the site's answer has no status");
  return r;
}

}  // namespace gh::svc
