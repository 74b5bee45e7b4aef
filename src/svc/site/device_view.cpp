#include "svc/site/device_view.h"

#include "proto/mud_nft.h"
#include "store/lifecycle.h"
#include "svc/site/device_actions.h"
#include "svc/site/mud_manager.h"

namespace gh::svc {
namespace {

Json credentials_json(const std::vector<store::IssuedCredential>& creds) {
  Json out = Json::array();
  for (const auto& c : creds)
    out.push_back(Json{{"certificate_serial", c.serial_hex},
                       {"status", c.status},
                       {"issued_at", time::format_rfc3339(c.issued_at)},
                       {"not_after", time::format_rfc3339(c.not_after)},
                       {"ended_at", c.ended_at ? Json(time::format_rfc3339(c.ended_at)) : Json()}});
  return out;
}

// The rules the router applies for the device's MUD file, from the site's verified copy (no
// network here: null until the MUD manager has fetched it).
Json mud_rules_json(Site& site, PolicyStore& policy, const std::string& url) {
  if (url.empty()) return Json();
  auto copy = MudManager::cached(site.state_dir(), url);
  if (!copy || !*copy) return Json();
  auto compiled = proto::mud::compile((*copy)->file, proto::mud::policy_chain_id(url));
  proto::mud::apply_overlay(compiled, url, policy.current(nullptr).overlay);
  // What the rules' named sets stand for (a DNS name, a manufacturer, a controller), so that a
  // reader sees what the device may reach and not only set names.
  Json sets = Json::array();
  for (const auto& r : compiled.sets)
    sets.push_back(Json{{"name", r.name}, {"family", r.family}, {"kind", r.kind}, {"key", r.key}});
  return Json{{"signer", (*copy)->signer},
              {"fetched_at", time::format_rfc3339((*copy)->fetched_at)},
              {"from_device", compiled.from_rules},
              {"to_device", compiled.to_rules},
              {"sets", sets}};
}

}  // namespace

Json event_json(const store::Event& e) {
  auto detail = parse_json(e.detail, "detail");
  return Json{{"id", e.id},
              {"at", time::format_rfc3339(e.at)},
              {"serial", e.serial},
              {"kind", e.kind},
              {"outcome", e.outcome},
              {"reason", e.reason},
              {"detail", detail ? *detail : Json(e.detail)}};
}

Json device_summary_json(const store::DeviceRecord& d) {
  return Json{{"serial", d.serial},
              {"model", d.model},
              {"manufacturer", d.manufacturer},
              {"state", d.state},
              {"phase", store::lifecycle_phase(d.state, d.app_status)},
              {"in_service", store::in_service(d.state)},
              {"attestation", d.attestation_status.empty() ? "none" : d.attestation_status},
              {"mud_url", d.enforced_mud_url()},
              {"ldevid_serial", d.ldevid_serial},
              {"ldevid_not_after",
               d.ldevid_not_after ? Json(time::format_rfc3339(d.ldevid_not_after)) : Json()},
              {"renewal_requested", d.renewal},
              {"app_status", d.app_status},
              {"app_version", d.app_version},
              {"updated_at", time::format_rfc3339(d.updated_at)}};
}

Result<Json> policy_check_json(Site& site, PolicyStore& policy, const std::string& serial,
                               const std::string& protocol) {
  auto rec = TRY(site.inventory().get(serial));
  if (!rec) return make_error("policy.unknown-device", serial + " is not in the inventory");
  auto subject = subject_for(*rec, protocol);
  auto d = policy.decide(subject, &site.inventory());
  Json j = d.to_json();
  j["serial"] = subject.serial;
  j["subject"] = {{"manufacturer", subject.manufacturer},
                  {"model", subject.model},
                  {"owner", subject.owner},
                  {"bundle", subject.bundle},
                  {"mud", subject.mud_url.empty() ? "absent" : "present"},
                  {"protocol", subject.protocol}};
  return j;
}

std::string onboarding_protocol(const store::DeviceRecord& d,
                                const std::set<std::string>& dpp_serials) {
  if (!d.voucher.empty()) return "brski";
  if (dpp_serials.count(d.serial)) return "dpp";
  return "none";
}

Result<Json> device_detail_json(Site& site, PolicyStore& policy, const std::string& serial,
                                bool history) {
  auto& inv = site.inventory();
  auto rec = TRY(inv.get(serial));
  if (!rec) return make_error("inventory.unknown", serial + " is not in the inventory");
  const auto& d = *rec;
  auto creds = TRY(inv.credentials(serial));
  auto att = TRY(inv.latest_attestation(serial));
  auto decision = policy.decide(subject_for(d, "connect"), nullptr);
  Json j{{"serial", d.serial},
         {"model", d.model},
         {"manufacturer", d.manufacturer},
         {"state", d.state},
         {"phase", store::lifecycle_phase(d.state, d.app_status)},
         {"in_service", store::in_service(d.state)},
         {"renewal_requested", d.renewal},
         {"credentials", credentials_json(creds)},
         {"mud_url", d.enforced_mud_url()},
         {"mud", mud_rules_json(site, policy, d.enforced_mud_url())},
         {"policy",
          Json{{"allow", decision.allow}, {"segment", decision.segment}, {"rule", decision.rule}}},
         {"attestation", att ? Json{{"status", att->status},
                                    {"check", att->check},
                                    {"release", att->release},
                                    {"at", time::format_rfc3339(att->at)}}
                             : Json()},
         {"application",
          Json{{"status", d.app_status}, {"path", d.app_path}, {"version", d.app_version}}},
         {"declaration_version", d.declaration_version},
         {"bundle", d.bundle_id},
         {"updated_at", time::format_rfc3339(d.updated_at)}};
  Json actions = Json::array();
  for (auto a : actions_from(d.state)) actions.push_back(action_name(a));
  j["actions"] = std::move(actions);
  if (history) {
    Json h = Json::array();
    for (const auto& e : TRY(inv.events(serial))) h.push_back(event_json(e));
    j["history"] = std::move(h);
  }
  return j;
}

}  // namespace gh::svc
