// The device's life after onboarding, from the operator's side (IR 8350 Figure 6): renewal,
// maintenance, unsupported, decommissioning, resale (transfer), repurpose, end of life, and the
// whole record of one device.
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "svc/device/device_run.h"
#include "svc/device/renewal.h"
#include "svc/site/device_view.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"

namespace gh::cli {

namespace {

struct Opened {
  std::unique_ptr<svc::Site> site;
  std::string serial;
};

// --state DIR and one SERIAL.
Result<Opened> open_for_serial(const Args& a, const char* command) {
  auto state = TRY(required(a, "state"));
  if (a.positional.size() != 1)
    return make_error("usage", std::string(command) + " takes one SERIAL");
  Opened o{TRY(svc::Site::open(state)), a.positional[0]};
  auto rec = TRY(o.site->inventory().get(o.serial));
  if (!rec) return make_error("inventory.unknown", o.serial + " is not in the inventory");
  return o;
}

store::Event operator_event(const std::string& serial, const std::string& kind,
                            const std::string& reason, const std::string& from, Json detail = {}) {
  if (!detail.is_object()) detail = Json::object();
  detail["from"] = from;
  detail["actor"] = "operator";
  return store::Event{0, 0, serial, kind, "ok", reason, detail.dump()};
}

int said(const Opened& o, const std::string& from) {
  auto rec = o.site->inventory().get(o.serial);
  std::string now = rec && *rec ? (*rec)->state : "?";
  std::cout << o.serial << ": " << from << " -> " << now << "\n";
  return kExitOk;
}

std::string current_state(Opened& o) {
  auto rec = o.site->inventory().get(o.serial);
  return rec && *rec ? (*rec)->state : "";
}

}  // namespace

int site_renew(const Args& a) {
  auto o = open_for_serial(a, "site renew");
  if (!o) return fail(o.error());
  const std::string what = a.has("rekey") ? "rekey" : "renew";
  const std::string from = current_state(*o);
  auto st = o->site->inventory().request_renewal(
      o->serial, what,
      operator_event(o->serial, "ldevid.renew-requested",
                     what == "rekey" ? "renewal with a new key requested" : "renewal requested",
                     from, Json{{"renewal", what}}));
  if (!st) return fail(st.error());
  std::cout << o->serial << ": " << what
            << " requested; the device's agent renews at its next contact (its old LDevID stays "
               "valid until it confirms the new one)\n";
  return kExitOk;
}

int site_decommission(const Args& a) {
  auto o = open_for_serial(a, "site decommission");
  if (!o) return fail(o.error());
  std::string reason = a.get("reason");
  if (reason.empty()) return fail(make_error("usage", "site decommission needs --reason TEXT"));
  const std::string from = current_state(*o);
  const auto t =
      a.has("transfer") ? store::Transition::kTransfer : store::Transition::kDecommission;
  auto st = o->site->revoke(o->serial, reason, store::Actor::kOperator, t);
  if (!st) return fail(st.error());
  said(*o, from);
  std::cout << "  credentials revoked (CRL " << o->site->crl_path()
            << "), network rules removed at the router's next round, the device's agent wipes it "
               "at its next contact\n";
  return kExitOk;
}

namespace {
int simple_transition(const Args& a, const char* command, store::Transition t,
                      bool reason_required) {
  auto o = open_for_serial(a, command);
  if (!o) return fail(o.error());
  std::string reason = a.get("reason");
  if (reason_required && reason.empty())
    return fail(make_error("usage", std::string(command) + " needs --reason TEXT"));
  const std::string from = current_state(*o);
  const auto& rule = store::rule_for(t);
  auto st = o->site->inventory().transition(
      o->serial, t, store::Actor::kOperator,
      operator_event(o->serial, rule.name, reason.empty() ? rule.name : reason, from,
                     Json{{"to", store::state_after(t, from)}}));
  if (!st) return fail(st.error());
  return said(*o, from);
}
}  // namespace

int site_retire(const Args& a) {
  return simple_transition(a, "site retire", store::Transition::kRetire, false);
}
int site_repurpose(const Args& a) {
  return simple_transition(a, "site repurpose", store::Transition::kRepurpose, false);
}
int site_unsupported(const Args& a) {
  return simple_transition(a, "site unsupported", store::Transition::kUnsupported, true);
}

int site_maintenance(const Args& a) {
  auto o = open_for_serial(a, "site maintenance");
  if (!o) return fail(o.error());
  std::string begin = a.get("begin");
  if (begin.empty() == !a.has("end"))
    return fail(make_error("usage", "site maintenance takes --begin some|other or --end"));
  std::string reason = a.get("reason");
  const std::string from = current_state(*o);
  Status st;
  if (a.has("end")) {
    st = o->site->inventory().transition(
        o->serial, store::Transition::kMaintenanceEnd, store::Actor::kOperator,
        operator_event(o->serial, "maintenance.end", reason.empty() ? "maintenance ended" : reason,
                       from, Json{{"to", "onboarded"}}));
  } else {
    if (begin != "some" && begin != "other")
      return fail(make_error("usage", "--begin takes some or other"));
    const std::string kind = begin + "-maintenance";
    st = o->site->inventory().begin_maintenance(
        o->serial, kind,
        operator_event(o->serial, "maintenance.begin", reason.empty() ? kind : reason, from,
                       Json{{"to", kind}}));
  }
  if (!st) return fail(st.error());
  return said(*o, from);
}

int site_device_show(const Args& a) {
  auto o = open_for_serial(a, "site devices show");
  if (!o) return fail(o.error());
  svc::PolicyStore policy(o->site->state_dir());
  auto shown = svc::device_detail_json(*o->site, policy, o->serial, a.has("history"));
  if (!shown) return fail(shown.error());
  const Json& j = *shown;
  if (a.has("json")) {
    print_json(j);
    return kExitOk;
  }
  auto str = [](const Json& v) {
    return terminal_safe(v.is_string() ? v.get<std::string>() : std::string());
  };
  // The view's RFC 3339 times, as every table prints them.
  auto when = [&str](const Json& v) {
    auto t = time::parse_rfc3339(str(v));
    return t ? readable_time(*t) : str(v);
  };
  const Json& pol = j["policy"];
  const Json& att = j["attestation"];
  const Json& app = j["application"];
  const std::string mud = str(j["mud_url"]);
  std::cout << "device        " << str(j["serial"]) << " (" << str(j["manufacturer"]) << " "
            << str(j["model"]) << ")\n"
            << "state         " << str(j["state"]) << " (phase: " << str(j["phase"])
            << (j["in_service"].get<bool>() ? ", in service" : ", out of service") << ")\n"
            << "policy        " << (pol["allow"].get<bool>() ? "allow" : "deny") << ", segment "
            << str(pol["segment"]) << " (rule '" << str(pol["rule"]) << "')\n"
            << "attestation   "
            << (att.is_object()
                    ? str(att["status"]) + " (" + str(att["check"]) + ") at " + when(att["at"])
                    : std::string("none yet"))
            << "\n"
            << "application   "
            << (str(app["status"]).empty() ? std::string("not reported")
                                           : str(app["status"]) + " " + str(app["version"]) + " (" +
                                                 str(app["path"]) + ")")
            << "\n"
            << "MUD URL       " << (mud.empty() ? "-" : mud) << "\n";
  if (!str(j["renewal_requested"]).empty())
    std::cout << "renewal       " << str(j["renewal_requested"]) << " requested\n";
  std::cout << "credentials   " << (j["credentials"].empty() ? "none" : "") << "\n";
  for (const auto& c : j["credentials"])
    std::cout << "  " << str(c["certificate_serial"]) << "  " << str(c["status"]) << "  issued "
              << when(c["issued_at"]) << "  until " << when(c["not_after"]) << "\n";
  if (a.has("history")) {
    std::cout << "history\n";
    Table t({"time", "kind", "outcome", "reason"});
    for (const auto& e : j["history"])
      t.add({when(e["at"]), str(e["kind"]), str(e["outcome"]), str(e["reason"])});
    t.print(std::cout);
  }
  return kExitOk;
}

int device_renew(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site_url = https_url(a, "site");
  if (!site_url) return fail(site_url.error());
  auto dev = svc::open_device(*state, /*allow_onboarded=*/true);
  if (!dev) return fail(dev.error());
  auto s = svc::site_session(*dev, *site_url);
  if (!s) return fail(s.error());
  auto r = svc::renew_ldevid(*dev, *s, !a.has("keep-key"));
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(Json{{"old_certificate", r->old_serial},
                    {"new_certificate", r->new_serial},
                    {"new_key", r->new_key},
                    {"not_after", time::format_rfc3339(r->not_after)}});
  } else {
    std::cout << "LDevID renewed: " << r->old_serial << " -> " << r->new_serial
              << (r->new_key ? " (new key)" : " (same key)") << ", valid until "
              << time::format_rfc3339(r->not_after) << "\n";
  }
  return kExitOk;
}

}  // namespace gh::cli
