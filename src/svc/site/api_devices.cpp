// /devices and /actions: the inventory filtered, sorted and paged; one device whole; the
// operator's actions on one device or on a filtered set.
#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

#include "proto/policy.h"
#include "store/lifecycle.h"
#include "svc/site/api_call.h"
#include "svc/site/device_actions.h"
#include "svc/site/device_view.h"

namespace gh::svc {
namespace {

constexpr int64_t kMaxPage = 500;
// A bulk action touches at most this many devices; a wider filter is refused, not cut short.
constexpr size_t kMaxBulk = 500;

const std::vector<std::string> kFilterKeys = {
    "state", "phase", "model", "manufacturer", "attestation", "serial", "segment", "protocol", "q"};

// What a listing knows of a device beyond its record: how it was onboarded (device_view.h) and
// the segment the policy in force puts it in when it connects.
struct Derived {
  std::string protocol;
  std::string segment;
};

// The derived fields for every device of a listing: one read of the DPP configurations and one
// of the policy, then an evaluation per device in memory.
class Deriver {
 public:
  static Result<Deriver> open(Site& site, PolicyStore& policy) {
    Deriver d;
    for (const auto& c : TRY(site.inventory().dpp_configurations(true))) d.dpp_.insert(c.device);
    d.policy_ = policy.current(nullptr);
    return d;
  }
  Derived of(const store::DeviceRecord& r) const {
    return Derived{onboarding_protocol(r, dpp_),
                   proto::policy::evaluate(policy_, subject_for(r, "connect")).segment};
  }

 private:
  std::set<std::string> dpp_;
  proto::policy::Policy policy_ = proto::policy::Policy::builtin();
};

// What GET /devices and POST /actions select devices by. Within a field any value matches (OR);
// every field given must match (AND). model, manufacturer and segment take globs (* and ?), as
// the policy.
struct DeviceFilter {
  std::map<std::string, std::vector<std::string>> any;  // field -> accepted values
  std::string q;                                        // substring of the serial

  bool empty() const { return any.empty() && q.empty(); }

  bool matches(const store::DeviceRecord& d, const Derived& x) const {
    auto field = [&](const std::string& f) -> std::string {
      if (f == "segment") return x.segment;
      if (f == "protocol") return x.protocol;
      if (f == "state") return d.state;
      if (f == "phase") return store::lifecycle_phase(d.state, d.app_status);
      if (f == "model") return d.model;
      if (f == "manufacturer") return d.manufacturer;
      if (f == "attestation") return d.attestation_status.empty() ? "none" : d.attestation_status;
      return d.serial;
    };
    for (const auto& [f, values] : any) {
      const std::string have = field(f);
      bool glob = f == "model" || f == "manufacturer" || f == "segment";
      if (std::none_of(values.begin(), values.end(), [&](const std::string& v) {
            return glob ? proto::policy::glob_match(v, have) : v == have;
          }))
        return false;
    }
    return q.empty() || d.serial.find(q) != std::string::npos;
  }
};

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    std::string v = trim(std::string_view(s).substr(at, comma - at));
    if (!v.empty()) out.push_back(v);
    at = comma + 1;
  }
  return out;
}

Status check_values(const std::string& field, const std::vector<std::string>& values) {
  static const std::vector<std::string> tiers = {"affirming", "warning", "contraindicated", "none",
                                                 "stale"};
  std::vector<std::string> allowed;
  if (field == "state") allowed = store::lifecycle_states();
  if (field == "phase") {
    allowed = store::lifecycle_states();
    allowed.insert(allowed.end(), {"onboarding", "commissioned", "operational"});
  }
  if (field == "attestation") allowed = tiers;
  if (field == "protocol") allowed = {"brski", "dpp", "none"};
  if (values.empty()) return make_error("api.filter", field + " names no value");
  if (allowed.empty()) return ok_status();
  for (const auto& v : values)
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      return make_error("api.filter", "no " + field + " '" + v + "'");
  return ok_status();
}

Result<DeviceFilter> filter_from_query(const ApiCall& c) {
  DeviceFilter f;
  for (const auto& key : kFilterKeys) {
    auto it = c.query.find(key);
    if (it == c.query.end()) continue;
    if (key == "q") {
      f.q = it->second;
      continue;
    }
    auto values = comma_list(it->second);
    TRY(check_values(key, values));
    f.any[key] = std::move(values);
  }
  return f;
}

Result<DeviceFilter> filter_from_json(const Json& j) {
  if (!j.is_object()) return make_error("api.filter", "filter must be an object");
  DeviceFilter f;
  for (const auto& [key, v] : j.items()) {
    if (std::find(kFilterKeys.begin(), kFilterKeys.end(), key) == kFilterKeys.end())
      return make_error("api.filter", "no filter field '" + key + "'");
    if (key == "q") {
      if (!v.is_string()) return make_error("api.filter", "q must be a string");
      f.q = v.get<std::string>();
      continue;
    }
    std::vector<std::string> values;
    if (v.is_string()) {
      values = comma_list(v.get<std::string>());
    } else if (v.is_array()) {
      for (const auto& e : v) {
        if (!e.is_string()) return make_error("api.filter", key + " must list strings");
        values.push_back(e.get<std::string>());
      }
    } else {
      return make_error("api.filter", key + " must be a string or a list of strings");
    }
    TRY(check_values(key, values));
    f.any[key] = std::move(values);
  }
  return f;
}

Json filter_json(const DeviceFilter& f) {
  Json j = Json::object();
  for (const auto& [k, v] : f.any) j[k] = v;
  if (!f.q.empty()) j["q"] = f.q;
  return j;
}

Status sort_devices(std::vector<store::DeviceRecord>& devices, const std::string& sort) {
  bool desc = !sort.empty() && sort[0] == '-';
  std::string key = desc ? sort.substr(1) : sort;
  const auto& states = store::lifecycle_states();
  auto rank = [&](const std::string& s) {
    return std::find(states.begin(), states.end(), s) - states.begin();
  };
  std::function<bool(const store::DeviceRecord&, const store::DeviceRecord&)> less;
  if (key == "serial") {
    less = [](const auto& a, const auto& b) { return a.serial < b.serial; };
  } else if (key == "state") {
    less = [&](const auto& a, const auto& b) {
      return std::make_pair(rank(a.state), a.serial) < std::make_pair(rank(b.state), b.serial);
    };
  } else if (key == "updated_at") {
    less = [](const auto& a, const auto& b) {
      return std::tie(a.updated_at, a.serial) < std::tie(b.updated_at, b.serial);
    };
  } else {
    return make_error("api.query", "sort takes serial, state or updated_at (- for descending)");
  }
  std::sort(devices.begin(), devices.end(),
            [&](const auto& a, const auto& b) { return desc ? less(b, a) : less(a, b); });
  return ok_status();
}

// The action a /devices/{serial}/<action> route names (its last segment).
DeviceAction route_action(const ApiService::Route& r) {
  std::string path = r.path;
  return parse_action(path.substr(path.rfind('/') + 1)).value_or(DeviceAction::kQuarantine);
}

// The body of an action: reason, and rekey (renew) or transfer (decommission).
Result<ActionRequest> action_request(DeviceAction a, const Json& body, const std::string& by) {
  ActionRequest r;
  r.action = a;
  r.by = by;
  r.reason = TRY(api::body_string(body, "reason"));
  r.rekey = TRY(api::body_bool(body, "rekey"));
  r.transfer = TRY(api::body_bool(body, "transfer"));
  if (r.rekey && a != DeviceAction::kRenew)
    return make_error("api.body", "rekey is for renew only");
  if (r.transfer && a != DeviceAction::kDecommission)
    return make_error("api.body", "transfer is for decommission only");
  return r;
}

}  // namespace

net::HttpResponse ApiService::list_devices(ApiCall& c) {
  std::set<std::string> known(kFilterKeys.begin(), kFilterKeys.end());
  known.insert({"sort", "page", "limit"});
  if (auto st = api::only_params(c, known); !st) return api::error(st.error());
  auto filter = filter_from_query(c);
  if (!filter) return api::error(filter.error());
  auto page = api::int_param(c, "page", 1, 1, 1'000'000);
  if (!page) return api::error(page.error());
  auto limit = api::int_param(c, "limit", 100, 1, kMaxPage);
  if (!limit) return api::error(limit.error());
  auto all = site_->inventory().list();
  if (!all) return api::error(all.error());
  auto deriver = Deriver::open(*site_, *policy_);
  if (!deriver) return api::error(deriver.error());
  std::vector<store::DeviceRecord> picked;
  for (auto& d : *all)
    if (filter->matches(d, deriver->of(d))) picked.push_back(std::move(d));
  auto sort = c.query.count("sort") ? c.query.at("sort") : "serial";
  if (auto st = sort_devices(picked, sort); !st) return api::error(st.error());
  Json devices = Json::array();
  size_t from = static_cast<size_t>((*page - 1) * *limit);
  for (size_t i = from; i < picked.size() && i < from + static_cast<size_t>(*limit); ++i) {
    Json j = device_summary_json(picked[i]);
    Derived x = deriver->of(picked[i]);
    j["protocol"] = x.protocol;
    j["segment"] = x.segment;
    devices.push_back(std::move(j));
  }
  return api::json(
      200,
      Json{{"total", picked.size()}, {"page", *page}, {"limit", *limit}, {"devices", devices}});
}

net::HttpResponse ApiService::show_device(ApiCall& c) {
  if (auto st = api::only_params(c, {"history"}); !st) return api::error(st.error());
  std::string history = c.query.count("history") ? c.query.at("history") : "true";
  if (history != "true" && history != "false")
    return api::error("api.query", "history takes true or false");
  auto j = device_detail_json(*site_, *policy_, c.params.at("serial"), history == "true");
  if (!j) return api::error(j.error());
  return api::json(200, *j);
}

net::HttpResponse ApiService::device_action(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  const DeviceAction action = route_action(c.route);
  auto body = api::body_object(c, {"reason", "rekey", "transfer"});
  if (!body) return api::error(body.error());
  auto r = action_request(action, *body, c.who());
  if (!r) return api::error(r.error());
  const std::string& serial = c.params.at("serial");
  auto done = apply_device_action(*site_, serial, *r);
  if (!done) return api::error(done.error());
  return api::json(200, Json{{"serial", serial},
                             {"action", action_name(action)},
                             {"from", done->from},
                             {"to", done->to},
                             {"operator", c.who()}});
}

net::HttpResponse ApiService::bulk_action(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  auto action = parse_action(c.params.at("action"));
  if (!action) return api::error("api.route", "no action '" + c.params.at("action") + "'");
  auto body = api::body_object(c, {"filter", "reason", "rekey", "transfer", "dry_run"});
  if (!body) return api::error(body.error());
  if (!body->contains("filter"))
    return api::error("api.filter", "name the devices with a filter (an empty one is refused)");
  auto filter = filter_from_json((*body)["filter"]);
  if (!filter) return api::error(filter.error());
  if (filter->empty())
    return api::error("api.filter", "an empty filter would act on every device; name them");
  auto dry_run = api::body_bool(*body, "dry_run");
  if (!dry_run) return api::error(dry_run.error());
  Json rest = *body;
  rest.erase("filter");
  rest.erase("dry_run");
  auto r = action_request(*action, rest, c.who());
  if (!r) return api::error(r.error());
  if (reason_required(*action) && r->reason.empty())
    return api::error("api.reason", std::string(action_name(*action)) + " needs a reason");
  auto all = site_->inventory().list();
  if (!all) return api::error(all.error());
  auto deriver = Deriver::open(*site_, *policy_);
  if (!deriver) return api::error(deriver.error());
  std::vector<std::string> serials;
  for (const auto& d : *all)
    if (filter->matches(d, deriver->of(d))) serials.push_back(d.serial);
  if (serials.size() > kMaxBulk)
    return api::error("api.filter", "the filter matches " + std::to_string(serials.size()) +
                                        " devices; at most " + std::to_string(kMaxBulk) +
                                        " at once");
  Json results = Json::array();
  size_t succeeded = 0;
  for (const auto& serial : serials) {
    if (*dry_run) {
      results.push_back(Json{{"serial", serial}, {"ok", true}, {"dry_run", true}});
      continue;
    }
    auto done = apply_device_action(*site_, serial, *r);
    if (done) {
      ++succeeded;
      results.push_back(
          Json{{"serial", serial}, {"ok", true}, {"from", done->from}, {"to", done->to}});
    } else {
      results.push_back(Json{{"serial", serial},
                             {"ok", false},
                             {"check", done.error().code},
                             {"message", done.error().message}});
    }
  }
  Json summary{{"action", action_name(*action)},
               {"filter", filter_json(*filter)},
               {"dry_run", *dry_run},
               {"matched", serials.size()},
               {"succeeded", succeeded},
               {"failed", *dry_run ? 0 : serials.size() - succeeded}};
  if (!*dry_run) {
    Json detail = summary;
    detail["operator"] = c.who();
    detail["actor"] = "operator";
    detail["via"] = "api";
    (void)site_->inventory().append(
        store::Event{0, 0, "", "api.bulk-action", "ok",
                     r->reason.empty() ? action_name(*action) : r->reason, detail.dump()});
  }
  summary["results"] = std::move(results);
  return api::json(200, summary);
}

}  // namespace gh::svc
