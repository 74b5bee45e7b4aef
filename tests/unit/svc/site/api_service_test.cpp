// The site's REST API as a real HTTPS server on 127.0.0.1 (port 0), over the BRSKI fixture's
// manufacturer, MASA, registrar and site: every route, every role, the JSON refusals, the evidence
// events that name the operator, the CSV export read back, the event feed (held stream and long
// poll), and the OpenAPI document checked against the route table.
#include "svc/site/api_service.h"

#include <sys/stat.h>

#include <set>
#include <thread>

#include "brski_fixture.h"
#include "crypto/digest.h"
#include "net/raw_socket.h"
#include "svc/site/api_operators.h"
#include "svc/site/device_view.h"

namespace gh::svc {
namespace {

struct Answer {
  int status = 0;
  std::string body;
  Json json;
  net::ClientResponse raw;
  std::string check() const {
    return json.is_object() && json.contains("error") ? json["error"].value("check", "") : "";
  }
};

class ApiTest : public BrskiTest {
 protected:
  void SetUp() override {
    BrskiTest::SetUp();
    if (HasFatalFailure()) return;
    api_ = start_api(ApiOptions{});
    ASSERT_TRUE(api_);
    auto site = std::move(*Site::open(dir_ + "/s"));
    OperatorStore ops(dir_ + "/s");
    viewer_ = ops.add("vera", ApiRole::kViewer, "test", site->inventory())->token;
    operator_ = ops.add("olivia", ApiRole::kOperator, "test", site->inventory())->token;
    admin_ = ops.add("ada", ApiRole::kAdmin, "test", site->inventory())->token;
    auto ca = *crypto::Certificate::from_pem(*fs::read_file(dir_ + "/s/domain-ca.pem"));
    // The server's certificate must verify to the domain CA and name the address dialled.
    api_tls_ = std::make_unique<crypto::TlsContext>(
        *crypto::TlsContext::client(nullptr, {ca}, "127.0.0.1"));
  }
  void TearDown() override {
    if (api_) api_->stop();
    BrskiTest::TearDown();
  }

  std::unique_ptr<ApiService> start_api(ApiOptions o) {
    auto api = ApiService::open(dir_ + "/s", std::move(o));
    EXPECT_TRUE(api.ok()) << (api.ok() ? "" : api.error().str());
    if (!api.ok()) return nullptr;
    auto port = (*api)->serve("127.0.0.1", 0);
    EXPECT_TRUE(port.ok()) << (port.ok() ? "" : port.error().str());
    if (!port.ok()) return nullptr;
    last_port_ = *port;
    if (!api_port_) api_port_ = *port;
    return std::move(*api);
  }

  Answer call(const std::string& method, const std::string& path, const std::string& token,
              const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {}, int port = 0) {
    Answer a;
    auto c = net::HttpClient::connect("127.0.0.1", port ? port : api_port_, *api_tls_);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().str());
    if (!c.ok()) return a;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    bool typed = false;
    for (const auto& [k, v] : headers) typed |= net::ascii_lower(k) == "content-type";
    if (!body.empty() && !typed) headers.emplace_back("Content-Type", "application/json");
    auto r = (*c)->request(method, "/api/v1" + path, headers, body);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
    if (!r.ok()) return a;
    a.raw = *r;
    a.status = r->status;
    a.body = r->body;
    if (net::media_type_is(r->header("content-type"), "application/json")) {
      auto j = parse_json(r->body, "test");
      EXPECT_TRUE(j.ok()) << r->body;
      if (j.ok()) a.json = *j;
    }
    return a;
  }

  std::vector<store::Event> events_of(const std::string& serial) {
    auto s = std::move(*Site::open(dir_ + "/s"));
    return *s->inventory().events(serial);
  }
  Json detail_of(const store::Event& e) { return *parse_json(e.detail, "detail"); }

  std::unique_ptr<ApiService> api_;
  std::unique_ptr<crypto::TlsContext> api_tls_;
  int api_port_ = 0, last_port_ = 0;
  std::string viewer_, operator_, admin_;
};

// RFC 4180 read back: rows of fields, quotes undone.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        rows.back().back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().emplace_back();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.emplace_back(1);
      ++i;
    } else {
      rows.back().back() += ch;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST_F(ApiTest, HealthAndOpenApiNeedNoToken) {
  auto h = call("GET", "/health", "");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.json["status"], "ok");
  EXPECT_EQ(h.json["site"], "Site A");
  EXPECT_TRUE(h.json["uptime_s"].is_number_integer());
  EXPECT_EQ(h.raw.header("cache-control"), "no-store");
  auto doc = call("GET", "/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.json["openapi"], "3.0.3");
  EXPECT_NE(doc.json["info"]["description"].get<std::string>().find("CSRF"), std::string::npos);
}

TEST_F(ApiTest, OpenApiDescribesEveryRouteAndNothingElse) {
  auto doc = call("GET", "/openapi.json", "").json;
  ASSERT_TRUE(doc.is_object());
  std::set<std::pair<std::string, std::string>> table;
  for (const auto& r : ApiService::routes()) {
    std::string method = net::ascii_lower(r.method);
    table.insert({r.path, method});
    ASSERT_TRUE(doc["paths"].contains(r.path)) << r.path << " is not described";
    ASSERT_TRUE(doc["paths"][r.path].contains(method)) << r.method << " " << r.path;
    const Json& op = doc["paths"][r.path][method];
    EXPECT_EQ(op["x-required-role"], role_name(r.role)) << r.path;
    EXPECT_FALSE(op.value("summary", "").empty()) << r.path;
    EXPECT_TRUE(op["responses"].contains("200") || op["responses"].contains("201")) << r.path;
    if (r.role != ApiRole::kPublic) {
      EXPECT_TRUE(op["responses"].contains("401")) << r.path;
      EXPECT_TRUE(op["responses"].contains("403")) << r.path;
    } else {
      EXPECT_EQ(op["security"], Json::array()) << r.path;
    }
    if (method == "post" || method == "put") {
      EXPECT_TRUE(op.contains("requestBody")) << r.path;
    }
    // Every {parameter} of the path is described as a path parameter.
    std::string p = r.path;
    for (size_t at = p.find('{'); at != std::string::npos; at = p.find('{', at + 1)) {
      std::string name = p.substr(at + 1, p.find('}', at) - at - 1);
      bool found = false;
      for (const auto& param : op["parameters"])
        found |= param["name"] == name && param["in"] == "path" && param["required"] == true;
      EXPECT_TRUE(found) << r.path << " does not describe {" << name << "}";
    }
  }
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, op] : item.items())
      EXPECT_TRUE(table.count({path, method})) << method << " " << path << " is not a route";
  // Every $ref points at something in the document.
  std::function<void(const Json&)> walk = [&](const Json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        std::string ref = j["$ref"];
        ASSERT_EQ(ref.rfind("#/", 0), 0u);
        EXPECT_TRUE(doc.contains(Json::json_pointer(ref.substr(1)))) << ref;
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
}

// /metrics: the Prometheus text format at /api/v1/metrics and at /metrics (where Prometheus looks
// by default), public by default; with metrics_role viewer a viewer's token is needed.
TEST_F(ApiTest, MetricsArePublicAtBothPathsOrAViewersWhenAsked) {
  onboard(0);
  auto m = call("GET", "/metrics", "");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.raw.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  // The API was started before the onboarding: its tally counts it.
  EXPECT_NE(m.body.find("\ngatehouse_onboardings_total{protocol=\"brski\",outcome=\"ok\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("\ngatehouse_devices{state=\"onboarded\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("gatehouse_server_connections_open{server=\"api\"}"), std::string::npos);
  EXPECT_NE(m.body.find("gatehouse_server_connections_open{server=\"registrar\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("gatehouse_step_duration_seconds_count{step=\"brski_voucher_request\","
                        "outcome=\"ok\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("gatehouse_policy_decisions_total{protocol=\"brski\",rule=\"default\","
                        "decision=\"allow\"}"),
            std::string::npos);
  auto root = [&](int port, const std::string& token) {
    auto c = net::HttpClient::connect("127.0.0.1", port, *api_tls_);
    EXPECT_TRUE(c.ok());
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = (*c)->request("GET", "/metrics", h, "");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : net::ClientResponse{};
  };
  auto alias = root(api_port_, "");
  EXPECT_EQ(alias.status, 200);
  EXPECT_NE(alias.body.find("# TYPE gatehouse_onboardings_total counter\n"), std::string::npos);
  EXPECT_EQ(call("GET", "/metrics?x=1", "").check(), "api.query");

  ApiOptions o;
  o.metrics_role = ApiRole::kViewer;
  auto guarded = start_api(o);
  ASSERT_TRUE(guarded);
  auto none = root(last_port_, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(call("GET", "/metrics", "", "", {}, last_port_).check(), "api.auth");
  EXPECT_EQ(root(last_port_, viewer_).status, 200);
  guarded->stop();
  o.metrics_role = ApiRole::kAdmin;
  auto bad = ApiService::open(dir_ + "/s", o);
  ASSERT_REFUSED(bad, "usage");
}

// Every route of the table, asked by no one, a viewer, an operator and an admin: below the
// route's role the refusal is the role's (api.auth without a token, api.role with one), at or
// above it never is (whatever the handler then says of the request itself).
TEST_F(ApiTest, EveryRouteAnswersEachRoleAsTheTableSays) {
  const std::vector<std::pair<ApiRole, std::string>> callers = {{ApiRole::kPublic, ""},
                                                                {ApiRole::kViewer, viewer_},
                                                                {ApiRole::kOperator, operator_},
                                                                {ApiRole::kAdmin, admin_}};
  for (const auto& r : ApiService::routes()) {
    std::string path = r.path;
    for (auto [param, value] : {std::pair<std::string, std::string>{"{serial}", serials_[0]},
                                {"{action}", "quarantine"},
                                {"{name}", "nobody"}})
      if (auto at = path.find(param); at != std::string::npos)
        path.replace(at, param.size(), value);
    if (path == "/events/stream") path += "?wait=0";
    for (const auto& [role, token] : callers) {
      auto a = call(r.method, path, token, std::string(r.method) == "GET" ? "" : "{}");
      const std::string what = std::string(r.method) + " " + path + " as " + role_name(role);
      ASSERT_NE(a.status, 0) << what;
      if (role < r.role) {
        EXPECT_EQ(a.check(), token.empty() ? "api.auth" : "api.role") << what << ": " << a.body;
        EXPECT_EQ(a.status, token.empty() ? 401 : 403) << what;
      } else {
        EXPECT_NE(a.check(), "api.auth") << what << ": " << a.body;
        EXPECT_NE(a.check(), "api.role") << what << ": " << a.body;
      }
    }
  }
}

TEST_F(ApiTest, NoTokenWrongTokenAndCookiesAreRefused401) {
  auto none = call("GET", "/devices", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.check(), "api.auth");
  EXPECT_NE(none.raw.header("www-authenticate").find("Bearer"), std::string::npos);
  auto wrong = call("GET", "/devices", base64url_encode(crypto::random_bytes(32)));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.check(), "api.auth");
  auto basic = call("GET", "/devices", "", "", {{"Authorization", "Basic dmVyYTp4"}});
  EXPECT_EQ(basic.check(), "api.auth");
  // A browser made to send its cookies: refused even on a public route.
  auto cookie = call("GET", "/health", "", "", {{"Cookie", "session=1"}});
  EXPECT_EQ(cookie.status, 401);
  EXPECT_EQ(cookie.check(), "api.auth");
  // With the token, a cookie changes nothing.
  EXPECT_EQ(call("GET", "/devices", viewer_, "", {{"Cookie", "session=1"}}).status, 200);
}

TEST_F(ApiTest, GuessingTokensShutsTheAddressOutFor429) {
  // A viewer's token works until this address (127.0.0.1) has sent kAuthStrikes wrong ones.
  EXPECT_EQ(call("GET", "/devices", viewer_).status, 200);
  for (int i = 0; i < ApiService::kAuthStrikes; ++i)
    ASSERT_EQ(call("GET", "/devices", base64url_encode(crypto::random_bytes(32))).check(),
              "api.auth");
  // Then every token from it is refused, the right one too (a right answer is what a guesser
  // looks for), with the time to wait; routes that need no token still answer.
  auto shut = call("GET", "/devices", viewer_);
  EXPECT_EQ(shut.status, 429);
  EXPECT_EQ(shut.check(), "api.auth-rate");
  int retry = std::atoi(shut.raw.header("retry-after").c_str());
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, static_cast<int>(ApiService::kAuthWindowS) + 1);
  EXPECT_EQ(call("POST", "/devices/" + serials_[0] + "/quarantine", operator_, R"({"reason":"x"})")
                .check(),
            "api.auth-rate");
  EXPECT_EQ(call("GET", "/health", "").status, 200);
  // The shut-out is in the evidence log once, with the address; the refused tries after it are
  // not more entries.
  for (int i = 0; i < 5; ++i) call("GET", "/devices", base64url_encode(crypto::random_bytes(32)));
  auto blocked = call("GET", "/events?kind=api.auth-blocked", viewer_);
  EXPECT_EQ(blocked.check(), "api.auth-rate");  // (the viewer too, from this address)
  int entries = 0;
  for (const auto& e : events_of("")) {
    if (e.kind != "api.auth-blocked") continue;
    ++entries;
    EXPECT_EQ(e.outcome, "refused");
    EXPECT_EQ(e.reason, "api.auth-rate");
    EXPECT_EQ(detail_of(e)["address"], "127.0.0.1");
    EXPECT_EQ(detail_of(e)["wrong_tokens"], ApiService::kAuthStrikes);
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(ApiTest, ViewerReadsButEveryChangeIsRefused403) {
  auto list = call("GET", "/devices", viewer_);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json["total"], 3);
  EXPECT_EQ(call("GET", "/devices/" + serials_[0], viewer_).status, 200);
  EXPECT_EQ(call("GET", "/policy", viewer_).status, 200);
  EXPECT_EQ(call("GET", "/manufacturers", viewer_).status, 200);
  EXPECT_EQ(call("GET", "/events", viewer_).status, 200);
  auto act =
      call("POST", "/devices/" + serials_[0] + "/quarantine", viewer_, R"({"reason":"looks odd"})");
  EXPECT_EQ(act.status, 403);
  EXPECT_EQ(act.check(), "api.role");
  EXPECT_EQ(state(serials_[0]), "expected");
  EXPECT_EQ(call("POST", "/actions/quarantine", viewer_,
                 R"({"filter":{"state":"expected"},"reason":"x"})")
                .check(),
            "api.role");
  EXPECT_EQ(call("PUT", "/policy", viewer_, "default: {action: deny}\n",
                 {{"Content-Type", "application/yaml"}})
                .check(),
            "api.role");
  EXPECT_EQ(call("GET", "/operators", viewer_).check(), "api.role");
  EXPECT_FALSE(fs::exists(dir_ + "/s/policy.yaml"));
}

TEST_F(ApiTest, OperatorActsAndTheEventNamesTheOperator) {
  auto q = call("POST", "/devices/" + serials_[0] + "/quarantine", operator_,
                R"({"reason":"scanning the network"})");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json["from"], "expected");
  EXPECT_EQ(q.json["to"], "quarantined");
  EXPECT_EQ(state(serials_[0]), "quarantined");
  auto events = events_of(serials_[0]);
  ASSERT_FALSE(events.empty());
  const auto& e = events.back();
  EXPECT_EQ(e.kind, "device.quarantine");
  EXPECT_EQ(e.reason, "scanning the network");
  EXPECT_EQ(detail_of(e)["operator"], "olivia");
  EXPECT_EQ(detail_of(e)["actor"], "operator");
  auto rel = call("POST", "/devices/" + serials_[0] + "/release", operator_);
  ASSERT_EQ(rel.status, 200) << rel.body;
  EXPECT_EQ(detail_of(events_of(serials_[0]).back())["operator"], "olivia");
  // Revoke, then retire: the revocation event names the operator too.
  auto rv = call("POST", "/devices/" + serials_[1] + "/revoke", operator_, R"({"reason":"lost"})");
  ASSERT_EQ(rv.status, 200) << rv.body;
  EXPECT_EQ(state(serials_[1]), "revoked");
  EXPECT_EQ(events_of(serials_[1]).back().kind, "device.revoke");
  EXPECT_EQ(detail_of(events_of(serials_[1]).back())["operator"], "olivia");
  EXPECT_EQ(call("POST", "/devices/" + serials_[1] + "/retire", operator_).status, 200);
  EXPECT_EQ(state(serials_[1]), "end-of-life");
  auto dc = call("POST", "/devices/" + serials_[2] + "/decommission", operator_,
                 R"({"reason":"sold","transfer":true})");
  ASSERT_EQ(dc.status, 200) << dc.body;
  EXPECT_EQ(state(serials_[2]), "transferred");
  // An operator does not change policy or operators.
  EXPECT_EQ(call("PUT", "/policy", operator_, "default: {action: deny}\n",
                 {{"Content-Type", "application/yaml"}})
                .check(),
            "api.role");
  EXPECT_EQ(call("POST", "/operators", operator_, R"({"name":"eve","role":"admin"})").check(),
            "api.role");
  EXPECT_EQ(call("POST", "/bundles", operator_, *fs::read_file(dir_ + "/bundle.pem"),
                 {{"Content-Type", "application/x-pem-file"}})
                .check(),
            "api.role");
}

TEST_F(ApiTest, RenewOfAnOnboardedDeviceAndTheDetailShowsIt) {
  onboard(0);
  auto renew = call("POST", "/devices/" + serials_[0] + "/renew", operator_, R"({"rekey":true})");
  ASSERT_EQ(renew.status, 200) << renew.body;
  auto d = call("GET", "/devices/" + serials_[0], viewer_);
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.json["state"], "onboarded");
  EXPECT_EQ(d.json["phase"], "commissioned");
  EXPECT_EQ(d.json["renewal_requested"], "rekey");
  ASSERT_EQ(d.json["credentials"].size(), 1u);
  EXPECT_EQ(d.json["credentials"][0]["status"], "active");
  EXPECT_EQ(d.json["policy"]["allow"], true);
  // The pledge attested its firmware on the way in.
  EXPECT_EQ(d.json["attestation"]["status"], "affirming");
  std::set<std::string> kinds;
  for (const auto& e : d.json["history"]) kinds.insert(e["kind"].get<std::string>());
  for (const char* k : {"brski.voucher-request", "est.simpleenroll", "ldevid.renew-requested"})
    EXPECT_TRUE(kinds.count(k)) << k;
  auto brief = call("GET", "/devices/" + serials_[0] + "?history=false", viewer_);
  EXPECT_FALSE(brief.json.contains("history"));
}

TEST_F(ApiTest, UnknownDeviceIs404) {
  auto show = call("GET", "/devices/ACME-99999999", viewer_);
  EXPECT_EQ(show.status, 404);
  EXPECT_EQ(show.check(), "inventory.unknown");
  auto act = call("POST", "/devices/ACME-99999999/quarantine", operator_, R"({"reason":"x"})");
  EXPECT_EQ(act.status, 404);
  EXPECT_EQ(act.check(), "inventory.unknown");
  auto ev = call("GET", "/events?serial=ACME-99999999", viewer_);
  EXPECT_EQ(ev.status, 404);
  EXPECT_EQ(ev.check(), "inventory.unknown");
}

TEST_F(ApiTest, AWrongStateIsRefused409AndChangesNothing) {
  // Renewal needs credentials: an expected device holds none.
  auto renew = call("POST", "/devices/" + serials_[0] + "/renew", operator_);
  EXPECT_EQ(renew.status, 409);
  EXPECT_EQ(renew.check(), "lifecycle.state");
  auto site = std::move(*Site::open(dir_ + "/s"));
  EXPECT_EQ((*site->inventory().get(serials_[0]))->renewal, "");
  EXPECT_EQ(state(serials_[0]), "expected");
  auto release = call("POST", "/devices/" + serials_[0] + "/release", operator_);
  EXPECT_EQ(release.status, 409);
  EXPECT_EQ(release.check(), "device.state");
  onboard(1);
  auto retire = call("POST", "/devices/" + serials_[1] + "/retire", operator_);
  EXPECT_EQ(retire.status, 409);
  EXPECT_EQ(retire.check(), "lifecycle.state");
  EXPECT_EQ(state(serials_[1]), "onboarded");
  EXPECT_EQ((*site->inventory().credentials(serials_[1]))[0].status, "active");
  // The detail offers only what the state allows (the dashboard's buttons): not what was refused.
  auto offered = [&](const std::string& serial) {
    std::set<std::string> out;
    const Answer detail = call("GET", "/devices/" + serial, viewer_);
    for (const auto& a : detail.json["actions"]) out.insert(a.get<std::string>());
    return out;
  };
  auto expected = offered(serials_[0]);
  EXPECT_EQ(expected.count("renew") + expected.count("release"), 0u);
  EXPECT_EQ(offered(serials_[1]),
            (std::set<std::string>{"quarantine", "revoke", "renew", "decommission"}));
  ASSERT_EQ(
      call("POST", "/devices/" + serials_[1] + "/quarantine", operator_, R"({"reason":"offers"})")
          .status,
      200);
  auto quarantined = offered(serials_[1]);
  EXPECT_EQ(quarantined.count("release"), 1u);
  EXPECT_EQ(quarantined.count("quarantine"), 0u);
}

TEST_F(ApiTest, BadInputIsRefusedWithJsonErrors) {
  const std::string q = "/devices/" + serials_[0] + "/quarantine";
  auto bad = call("POST", q, operator_, R"({"reason": )");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.check(), "api.json");
  EXPECT_EQ(call("POST", q, operator_, R"(["reason"])").check(), "api.body");
  EXPECT_EQ(call("POST", q, operator_, R"({"reasn":"typo"})").check(), "api.body");
  EXPECT_EQ(call("POST", q, operator_, R"({"reason":7})").check(), "api.body");
  EXPECT_EQ(call("POST", q, operator_, R"({"reason":"x","rekey":true})").check(), "api.body");
  auto no_reason = call("POST", q, operator_);
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(no_reason.check(), "api.reason");
  auto typed = call("POST", q, operator_, R"({"reason":"x"})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(typed.status, 415);
  EXPECT_EQ(typed.check(), "api.media-type");
  auto big = call("POST", q, operator_, R"({"reason":")" + std::string(70 * 1024, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.check(), "api.size");
  EXPECT_EQ(state(serials_[0]), "expected");
  auto route = call("GET", "/nothing", viewer_);
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(route.check(), "api.route");
  auto method = call("DELETE", "/devices", admin_);
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.check(), "api.method");
  EXPECT_EQ(method.raw.header("allow"), "GET");
  EXPECT_EQ(call("GET", "/devices?limit=501", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/devices?colour=red", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/devices?state=bogus", viewer_).check(), "api.filter");
  EXPECT_EQ(call("GET", "/devices?sort=colour", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/events?since=yesterday", viewer_).check(), "api.query");
  // Outside /api/v1 there is nothing.
  auto c = net::HttpClient::connect("127.0.0.1", api_port_, *api_tls_);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->request("GET", "/.well-known/est/cacerts", {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST_F(ApiTest, ListFiltersSortsAndPages) {
  ASSERT_EQ(call("POST", "/devices/" + serials_[1] + "/quarantine", operator_, R"({"reason":"x"})")
                .status,
            200);
  auto q = call("GET", "/devices?state=quarantined", viewer_);
  ASSERT_EQ(q.json["total"], 1);
  EXPECT_EQ(q.json["devices"][0]["serial"], serials_[1]);
  EXPECT_EQ(call("GET", "/devices?state=expected,quarantined", viewer_).json["total"], 3);
  EXPECT_EQ(call("GET", "/devices?model=m*&manufacturer=Acme", viewer_).json["total"], 3);
  EXPECT_EQ(call("GET", "/devices?manufacturer=Other", viewer_).json["total"], 0);
  EXPECT_EQ(call("GET", "/devices?attestation=none&phase=expected", viewer_).json["total"], 2);
  auto sub = call("GET", "/devices?q=" + serials_[2].substr(serials_[2].size() - 3), viewer_);
  EXPECT_EQ(sub.json["total"], 1);
  auto p1 = call("GET", "/devices?sort=-serial&limit=2", viewer_);
  ASSERT_EQ(p1.json["devices"].size(), 2u);
  EXPECT_EQ(p1.json["total"], 3);
  EXPECT_EQ(p1.json["devices"][0]["serial"], serials_[2]);
  EXPECT_EQ(p1.json["devices"][1]["serial"], serials_[1]);
  auto p2 = call("GET", "/devices?sort=-serial&limit=2&page=2", viewer_);
  ASSERT_EQ(p2.json["devices"].size(), 1u);
  EXPECT_EQ(p2.json["devices"][0]["serial"], serials_[0]);
  EXPECT_EQ(p2.json["page"], 2);
  auto by_state = call("GET", "/devices?sort=-state", viewer_);
  EXPECT_EQ(by_state.json["devices"][0]["state"], "quarantined");
}

TEST_F(ApiTest, BulkActionOnAFilteredSet) {
  auto none = call("POST", "/actions/quarantine", operator_, R"({"filter":{},"reason":"x"})");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.check(), "api.filter");
  EXPECT_EQ(call("POST", "/actions/quarantine", operator_, R"({"reason":"x"})").check(),
            "api.filter");
  EXPECT_EQ(
      call("POST", "/actions/quarantine", operator_, R"({"filter":{"colour":"red"},"reason":"x"})")
          .check(),
      "api.filter");
  EXPECT_EQ(call("POST", "/actions/explode", operator_, R"({"filter":{"q":"A"}})").status, 404);
  const Json filter{{"serial", Json::array({serials_[0], serials_[1]})}};
  auto dry = call("POST", "/actions/quarantine", operator_,
                  Json{{"filter", filter}, {"reason", "x"}, {"dry_run", true}}.dump());
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json["matched"], 2);
  EXPECT_EQ(state(serials_[0]), "expected");
  auto done = call("POST", "/actions/quarantine", operator_,
                   Json{{"filter", filter}, {"reason", "burst of scans"}}.dump());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["succeeded"], 2);
  EXPECT_EQ(state(serials_[0]), "quarantined");
  EXPECT_EQ(state(serials_[1]), "quarantined");
  EXPECT_EQ(state(serials_[2]), "expected");
  EXPECT_EQ(detail_of(events_of(serials_[0]).back())["operator"], "olivia");
  // Again: each device refused with the check that refused it.
  auto again = call("POST", "/actions/quarantine", operator_,
                    Json{{"filter", filter}, {"reason", "again"}}.dump());
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json["failed"], 2);
  EXPECT_EQ(again.json["results"][0]["ok"], false);
  EXPECT_EQ(again.json["results"][0]["check"], "device.state");
  // The bulk action itself is on record with its filter and operator.
  auto bulk = call("GET", "/events?kind=api.bulk-action", viewer_);
  ASSERT_EQ(bulk.json["count"], 2);
  EXPECT_EQ(bulk.json["events"][0]["detail"]["operator"], "olivia");
  EXPECT_EQ(bulk.json["events"][0]["detail"]["succeeded"], 2);
  // Release by state.
  auto rel = call("POST", "/actions/release", operator_, R"({"filter":{"state":"quarantined"}})");
  EXPECT_EQ(rel.json["succeeded"], 2);
}

TEST_F(ApiTest, EventsAsJsonAndCsv) {
  ASSERT_EQ(call("POST", "/devices/" + serials_[0] + "/quarantine", operator_,
                 Json{{"reason", "door, \"left\" open\nagain"}}.dump())
                .status,
            200);
  auto j = call("GET", "/events?serial=" + serials_[0], viewer_);
  ASSERT_EQ(j.status, 200);
  ASSERT_GE(j.json["count"].get<int>(), 2);
  EXPECT_EQ(j.json["events"].back()["kind"], "device.quarantine");
  auto kinds = call("GET", "/events?kind=device.q*&outcome=ok", viewer_);
  ASSERT_EQ(kinds.json["count"], 1);
  auto one = call("GET", "/events?limit=1", viewer_);
  EXPECT_EQ(one.json["truncated"], true);
  auto next = call("GET", "/events?limit=1&after=" + one.json["next_after"].dump(), viewer_);
  EXPECT_GT(next.json["events"][0]["id"].get<int64_t>(),
            one.json["events"][0]["id"].get<int64_t>());
  EXPECT_EQ(call("GET", "/events?since=2999-01-01T00:00:00Z", viewer_).json["count"], 0);
  auto csv = call("GET", "/events?serial=" + serials_[0] + "&format=csv", viewer_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(net::media_type_is(csv.raw.header("content-type"), "text/csv"));
  EXPECT_NE(csv.raw.header("content-disposition").find("attachment"), std::string::npos);
  auto rows = parse_csv(csv.body);
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "at", "serial", "kind", "outcome", "reason",
                                               "detail"}));
  const auto& last = rows.back();
  ASSERT_EQ(last.size(), 7u);
  EXPECT_EQ(last[2], serials_[0]);
  EXPECT_EQ(last[3], "device.quarantine");
  EXPECT_EQ(last[5], "door, \"left\" open\nagain");
  EXPECT_EQ((*parse_json(last[6], "csv"))["operator"], "olivia");
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].size(), 7u) << i;
}

TEST_F(ApiTest, EventFeedIsALongPollInServerSentEventsFormat) {
  auto now = call("GET", "/events/stream?format=json&wait=0", viewer_);
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_TRUE(now.json["events"].empty());
  const int64_t last = now.json["last_id"];
  auto idle = call("GET", "/events/stream?wait=0&after=" + std::to_string(last), viewer_);
  EXPECT_TRUE(net::media_type_is(idle.raw.header("content-type"), "text/event-stream"));
  EXPECT_NE(idle.body.find(": keep-alive"), std::string::npos);
  // A waiting poll answers as soon as an operator acts.
  std::thread act([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    call("POST", "/devices/" + serials_[2] + "/quarantine", operator_, R"({"reason":"feed"})");
  });
  double t0 = time::monotonic();
  auto fed = call("GET", "/events/stream?wait=10&serial=" + serials_[2], viewer_, "",
                  {{"Last-Event-ID", std::to_string(last)}});
  double took = time::monotonic() - t0;
  act.join();
  ASSERT_EQ(fed.status, 200) << fed.body;
  EXPECT_LT(took, 5.0);
  EXPECT_NE(fed.body.find("retry: 500\n"), std::string::npos);
  auto data = fed.body.find("data: ");
  ASSERT_NE(data, std::string::npos) << fed.body;
  EXPECT_NE(fed.body.rfind("id: ", data), std::string::npos);
  auto e = parse_json(fed.body.substr(data + 6, fed.body.find('\n', data) - data - 6), "sse");
  ASSERT_TRUE(e.ok()) << fed.body;
  EXPECT_EQ((*e)["kind"], "device.quarantine");
  EXPECT_EQ((*e)["detail"]["operator"], "olivia");
  EXPECT_EQ(call("GET", "/events/stream?wait=16", viewer_).check(), "api.query");
}

TEST_F(ApiTest, EventStreamSendsEachEntryAsItCommitsOverOneHeldConnection) {
  using std::chrono::milliseconds;
  ApiOptions o;
  o.max_streams = 1;
  o.stream_heartbeat_s = 1;
  auto api = start_api(o);
  ASSERT_TRUE(api);
  const int port = last_port_;
  net::testing::StreamReader r;
  ASSERT_TRUE(r.open(port, *api_tls_,
                     "GET /api/v1/events/stream?serial=" + serials_[2] +
                         " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + viewer_ + "\r\n\r\n"));
  ASSERT_TRUE(r.read_until("retry: 500\n", milliseconds(5000))) << r.text;
  EXPECT_NE(r.text.find("Content-Type: text/event-stream"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("Transfer-Encoding: chunked"), std::string::npos) << r.text;
  // Quiet: the keep-alive comment with the position, every stream_heartbeat_s.
  size_t at = r.text.size();
  ASSERT_TRUE(r.read_until(": keep-alive\nid: ", milliseconds(3000), at)) << r.text;
  // An operator acts: the entry arrives on the open connection, then the next one.
  call("POST", "/devices/" + serials_[1] + "/quarantine", operator_, R"({"reason":"other"})");
  call("POST", "/devices/" + serials_[2] + "/quarantine", operator_, R"({"reason":"feed"})");
  ASSERT_TRUE(r.read_until("\"device.quarantine\"", milliseconds(3000))) << r.text;
  EXPECT_FALSE(r.ended);
  at = r.text.size();
  call("POST", "/devices/" + serials_[2] + "/release", operator_, R"({"reason":"feed"})");
  ASSERT_TRUE(r.read_until("\"device.release\"", milliseconds(3000), at)) << r.text;
  // An entry another connection writes (another process: the CLI, the registrar) comes too.
  {
    auto other = std::move(*Site::open(dir_ + "/s"));
    ASSERT_TRUE(
        other->inventory()
            .append(store::Event{0, time::now(), serials_[2], "test.elsewhere", "ok", "", "{}"})
            .ok());
  }
  ASSERT_TRUE(r.read_until("\"test.elsewhere\"", milliseconds(3000))) << r.text;
  EXPECT_EQ(r.text.find(serials_[1]), std::string::npos);  // the filter holds
  // Each data record is one Event whose id the record names.
  const size_t data = r.text.find("data: ");
  ASSERT_NE(data, std::string::npos);
  auto e = parse_json(r.text.substr(data + 6, r.text.find('\n', data) - data - 6), "sse");
  ASSERT_TRUE(e.ok()) << r.text;
  EXPECT_NE(r.text.rfind("id: " + std::to_string((*e)["id"].get<int64_t>()) + "\n", data),
            std::string::npos);
  // The open stream is one of max_streams; once it is gone, another may start.
  EXPECT_EQ(call("GET", "/events/stream?wait=0", viewer_, "", {}, port).check(), "api.streams");
  r.drop();
  EXPECT_TRUE(net::testing::eventually(
      [&] { return call("GET", "/events/stream?wait=0", viewer_, "", {}, port).status == 200; }));
  // The token is asked again at every keep-alive: an operator removed meanwhile loses the stream.
  {
    auto site = std::move(*Site::open(dir_ + "/s"));
    OperatorStore ops(dir_ + "/s");
    const std::string brief = ops.add("vic", ApiRole::kViewer, "test", site->inventory())->token;
    net::testing::StreamReader v;
    ASSERT_TRUE(v.open(port, *api_tls_,
                       "GET /api/v1/events/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                           brief + "\r\n\r\n"));
    ASSERT_TRUE(v.read_until("retry: 500\n", milliseconds(5000))) << v.text;
    ASSERT_TRUE(ops.remove("vic", "test", true, site->inventory()).ok());
    EXPECT_TRUE(v.read_until("\r\n0\r\n\r\n", milliseconds(4000))) << v.text;
  }
  // hold: the stream ends by itself (the last chunk) and the client reconnects.
  net::testing::StreamReader h;
  ASSERT_TRUE(h.open(port, *api_tls_,
                     "GET /api/v1/events/stream?hold=1 HTTP/1.1\r\nHost: t\r\nAuthorization: "
                     "Bearer " +
                         viewer_ + "\r\n\r\n"));
  EXPECT_TRUE(h.read_until("\r\n0\r\n\r\n", milliseconds(4000))) << h.text;
  EXPECT_EQ(call("GET", "/events/stream?wait=1&hold=5", viewer_, "", {}, port).check(),
            "api.query");
  api->stop();
}

TEST_F(ApiTest, EventFeedsAreCapped429) {
  ApiOptions o;
  o.max_streams = 1;
  auto small = start_api(o);
  ASSERT_TRUE(small);
  const int port = last_port_;
  std::thread holder([&] { call("GET", "/events/stream?wait=3", viewer_, "", {}, port); });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto refused = call("GET", "/events/stream?wait=0", viewer_, "", {}, port);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.check(), "api.streams");
  EXPECT_EQ(refused.raw.header("retry-after"), "1");
  holder.join();
  EXPECT_EQ(call("GET", "/events/stream?wait=0", viewer_, "", {}, port).status, 200);
  small->stop();
}

TEST_F(ApiTest, AdminChangesPolicyWithTheSameValidationAsTheCli) {
  auto builtin = call("GET", "/policy", viewer_);
  ASSERT_EQ(builtin.status, 200);
  EXPECT_EQ(builtin.json["source"], "built-in");
  const std::string etag = builtin.raw.header("etag");
  const std::vector<std::pair<std::string, std::string>> yaml = {
      {"Content-Type", "application/yaml"}};
  auto broken =
      call("PUT", "/policy", admin_, "rules:\n  - name: x\n    action: sometimes\n", yaml);
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.check(), "policy.file");
  EXPECT_FALSE(fs::exists(dir_ + "/s/policy.yaml"));
  // An empty policy (JSON {} is YAML too) would deny every device: refused, nothing written.
  auto empty = call("PUT", "/policy", admin_, "{}");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.check(), "policy.empty");
  EXPECT_FALSE(fs::exists(dir_ + "/s/policy.yaml"));
  const std::string good =
      "default: {action: deny, segment: quarantine}\n"
      "rules:\n  - name: sensors\n    match: {model: m}\n    action: allow\n    segment: "
      "sensors\n";
  auto put = call("PUT", "/policy", admin_, good,
                  {{"Content-Type", "application/yaml"}, {"If-Match", etag}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(*fs::read_file(dir_ + "/s/policy.yaml"), good);
  auto shown = call("GET", "/policy", viewer_);
  EXPECT_EQ(shown.json["source"], "file");
  EXPECT_EQ(shown.json["yaml"], good);
  EXPECT_EQ(shown.json["summary"]["rules"][0]["name"], "sensors");
  EXPECT_EQ(shown.json["summary"]["default"]["action"], "deny");
  // The device's decision follows.
  EXPECT_EQ(call("GET", "/devices/" + serials_[0], viewer_).json["policy"]["rule"], "sensors");
  // A write based on an old read is refused.
  auto stale = call("PUT", "/policy", admin_, "default: {action: allow}\n",
                    {{"Content-Type", "application/yaml"}, {"If-Match", etag}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.check(), "policy.conflict");
  EXPECT_EQ(*fs::read_file(dir_ + "/s/policy.yaml"), good);
  auto set = call("GET", "/events?kind=policy.set", viewer_);
  ASSERT_EQ(set.json["count"], 1);
  EXPECT_EQ(set.json["events"][0]["detail"]["operator"], "ada");
}

TEST_F(ApiTest, AdminImportsBundlesAndListsManufacturers) {
  auto m = call("GET", "/manufacturers", viewer_);
  ASSERT_EQ(m.json["manufacturers"].size(), 1u);
  EXPECT_EQ(m.json["manufacturers"][0]["name"], "Acme");
  EXPECT_EQ(m.json["manufacturers"][0]["devices"], 3);
  // The fourth device sold to the site: its bundle through the API.
  masa_->stop();
  {
    auto f = std::move(*Factory::open(dir_ + "/f"));
    SellOptions sell;
    sell.serials = {serials_[3]};
    sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
    sell.bundle_path = dir_ + "/fourth.pem";
    ASSERT_TRUE(f->sell(sell).ok());
  }
  const std::vector<std::pair<std::string, std::string>> pem = {
      {"Content-Type", "application/x-pem-file"}};
  auto imp = call("POST", "/bundles", admin_, *fs::read_file(dir_ + "/fourth.pem"), pem);
  ASSERT_EQ(imp.status, 200) << imp.body;
  EXPECT_EQ(imp.json["added"], 1);
  EXPECT_EQ(state(serials_[3]), "expected");
  EXPECT_EQ(call("GET", "/events?kind=api.bundle-import", viewer_)
                .json["events"][0]["detail"]["operator"],
            "ada");
  // A bundle of a manufacturer the site does not trust: the import's own refusal.
  ASSERT_TRUE(
      Factory::init({dir_ + "/evil", "Evil", "https://localhost:1", "", "EVIL-", "file", {}}).ok());
  auto f = std::move(*Factory::open(dir_ + "/evil"));
  MakeOptions o;
  o.model = "m";
  o.count = 1;
  o.out_dir = dir_ + "/evil-d";
  auto made = *f->make(o);
  SellOptions sell;
  sell.serials = {made[0].serial};
  sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
  sell.bundle_path = dir_ + "/evil.pem";
  ASSERT_TRUE(f->sell(sell).ok());
  auto evil = call("POST", "/bundles", admin_, *fs::read_file(dir_ + "/evil.pem"), pem);
  EXPECT_EQ(evil.status, 400);
  EXPECT_EQ(evil.check(), "bundle.anchor");
  EXPECT_EQ(state(made[0].serial), "absent");
  EXPECT_EQ(call("POST", "/bundles", admin_, "", pem).check(), "api.body");
  // A body over the server's default 256 KiB reaches the import with an admin's token: the
  // import's own check then (the 413 for anyone else's: integration.api, with curl, which reads
  // the answer the server gives before the body is sent).
  auto admin_big = call("POST", "/bundles", admin_, std::string(300 * 1024, 'x'), pem);
  EXPECT_EQ(admin_big.status, 400) << admin_big.body;
  EXPECT_EQ(admin_big.check().rfind("bundle", 0), 0u) << admin_big.body;
}

TEST_F(ApiTest, AdminManagesOperatorsAndTokensAreStoredHashed) {
  auto add = call("POST", "/operators", admin_, R"({"name":"vic","role":"viewer"})");
  ASSERT_EQ(add.status, 201) << add.body;
  const std::string token = add.json["token"];
  EXPECT_EQ(base64url_decode(token)->size(), 32u);
  EXPECT_EQ(call("GET", "/devices", token).status, 200);
  EXPECT_EQ(call("POST", "/operators", admin_, R"({"name":"vic","role":"admin"})").check(),
            "operator.exists");
  EXPECT_EQ(call("POST", "/operators", admin_, R"({"name":"a b","role":"admin"})").check(),
            "operator.name");
  EXPECT_EQ(call("POST", "/operators", admin_, R"({"name":"x","role":"root"})").check(),
            "operator.role");
  auto list = call("GET", "/operators", admin_);
  ASSERT_EQ(list.json["operators"].size(), 4u);
  EXPECT_FALSE(list.body.find(token) != std::string::npos);
  EXPECT_FALSE(list.json["operators"][0].contains("token_sha256"));
  // The file keeps the hash, never the token, and only its owner reads it.
  const std::string file = *fs::read_file(dir_ + "/s/operators.json");
  EXPECT_EQ(file.find(token), std::string::npos);
  EXPECT_NE(file.find(hex_encode(crypto::sha256(token))), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/s/operators.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto del = call("DELETE", "/operators/vic", admin_);
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(call("GET", "/devices", token).check(), "api.auth");
  EXPECT_EQ(call("DELETE", "/operators/vic", admin_).status, 404);
  auto last = call("DELETE", "/operators/ada", admin_);
  EXPECT_EQ(last.status, 409);
  EXPECT_EQ(last.check(), "operator.last-admin");
  auto ev = call("GET", "/events?kind=operator.*", viewer_);
  ASSERT_GE(ev.json["count"].get<int>(), 5);
  EXPECT_EQ(ev.json["events"].back()["detail"]["by"], "ada");
}

}  // namespace
}  // namespace gh::svc

namespace gh::svc {
namespace {

TEST_F(ApiTest, MeNamesTheOperatorAndItsRole) {
  auto me = call("GET", "/me", viewer_);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["name"], "vera");
  EXPECT_EQ(me.json["role"], "viewer");
  EXPECT_FALSE(me.json.contains("token"));
  EXPECT_EQ(call("GET", "/me", "").check(), "api.auth");
}

TEST_F(ApiTest, PolicyDecisionIsTheCliCheck) {
  auto d = call("GET", "/policy/decision?serial=" + serials_[0], viewer_);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json["serial"], serials_[0]);
  EXPECT_EQ(d.json["decision"], "allow");
  EXPECT_EQ(d.json["rule"], "default");
  EXPECT_EQ(d.json["subject"]["protocol"], "connect");
  // The same function as `site policy check --json`.
  {
    auto site = std::move(*Site::open(dir_ + "/s"));
    PolicyStore store(dir_ + "/s");
    auto cli = policy_check_json(*site, store, serials_[0], "brski");
    ASSERT_TRUE(cli.ok());
    auto api = call("GET", "/policy/decision?serial=" + serials_[0] + "&protocol=brski", viewer_);
    EXPECT_EQ(api.json, *cli);
  }
  auto unknown = call("GET", "/policy/decision?serial=NOPE-1", viewer_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.check(), "policy.unknown-device");
  EXPECT_EQ(call("GET", "/policy/decision", viewer_).check(), "api.query");
  auto bad = call("GET", "/policy/decision?serial=" + serials_[0] + "&protocol=ftp", viewer_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.check(), "api.query");
}

TEST_F(ApiTest, ListShowsAndFiltersSegmentAndProtocol) {
  onboard(0);
  auto all = call("GET", "/devices", viewer_);
  ASSERT_EQ(all.status, 200) << all.body;
  for (const auto& d : all.json["devices"]) {
    EXPECT_EQ(d["protocol"], d["serial"] == serials_[0] ? "brski" : "none") << d.dump();
    EXPECT_EQ(d["segment"], "default") << d.dump();
  }
  auto brski = call("GET", "/devices?protocol=brski", viewer_);
  ASSERT_EQ(brski.json["total"], 1);
  EXPECT_EQ(brski.json["devices"][0]["serial"], serials_[0]);
  EXPECT_EQ(call("GET", "/devices?protocol=none,dpp", viewer_).json["total"], 2);
  EXPECT_EQ(call("GET", "/devices?segment=def*", viewer_).json["total"], 3);
  EXPECT_EQ(call("GET", "/devices?segment=cameras", viewer_).json["total"], 0);
  EXPECT_EQ(call("GET", "/devices?protocol=ftp", viewer_).check(), "api.filter");
  auto dry = call("POST", "/actions/quarantine", operator_,
                  R"({"filter":{"protocol":"brski"},"reason":"x","dry_run":true})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json["matched"], 1);
}

TEST_F(ApiTest, OnboardingStatsCountTheWindowByProtocolAndCheck) {
  onboard(0);
  {
    auto site = std::move(*Site::open(dir_ + "/s"));
    ASSERT_TRUE(site->inventory()
                    .append(store::Event{0, 0, serials_[1], "brski.voucher-request", "refused",
                                         "voucher.masa", "{}"})
                    .ok());
    ASSERT_TRUE(site->inventory()
                    .append(store::Event{0, 0, serials_[1], "network.8021x", "refused",
                                         "admission.revoked", "{}"})
                    .ok());
  }
  auto s = call("GET", "/stats/onboarding?minutes=5", viewer_);
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.json["minutes"], 5);
  EXPECT_EQ(s.json["bucket_s"], 60);
  EXPECT_FALSE(s.json["truncated"].get<bool>());
  ASSERT_EQ(s.json["per_minute"]["brski"]["ok"].size(), 5u);
  EXPECT_EQ(s.json["totals"]["brski"]["ok"], 1);
  EXPECT_EQ(s.json["totals"]["brski"]["refused"], 1);
  EXPECT_EQ(s.json["totals"]["dpp"]["ok"], 0);
  int64_t sum = 0;
  for (const auto& v : s.json["per_minute"]["brski"]["ok"]) sum += v.get<int64_t>();
  EXPECT_EQ(sum, 1);
  std::set<std::string> checks;
  for (const auto& r : s.json["refusals"]) {
    checks.insert(r["check"].get<std::string>());
    EXPECT_EQ(r["count"], 1) << r.dump();
  }
  EXPECT_TRUE(checks.count("voucher.masa"));
  EXPECT_TRUE(checks.count("admission.revoked"));
  EXPECT_EQ(s.json["refusals_total"], 2);
  EXPECT_EQ(call("GET", "/stats/onboarding?minutes=0", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/stats/onboarding?minutes=1441", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/stats/onboarding?window=5", viewer_).check(), "api.query");
  EXPECT_EQ(call("GET", "/stats/onboarding", "").check(), "api.auth");
}

TEST_F(ApiTest, TheSiteLeadsToTheDashboardOnTheSameListener) {
  const std::string ui = dir_ + "/ui";
  ASSERT_TRUE(fs::make_dirs(ui).ok());
  ASSERT_TRUE(fs::write_file_atomic(ui + "/index.html", "<!doctype html>").ok());
  ApiOptions o;
  o.ui_dir = ui;
  auto api = start_api(o);
  ASSERT_TRUE(api);
  EXPECT_TRUE(api->ui_installed());
  auto raw = [&](const std::string& path) {
    auto c = net::HttpClient::connect("127.0.0.1", last_port_, *api_tls_);
    EXPECT_TRUE(c.ok());
    auto r = (*c)->request("GET", path, {}, "");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : net::ClientResponse{};
  };
  for (const char* path : {"/", "/ui"}) {
    auto r = raw(path);
    EXPECT_EQ(r.status, 302) << path;
    EXPECT_EQ(r.header("location"), "/ui/") << path;
  }
  auto page = raw("/ui/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html>");
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
  EXPECT_NE(page.header("content-security-policy").find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(raw("/ui/../inventory.db").status, 400);
  // The API keeps its own answers beside it.
  EXPECT_EQ(raw("/api/v1/health").status, 200);
  EXPECT_EQ(raw("/elsewhere").status, 404);
  api->stop();
}

}  // namespace
}  // namespace gh::svc
