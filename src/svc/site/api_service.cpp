// The API's frame: the route table, matching, authentication and roles, JSON errors, the server.
// The routes themselves are in api_devices.cpp, api_events.cpp and api_admin.cpp.
#include "svc/site/api_service.h"

#include <arpa/inet.h>

#include <algorithm>
#include <utility>

#include "codec/bundle.h"
#include "common/fs.h"
#include "common/log.h"
#include "svc/site/api_call.h"

namespace gh::svc {
namespace {

constexpr const char* kPrefix = "/api/v1";
constexpr int64_t kServerCertLifetimeS = 397LL * 86400;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > at) out.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

// The route's pattern against the request's segments; the parameters when it matches.
std::optional<std::map<std::string, std::string>> match(const char* pattern,
                                                        const std::vector<std::string>& segs) {
  auto want = split_path(pattern);
  if (want.size() != segs.size()) return std::nullopt;
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      auto v = api::url_decode(segs[i]);
      if (!v || v->empty()) return std::nullopt;
      params[want[i].substr(1, want[i].size() - 2)] = *v;
    } else if (want[i] != segs[i]) {
      return std::nullopt;
    }
  }
  return params;
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

namespace api {

int status_for(const std::string& check) {
  static const std::map<std::string, int> exact = {{"api.auth", 401},
                                                   {"api.role", 403},
                                                   {"lifecycle.actor", 403},
                                                   {"api.route", 404},
                                                   {"inventory.unknown", 404},
                                                   {"operator.unknown", 404},
                                                   {"policy.unknown-device", 404},
                                                   {"api.method", 405},
                                                   {"api.media-type", 415},
                                                   {"api.size", 413},
                                                   {"api.streams", 429},
                                                   {"api.auth-rate", 429},
                                                   {"lifecycle.state", 409},
                                                   {"device.state", 409},
                                                   {"operator.exists", 409},
                                                   {"operator.last-admin", 409},
                                                   {"policy.conflict", 409},
                                                   {"state.busy", 409},
                                                   {"renew.credential", 409}};
  if (auto it = exact.find(check); it != exact.end()) return it->second;
  if (check.size() > 5 && check.compare(check.size() - 5, 5, ".size") == 0) return 413;
  if (check.rfind("io", 0) == 0 || check.rfind("store.", 0) == 0) return 500;
  return 400;
}

net::HttpResponse json(int status, const Json& body) {
  return net::HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

net::HttpResponse error(const Error& e, int status) {
  int s = status ? status : status_for(e.code);
  auto r = json(s, Json{{"error", {{"check", e.code}, {"message", e.message}}}});
  if (s == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
  return r;
}

net::HttpResponse error(const std::string& check, const std::string& message, int status) {
  return error(Error{check, message}, status);
}

Result<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return make_error("api.query", "a broken %-escape");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at < query.size()) {
    size_t amp = query.find('&', at);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(at, amp - at);
    at = amp + 1;
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    auto key = TRY(url_decode(kv.substr(0, eq)));
    auto value = TRY(url_decode(eq == std::string_view::npos ? "" : kv.substr(eq + 1)));
    if (!out.emplace(key, value).second)
      return make_error("api.query", "parameter '" + key + "' given twice (use a comma list)");
  }
  return out;
}

Status only_params(const ApiCall& c, const std::set<std::string>& known) {
  for (const auto& [k, v] : c.query)
    if (!known.count(k))
      return make_error("api.query", "this route takes no parameter '" + k + "'");
  return ok_status();
}

Result<int64_t> int_param(const ApiCall& c, const std::string& name, int64_t fallback, int64_t lo,
                          int64_t hi) {
  auto it = c.query.find(name);
  if (it == c.query.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
    return make_error("api.query", name + " takes a number");
  int64_t n = std::stoll(v);
  if (n < lo || n > hi)
    return make_error("api.query",
                      name + " takes " + std::to_string(lo) + " to " + std::to_string(hi));
  return n;
}

Result<Json> body_object(const ApiCall& c, const std::set<std::string>& known) {
  if (c.req.body.empty()) return Json::object();
  if (!net::media_type_is(c.req.header("content-type"), "application/json"))
    return make_error("api.media-type", "the body must be application/json");
  auto body = TRY(parse_json(c.req.body, "api", kBodyLimits));
  if (!body.is_object()) return make_error("api.body", "the body must be a JSON object");
  for (const auto& [k, v] : body.items())
    if (!known.count(k)) return make_error("api.body", "unknown member '" + k + "'");
  return body;
}

Result<std::string> body_string(const Json& body, const std::string& key) {
  if (!body.contains(key) || body[key].is_null()) return std::string();
  if (!body[key].is_string()) return make_error("api.body", "'" + key + "' must be a string");
  return body[key].get<std::string>();
}

Result<bool> body_bool(const Json& body, const std::string& key) {
  if (!body.contains(key) || body[key].is_null()) return false;
  if (!body[key].is_boolean()) return make_error("api.body", "'" + key + "' must be true or false");
  return body[key].get<bool>();
}

}  // namespace api

const std::vector<ApiService::Route>& ApiService::routes() {
  using R = ApiRole;
  static const std::vector<Route> table = {
      {"GET", "/health", R::kPublic, "Liveness: status, version, uptime", &ApiService::health},
      {"GET", "/openapi.json", R::kPublic, "This API's OpenAPI 3.0 document",
       &ApiService::openapi_document},
      {"GET", "/devices", R::kViewer, "The inventory: filter, sort, page",
       &ApiService::list_devices},
      {"GET", "/devices/{serial}", R::kViewer, "One device whole, with its history",
       &ApiService::show_device},
      {"POST", "/devices/{serial}/quarantine", R::kOperator, "Quarantine a device",
       &ApiService::device_action},
      {"POST", "/devices/{serial}/release", R::kOperator, "Release a quarantined device",
       &ApiService::device_action},
      {"POST", "/devices/{serial}/revoke", R::kOperator, "Revoke a device's credentials",
       &ApiService::device_action},
      {"POST", "/devices/{serial}/renew", R::kOperator, "Ask a device to renew its LDevID",
       &ApiService::device_action},
      {"POST", "/devices/{serial}/decommission", R::kOperator, "Decommission a device",
       &ApiService::device_action},
      {"POST", "/devices/{serial}/retire", R::kOperator, "Mark a device's end of life",
       &ApiService::device_action},
      {"POST", "/actions/{action}", R::kOperator, "One action on a filtered set of devices",
       &ApiService::bulk_action},
      {"GET", "/policy", R::kViewer, "The authorization policy", &ApiService::get_policy},
      {"GET", "/policy/decision", R::kViewer, "The decision the policy gives a device",
       &ApiService::policy_decision},
      {"PUT", "/policy", R::kAdmin, "Replace the authorization policy", &ApiService::put_policy},
      {"GET", "/manufacturers", R::kViewer, "Trusted manufacturers",
       &ApiService::list_manufacturers},
      {"POST", "/bundles", R::kAdmin, "Import a bootstrapping bundle", &ApiService::import_bundle},
      {"GET", "/events", R::kViewer, "The evidence log as JSON or CSV", &ApiService::list_events},
      {"GET", "/events/stream", R::kViewer, "New evidence log entries as Server-Sent Events",
       &ApiService::stream_events},
      {"GET", "/stats/onboarding", R::kViewer,
       "Onboardings per minute by protocol and outcome, refusals by check",
       &ApiService::onboarding_stats},
      {"GET", "/me", R::kViewer, "The operator the token belongs to, and its role",
       &ApiService::whoami},
      {"GET", "/operators", R::kAdmin, "The API's operators", &ApiService::list_operators},
      {"POST", "/operators", R::kAdmin, "Add an operator", &ApiService::add_operator},
      {"DELETE", "/operators/{name}", R::kAdmin, "Remove an operator",
       &ApiService::remove_operator},
      // Public unless site serve --metrics-role says otherwise (ApiOptions::metrics_role).
      {"GET", "/metrics", R::kPublic, "The site's metrics in the Prometheus text format",
       &ApiService::metrics_text},
  };
  return table;
}

Result<std::unique_ptr<ApiService>> ApiService::open(const std::string& state_dir,
                                                     ApiOptions options) {
  std::unique_ptr<ApiService> s(new ApiService());
  s->site_ = TRY(Site::open(state_dir));
  s->policy_ = std::make_unique<PolicyStore>(state_dir);
  s->operators_ = std::make_unique<OperatorStore>(state_dir);
  s->metrics_ = TRY(SiteMetrics::open(*s->site_));
  s->options_ = std::move(options);
  s->ui_ = std::make_unique<UiFiles>(s->options_.ui_dir.empty() ? UiFiles::default_dir()
                                                                : s->options_.ui_dir);
  if (s->options_.metrics_role > ApiRole::kViewer)
    return make_error("usage", "/metrics takes no role above viewer (public or viewer)");
  return s;
}

ApiService::~ApiService() {
  stop();
}

Result<crypto::TlsIdentity> ApiService::server_identity(const std::string& host) {
  if (!options_.cert_path.empty()) {
    auto chain =
        TRY_CTX(crypto::Certificate::chain_from_pem(TRY(fs::read_file(options_.cert_path))),
                options_.cert_path);
    if (chain.empty()) return make_error("api.certificate", options_.cert_path + " holds none");
    auto key = TRY_CTX(crypto::PrivateKey::from_pem(TRY(fs::read_file(options_.key_path))),
                       options_.key_path);
    crypto::Certificate leaf = chain.front();
    chain.erase(chain.begin());
    return crypto::TlsIdentity{leaf, chain, key};
  }
  // A fresh key in memory only, and a certificate from the domain CA that clients already trust.
  std::vector<std::string> dns = {"localhost"}, ips = {"127.0.0.1", "::1"};
  std::vector<std::string> names = options_.names;
  if (host != "0.0.0.0" && host != "::" && !host.empty()) names.push_back(host);
  for (const auto& n : names) {
    auto& to = is_ip_literal(n) ? ips : dns;
    if (std::find(to.begin(), to.end(), n) == to.end()) to.push_back(n);
  }
  auto key = TRY(crypto::PrivateKey::generate(crypto::Curve::kP256));
  auto tmpl = pki::domain_server(site_->name(), dns, key.public_key(), kServerCertLifetimeS);
  tmpl.ip_addresses = ips;
  auto cert = TRY(site_->domain_ca_identity().issue(tmpl));
  TRY(site_->inventory().append(
      store::Event{0, 0, "", "api.server-certificate", "ok", "REST API server certificate issued",
                   Json{{"dns", dns}, {"ip", ips}, {"serial", cert.serial_hex()}}.dump()}));
  return crypto::TlsIdentity{cert, {site_->domain_ca()}, key};
}

Result<int> ApiService::serve(const std::string& host, int port) {
  auto id = TRY(server_identity(host));
  auto tls = TRY(crypto::TlsContext::server(id));
  // Event feeds each hold a worker; the rest of the API keeps as many as a server of its own.
  limits_.workers = options_.max_streams + 8;
  // A bundle (up to codec::kMaxBundleBytes) is the one body larger than the server's default, and
  // only an admin's request may bring one: the token is judged from the head, before the body is
  // read, with the same count of wrong tokens as every other request.
  limits_.http_body_limit = [this](const net::MessageHead& h, const std::string& peer) -> size_t {
    if (h.content_length <= net::kMaxBodyBytes) return net::kMaxBodyBytes;
    static const std::string kImport = "POST " + std::string(kPrefix) + "/bundles ";
    if (h.start_line.rfind(kImport, 0) != 0) return net::kMaxBodyBytes;
    auto a = h.headers.find("authorization");
    auto who = sign_in(a == h.headers.end() ? "" : a->second, peer);
    if (!who.op) return net::kMaxBodyBytes;
    return who.op->role >= ApiRole::kAdmin ? codec::kMaxBundleBytes : net::kMaxBodyBytes;
  };
  started_ = time::monotonic();
  server_ = TRY(net::HttpServer::start(
      host, port, std::move(tls), [this](net::HttpRequest& r) { return handle(r); }, limits_));
  server_stats_ = metrics::Registry::process().collect([this](metrics::Registry& r) {
    metrics::server_metrics(r, "api", server_->stats(), limits_);
  });
  return server_->port();
}

void ApiService::stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_stats_ = metrics::Registry::Collection();
  if (server_) server_->stop();
  write_auth_evidence();  // a shut-out judged by the last requests' heads
}

bool ApiService::wait_stop(int ms) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

net::HttpResponse ApiService::handle(net::HttpRequest& req) {
  std::string_view target = req.path;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  // The dashboard: its files under /ui/, and the site's address leads there.
  if (target == "/" || target == "/ui") {
    net::HttpResponse r{302, "text/plain; charset=utf-8", "the dashboard is at /ui/\n", {}};
    r.headers.emplace_back("Location", "/ui/");
    UiFiles::add_security_headers(r);
    return r;
  }
  if (target.rfind("/ui/", 0) == 0) return ui_->serve(req.method, target);
  // Prometheus scrapes /metrics unless told otherwise: the same route as /api/v1/metrics.
  static const std::string kMetricsAlias = std::string(kPrefix) + "/metrics";
  if (target == "/metrics") target = kMetricsAlias;
  if (target != kPrefix && target.rfind(std::string(kPrefix) + "/", 0) != 0)
    return api::error("api.route", "the API is under /api/v1/");
  auto segs = split_path(target.substr(std::string_view(kPrefix).size()));
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::string allow;
  for (const auto& r : routes()) {
    auto m = match(r.path, segs);
    if (!m) continue;
    if (req.method == r.method) {
      route = &r;
      params = std::move(*m);
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  if (!route) {
    if (allow.empty()) return api::error("api.route", "no such resource: " + std::string(target));
    auto r = api::error("api.method", "this resource takes " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  ApiCall call{req, *route, std::move(params), {}, std::nullopt};
  // CSRF: credentials travel only in the Authorization header, which a browser never adds on its
  // own; a request that brings cookies and no such header is a page trying to use the browser.
  const std::string authz = req.header("authorization");
  if (authz.empty() && !req.header("cookie").empty())
    return api::error("api.auth", "cookies are not credentials here; send Authorization: Bearer");
  const ApiRole need =
      route->handler == &ApiService::metrics_text ? options_.metrics_role : route->role;
  if (need != ApiRole::kPublic) {
    auto who = sign_in(authz, req.connection ? req.connection->attributes["peer_ip"] : "");
    write_auth_evidence();
    if (!who.op) {
      auto r = api::error(who.refusal, who.refusal.code.rfind("api.", 0) == 0 ? 0 : 500);
      if (who.retry_after_s > 0)
        r.headers.emplace_back("Retry-After", std::to_string(who.retry_after_s));
      return r;
    }
    call.op = std::move(who.op);
    if (call.op->role < need)
      return api::error("api.role", call.op->name + " is " + role_name(call.op->role) + "; " +
                                        route->method + " " + route->path + " needs " +
                                        role_name(need));
  }
  auto q = api::parse_query(query);
  if (!q) return api::error(q.error());
  call.query = std::move(*q);
  auto resp = (this->*(route->handler))(call);
  if (req.method != "GET" || resp.status >= 400)
    log::info("api", (call.op ? call.op->name : std::string("-")) + " " + req.method + " " +
                         std::string(target) + " -> " + std::to_string(resp.status));
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return resp;
}

ApiService::SignIn ApiService::sign_in(const std::string& authz, const std::string& peer) {
  SignIn out;
  if (authz.size() < 8 || net::ascii_lower(authz.substr(0, 7)) != "bearer ") {
    out.refusal = make_error("api.auth", "send Authorization: Bearer TOKEN");
    return out;
  }
  const double now = time::monotonic();
  if (int wait = auth_wait(peer, now); wait > 0) {
    out.refusal =
        make_error("api.auth-rate", "too many wrong tokens from this address; try again in " +
                                        std::to_string(wait) + " s");
    out.retry_after_s = wait;
    return out;
  }
  auto who = operators_->authenticate(trim(authz.substr(7)));
  if (!who) {
    out.refusal = who.error();
  } else if (!*who) {
    auth_failed(peer, now);
    out.refusal = make_error("api.auth", "the token is not an operator's");
  } else {
    out.op = std::move(**who);
  }
  return out;
}

int ApiService::auth_wait(const std::string& peer, double now) {
  std::lock_guard<std::mutex> lock(auth_mu_);
  auto it = strikes_.find(peer);
  if (it == strikes_.end() && strikes_.size() >= kAuthPeers) it = strikes_.find("*");
  if (it == strikes_.end() || it->second.blocked_until <= now) return 0;
  return static_cast<int>(it->second.blocked_until - now) + 1;
}

void ApiService::auth_failed(const std::string& peer, double now) {
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (!strikes_.count(peer) && strikes_.size() >= kAuthPeers) {
    // Room first from the records that no longer count (their window passed, no block).
    for (auto it = strikes_.begin(); it != strikes_.end();)
      it = it->second.blocked_until <= now && now - it->second.first > kAuthWindowS
               ? strikes_.erase(it)
               : std::next(it);
  }
  const std::string key = strikes_.count(peer) || strikes_.size() < kAuthPeers ? peer : "*";
  Strikes& s = strikes_[key];
  if (now - s.first > kAuthWindowS) s = Strikes{0, now, s.blocked_until};
  if (++s.count < kAuthStrikes) return;
  const bool starts = s.blocked_until <= now;
  s.blocked_until = now + kAuthWindowS;
  if (!starts) return;
  const std::string who = key.empty() ? std::string("a local caller") : key;
  log::warn("api", std::to_string(s.count) + " wrong tokens from " + who +
                       " within a minute: its sign-ins refused for " +
                       std::to_string(static_cast<int>(kAuthWindowS)) + " s");
  // The evidence log keeps the shut-out, within its budget.
  while (!blocks_recorded_.empty() && now - blocks_recorded_.front() > 3600)
    blocks_recorded_.pop_front();
  if (blocks_recorded_.size() >= static_cast<size_t>(kAuthEvidencePerHour)) {
    blocks_unrecorded_++;
    return;
  }
  blocks_recorded_.push_back(now);
  Json detail{{"address", key.empty() ? "local" : key},
              {"wrong_tokens", s.count},
              {"refused_for_s", static_cast<int>(kAuthWindowS)},
              {"actor", "api"}};
  if (blocks_unrecorded_) detail["unrecorded_before"] = std::exchange(blocks_unrecorded_, 0);
  // Written by write_auth_evidence(), outside this lock and off the event loop (a large body's
  // sign-in is judged on the loop thread).
  blocks_pending_.push_back(store::Event{0, time::now(), "", "api.auth-blocked", "refused",
                                         "api.auth-rate", detail.dump()});
  any_block_pending_ = true;
}

void ApiService::write_auth_evidence() {
  if (!any_block_pending_.exchange(false)) return;
  std::vector<store::Event> pending;
  {
    std::lock_guard<std::mutex> lock(auth_mu_);
    pending.swap(blocks_pending_);
  }
  for (const auto& e : pending)
    if (auto st = site_->inventory().append(e); !st)
      log::warn("api", "a sign-in shut-out was not recorded: " + st.error().str());
}

net::HttpResponse ApiService::health(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  return api::json(200, Json{{"status", "ok"},
                             {"version", "0.1.0"},
                             {"site", site_->name()},
                             {"uptime_s", static_cast<int64_t>(time::monotonic() - started_)}});
}

net::HttpResponse ApiService::openapi_document(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  return api::json(200, openapi());
}

net::HttpResponse ApiService::metrics_text(ApiCall& c) {
  if (auto st = api::only_params(c, {}); !st) return api::error(st.error());
  auto text = metrics_->scrape();
  if (!text) return api::error(text.error(), 500);
  return net::HttpResponse{200, metrics::kContentType, std::move(*text), {}};
}

}  // namespace gh::svc
