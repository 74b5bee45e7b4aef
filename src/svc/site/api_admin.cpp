// /policy, /manufacturers, /bundles, /operators: what the site trusts and who may use the API.
#include "common/fs.h"
#include "crypto/digest.h"
#include "svc/site/api_call.h"
#include "svc/site/device_view.h"

namespace gh::svc {
namespace {

// An entity tag for the policy file's text (or the built-in policy), for If-Match on PUT.
std::string policy_etag(const std::optional<std::string>& text) {
  return "\"" + (text ? hex_encode(crypto::sha256(*text)) : std::string("built-in")) + "\"";
}

Json policy_summary(const proto::policy::Policy& p) {
  Json rules = Json::array();
  for (const auto& r : p.rules)
    rules.push_back(Json{{"name", r.name},
                         {"match", r.match},
                         {"action", r.allow ? "allow" : "deny"},
                         {"segment", r.segment}});
  return Json{{"origin", p.origin},
              {"default", Json{{"action", p.default_allow ? "allow" : "deny"},
                               {"segment", p.default_segment}}},
              {"rules", rules},
              {"mud_overlay_rules", p.overlay.size()},
              {"assurance", Json{{"warning", p.assurance.warning},
                                 {"contraindicated", p.assurance.contraindicated},
                                 {"stale", p.assurance.stale},
                                 {"interval_s", p.assurance.interval_s},
                                 {"stale_after_s", p.assurance.stale_after_s}}}};
}

// The policy file's text; nullopt when there is none (the built-in policy applies).
Result<std::optional<std::string>> policy_text(const std::string& state_dir) {
  const std::string path = PolicyStore::path(state_dir);
  if (!fs::exists(path)) return std::optional<std::string>();
  return std::optional<std::string>(
      TRY(fs::read_file_limited(path, proto::policy::kMaxPolicyBytes, "policy.size")));
}

Json operator_public_json(const ApiOperator& o) {
  return Json{{"name", o.name},
              {"role", role_name(o.role)},
              {"created_at", time::format_rfc3339(o.created_at)},
              {"created_by", o.created_by}};
}

}  // namespace

net::HttpResponse ApiService::get_policy(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  const std::string path = PolicyStore::path(site_->state_dir());
  auto text = policy_text(site_->state_dir());
  if (!text) return api::error(text.error());
  Json j{{"path", path},
         {"source", *text ? "file" : "built-in"},
         {"yaml", *text ? Json(**text) : Json()}};
  if (!*text) {
    j["valid"] = true;
    j["summary"] = policy_summary(proto::policy::Policy::builtin());
  } else if (auto parsed = proto::policy::Policy::parse_yaml(**text, path); parsed) {
    j["valid"] = true;
    j["summary"] = policy_summary(*parsed);
  } else {
    // Written behind the site's back and broken: the services keep the policy they had.
    j["valid"] = false;
    j["error"] = Json{{"check", parsed.error().code}, {"message", parsed.error().message}};
    j["running"] = policy_->current(nullptr).origin;
  }
  auto r = api::json(200, j);
  r.headers.emplace_back("ETag", policy_etag(*text));
  return r;
}

net::HttpResponse ApiService::put_policy(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  const std::string& yaml = c.req.body;
  if (trim(yaml).empty()) return api::error("policy.file", "the body is the policy file (YAML)");
  const std::string path = PolicyStore::path(site_->state_dir());
  // The same whole-file validation as `site policy set`: a file with any error changes nothing.
  auto parsed = proto::policy::Policy::parse_yaml(yaml, path);
  if (!parsed) return api::error(parsed.error());
  if (const std::string want = c.req.header("if-match"); !want.empty() && want != "*") {
    auto text = policy_text(site_->state_dir());
    if (!text) return api::error(text.error());
    if (want != policy_etag(*text))
      return api::error("policy.conflict",
                        "the policy changed since it was read (If-Match " + want + ")");
  }
  if (auto st = fs::write_file_atomic(path, yaml, 0644); !st) return api::error(st.error(), 500);
  (void)site_->inventory().append(
      store::Event{0, 0, "", "policy.set", "ok", "policy installed",
                   Json{{"rules", parsed->rules.size()},
                        {"default", parsed->default_allow ? "allow" : "deny"},
                        {"operator", c.who()},
                        {"actor", "operator"},
                        {"via", "api"}}
                       .dump()});
  auto r = api::json(200, Json{{"installed", path}, {"summary", policy_summary(*parsed)}});
  r.headers.emplace_back("ETag", policy_etag(yaml));
  return r;
}

net::HttpResponse ApiService::policy_decision(ApiCall& c) {
  if (auto st = api::only_params(c, {"serial", "protocol"}); !st) return api::error(st.error());
  auto serial = c.query.find("serial");
  if (serial == c.query.end() || serial->second.empty())
    return api::error("api.query", "name the device: ?serial=SERIAL");
  const std::string protocol = c.query.count("protocol") ? c.query.at("protocol") : "connect";
  if (protocol != "brski" && protocol != "dpp" && protocol != "connect")
    return api::error("api.query", "protocol takes brski, dpp or connect");
  // The same evaluation as `site policy check`, on the policy the services run.
  auto j = policy_check_json(*site_, *policy_, serial->second, protocol);
  if (!j) return api::error(j.error());
  return api::json(200, *j);
}

net::HttpResponse ApiService::list_manufacturers(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  auto ms = site_->inventory().manufacturers();
  if (!ms) return api::error(ms.error());
  auto devices = site_->inventory().list();
  if (!devices) return api::error(devices.error());
  std::map<std::string, int> counts;
  for (const auto& d : *devices) counts[d.manufacturer]++;
  Json arr = Json::array();
  for (const auto& m : *ms)
    arr.push_back(Json{{"name", m.name},
                       {"fingerprint_sha256", m.fingerprint},
                       {"added_at", time::format_rfc3339(m.added_at)},
                       {"masa_url", m.masa_url},
                       {"devices", counts[m.name]},
                       {"root_pem", m.root_pem}});
  return api::json(200, Json{{"manufacturers", arr}});
}

net::HttpResponse ApiService::import_bundle(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  if (trim(c.req.body).empty())
    return api::error("api.body", "the body is the bundle (PEM), as `site import` reads it");
  // Site::import_bundle reads a file, as `site import` does: the same checks, the same evidence.
  auto tmp = fs::TempDir::create("", "gh-api-bundle");
  if (!tmp) return api::error(tmp.error(), 500);
  const std::string file = fs::join(tmp->path(), "bundle.pem");
  if (auto st = fs::write_file_atomic(file, c.req.body, 0600); !st)
    return api::error(st.error(), 500);
  auto report = site_->import_bundle(file);
  if (!report) return api::error(report.error());
  Json j{{"manufacturer", report->manufacturer},  {"bundle", report->bundle_id},
         {"added", report->counts.added},         {"updated", report->counts.updated},
         {"unchanged", report->counts.unchanged}, {"reference_values", report->reference_values}};
  Json detail = j;
  detail["operator"] = c.who();
  detail["actor"] = "operator";
  detail["via"] = "api";
  (void)site_->inventory().append(
      store::Event{0, 0, "", "api.bundle-import", "ok", "bundle imported", detail.dump()});
  return api::json(200, j);
}

net::HttpResponse ApiService::whoami(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  return api::json(200, operator_public_json(*c.op));
}

net::HttpResponse ApiService::list_operators(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  auto ops = operators_->list();
  if (!ops) return api::error(ops.error());
  Json arr = Json::array();
  for (const auto& o : *ops) arr.push_back(operator_public_json(o));
  return api::json(200, Json{{"operators", arr}});
}

net::HttpResponse ApiService::add_operator(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  auto body = api::body_object(c, {"name", "role"});
  if (!body) return api::error(body.error());
  auto name = api::body_string(*body, "name");
  if (!name) return api::error(name.error());
  auto role_text = api::body_string(*body, "role");
  if (!role_text) return api::error(role_text.error());
  auto role = parse_role(*role_text);
  if (!role) return api::error(role.error());
  auto made = operators_->add(*name, *role, c.who(), site_->inventory());
  if (!made) return api::error(made.error());
  Json j = operator_public_json(made->op);
  j["token"] = made->token;  // the only time it is shown
  return api::json(201, j);
}

net::HttpResponse ApiService::remove_operator(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  const std::string& name = c.params.at("name");
  if (auto st = operators_->remove(name, c.who(), /*keep_admin=*/true, site_->inventory()); !st)
    return api::error(st.error());
  return api::json(200, Json{{"removed", name}});
}

}  // namespace gh::svc
