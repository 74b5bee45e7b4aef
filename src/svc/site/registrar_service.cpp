#include "svc/site/registrar_service.h"

#include "codec/declaration.h"
#include "codec/est.h"
#include "codec/voucher.h"
#include "common/log.h"
#include "crypto/jws.h"
#include "proto/check.h"
#include "svc/site/admission.h"
#include "svc/site/policy_store.h"

namespace gh::svc {
namespace {

using net::HttpResponse;

// How each refused check answers the pledge: the table in proto/check.h (RFC 8995 5.3).
int status_for(const std::string& code) {
  return proto::http_status(code, proto::Responder::kRegistrar);
}

store::Event event(const std::string& serial, const std::string& kind, bool ok,
                   const std::string& reason, Json detail = Json::object()) {
  return store::Event{0, 0, serial, kind, ok ? "ok" : "refused", reason, detail.dump()};
}

}  // namespace

Result<std::unique_ptr<RegistrarService>> RegistrarService::open(const std::string& state_dir,
                                                                 RegistrarOptions options) {
  std::unique_ptr<RegistrarService> r(new RegistrarService());
  r->site_ = TRY(Site::open(state_dir));
  r->policy_ = std::make_unique<PolicyStore>(state_dir);
  r->registrar_ = std::make_unique<proto::Registrar>(TRY(r->site_->registrar_identity()));
  r->options_ = options;
  return r;
}

Result<int> RegistrarService::serve(const std::string& host, int port) {
  const auto& id = registrar_->identity();
  auto tls = TRY(crypto::TlsContext::server(crypto::TlsIdentity{id.cert, id.chain, id.key}));
  server_ = TRY(net::HttpServer::start(host, port, std::move(tls),
                                       [this](net::HttpRequest& r) { return handle(r); }));
  return server_->port();
}

void RegistrarService::stop() {
  if (server_) server_->stop();
}

HttpResponse RegistrarService::refuse(int status, const std::string& serial,
                                      const std::string& kind, const Error& e) {
  (void)site_->inventory().append(event(serial, kind, false, e.code, Json{{"message", e.message}}));
  log::info("registrar",
            (serial.empty() ? std::string("?") : serial) + " " + kind + " refused: " + e.str());
  return HttpResponse::refusal(status ? status : status_for(e.code), e.code, e.message);
}

HttpResponse RegistrarService::handle(net::HttpRequest& req) {
  static const std::map<std::string, std::string> methods = {
      {"/.well-known/brski/requestvoucher", "POST"}, {"/.well-known/brski/voucher_status", "POST"},
      {"/.well-known/brski/enrollstatus", "POST"},   {"/.well-known/est/cacerts", "GET"},
      {"/.well-known/est/csrattrs", "GET"},          {"/.well-known/est/simpleenroll", "POST"},
      {"/.well-known/est/simplereenroll", "POST"}};
  auto m = methods.find(req.path);
  if (m == methods.end()) return HttpResponse::text(404, "no such resource");
  if (req.method != m->second) return HttpResponse::text(405, m->second + " only");
  if (req.path == "/.well-known/brski/requestvoucher") return request_voucher(req);
  if (req.path == "/.well-known/brski/voucher_status")
    return status_report(req, "brski.voucher-status");
  if (req.path == "/.well-known/brski/enrollstatus")
    return status_report(req, "brski.enroll-status");
  if (req.path == "/.well-known/est/cacerts") {
    auto body = codec::est_certs_only({registrar_->domain_ca()});
    if (!body) return HttpResponse::text(500, body.error().message);
    return HttpResponse{200, codec::kCertsOnlyMediaType, *body, {}};
  }
  if (req.path == "/.well-known/est/csrattrs")
    return HttpResponse{200, codec::kCsrAttrsMediaType, codec::est_csrattrs(), {}};
  return simple_enroll(req, req.path == "/.well-known/est/simplereenroll");
}

Result<std::string> RegistrarService::call_masa(const proto::PledgeRequest& p,
                                                const std::string& endpoint, const Bytes& rvr,
                                                int* status_out) {
  // As many idle connections as pledges in flight: each one more costs a full TLS handshake on
  // both sides when the load returns.
  constexpr size_t kMaxIdlePerMasa = 128;
  auto url = TRY(net::Url::parse(p.masa_url + "/" + endpoint));
  std::string key = hex_encode(p.manufacturer.fingerprint_sha256()) + "|" + url.host + ":" +
                    std::to_string(url.port);
  const crypto::TlsContext* ctx = nullptr;
  std::unique_ptr<net::HttpClient> client;
  {
    std::lock_guard<std::mutex> lock(tls_mu_);
    auto& slot = masa_tls_[key];
    if (!slot) {
      // The MASA's TLS certificate must chain to this device's manufacturer and name its host.
      const auto& id = registrar_->identity();
      crypto::TlsIdentity tls_client{id.cert, id.chain, id.key};
      slot = std::make_unique<crypto::TlsContext>(
          TRY(crypto::TlsContext::client(&tls_client, {p.manufacturer}, url.host)));
    }
    ctx = slot.get();
    auto& idle = masa_idle_[key];
    if (!idle.empty()) {
      client = std::move(idle.back());
      idle.pop_back();
    }
  }
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", codec::kVoucherMediaType}, {"Accept", codec::kVoucherMediaType}};
  Result<net::ClientResponse> resp = make_error("masa.unreachable", "no connection");
  if (client) resp = client->request("POST", url.path, headers, to_string(rvr));
  if (!client || !resp) {
    // No idle connection, or the idle one had gone stale: one fresh connection.
    auto fresh = net::HttpClient::connect(url.host, url.port, *ctx, options_.masa_timeout_s);
    if (!fresh)
      return make_error("masa.unreachable", "MASA at " + p.masa_url + ": " + fresh.error().message);
    client = std::move(*fresh);
    resp = client->request("POST", url.path, headers, to_string(rvr));
    if (!resp)
      return make_error("masa.unreachable", "MASA at " + p.masa_url + ": " + resp.error().message);
  }
  if (resp->header("connection") != "close") {
    std::lock_guard<std::mutex> lock(tls_mu_);
    auto& idle = masa_idle_[key];
    if (idle.size() < kMaxIdlePerMasa) idle.push_back(std::move(client));
  }
  *status_out = resp->status;
  if (resp->status != 200) return resp->refusal("MASA refused", "masa.refused");
  return resp->body;
}

HttpResponse RegistrarService::request_voucher(net::HttpRequest& req) {
  const std::string kind = "brski.voucher-request";
  if (!net::media_type_is(req.header("content-type"), codec::kVoucherMediaType))
    return HttpResponse::refusal(415, "pvr.media-type", "expected application/voucher-cms+json");
  auto anchors = manufacturer_anchors();
  if (!anchors) return refuse(500, "", kind, anchors.error());
  auto p =
      registrar_->check_pledge_request(to_bytes(req.body), req.connection->peer_chain, *anchors);
  std::string tls_serial = req.connection->peer_chain.empty()
                               ? ""
                               : req.connection->peer_chain[0].serial_number_attr().value_or("");
  if (!p) return refuse(0, tls_serial, kind, p.error());

  // Authorization: the device must be expected from an imported bundle and in good standing.
  auto device = site_->inventory().get(p->serial);
  if (!device) return refuse(500, p->serial, kind, device.error());
  if (!device->has_value())
    return refuse(
        0, p->serial, kind,
        make_error("policy.unknown-device", p->serial + " is not in any imported bundle"));
  // Its standing, then the authorization policy (site policy set): the rule that decides names
  // itself.
  ServeVerdict serve = may_serve(**device, Service::kOnboard, subject_for(**device, "brski"),
                                 *policy_, &site_->inventory());
  if (!serve.allowed) return refuse(0, p->serial, kind, serve.error());
  auto fresh = site_->inventory().remember_nonce(p->serial, p->pvr.nonce);
  if (!fresh) return refuse(500, p->serial, kind, fresh.error());
  if (!*fresh)
    return refuse(0, p->serial, kind,
                  make_error("pvr.replay", "this voucher-request was seen before"));

  auto rvr = registrar_->registrar_request(*p, time::now());
  if (!rvr) return refuse(500, p->serial, kind, rvr.error());
  int masa_status = 0;
  auto voucher = call_masa(*p, "requestvoucher", *rvr, &masa_status);
  if (!voucher) {
    if (voucher.error().code == "masa.unreachable") {
      auto r = refuse(503, p->serial, kind, voucher.error());
      r.headers.emplace_back("Retry-After", "30");
      return r;
    }
    return refuse(masa_status == 404 ? 404 : 403, p->serial, kind, voucher.error());
  }
  auto checked = registrar_->check_voucher(to_bytes(*voucher), *p);
  if (!checked) return refuse(502, p->serial, kind, checked.error());
  if (options_.check_audit_log) {
    auto audit = check_audit_log(*p, *rvr, **device);
    if (!audit) return refuse(0, p->serial, kind, audit.error());
  }
  auto st =
      site_->inventory().record_voucher(p->serial, base64_encode(to_bytes(*voucher)),
                                        event(p->serial, kind, true, "voucher issued by the MASA",
                                              Json{{"masa", p->masa_url},
                                                   {"nonce", p->pvr.nonce},
                                                   {"policy", serve.decision.to_json()}}));
  if (!st) return refuse(500, p->serial, kind, st.error());
  req.connection->attributes["voucher_serial"] = p->serial;
  return HttpResponse{200, codec::kVoucherMediaType, *voucher, {}};
}

Result<std::vector<crypto::Certificate>> RegistrarService::manufacturer_anchors() {
  // The trusted set is read each time (another process may have trusted a manufacturer since);
  // only the parsing is cached.
  auto rows = TRY(site_->inventory().manufacturers());
  std::vector<crypto::Certificate> out;
  std::lock_guard<std::mutex> lock(anchors_mu_);
  for (const auto& m : rows) {
    auto it = anchors_.find(m.fingerprint);
    if (it == anchors_.end()) {
      auto c = crypto::Certificate::from_pem(m.root_pem);
      if (!c) continue;
      it = anchors_.emplace(m.fingerprint, *c).first;
    }
    out.push_back(it->second);
  }
  return out;
}

Status RegistrarService::check_audit_log(const proto::PledgeRequest& p, const Bytes& rvr,
                                         const store::DeviceRecord& device) {
  int status = 0;
  auto body = call_masa(p, "requestauditlog", rvr, &status);
  if (!body)
    return make_error("policy.audit-log",
                      "cannot read the MASA audit log: " + body.error().message);
  auto log = parse_json(*body, "audit log");
  if (!log || !log->is_object() || !log->contains("events") || !(*log)["events"].is_array())
    return make_error("policy.audit-log", "MASA audit log is not the RFC 8995 5.8.1 JSON");
  // Since when this domain's claim holds: the issue time of the device's current declaration.
  time::Seconds since = 0;
  if (auto d = codec::decode_verified_declaration(device.declaration)) since = d->issued_at;
  const auto& ca = registrar_->domain_ca();
  Bytes ski = ca.subject_key_id();
  std::string ours = base64_encode(ski.empty() ? ca.public_key().spki_sha256() : ski);
  for (const auto& e : (*log)["events"]) {
    std::string domain = json_string_or(e, "domainID", "");
    auto date = time::parse_rfc3339(json_string_or(e, "date", ""));
    if (domain.empty() || domain == ours || !date || *date < since) continue;
    return make_error("policy.onboarded-elsewhere",
                      p.serial + " had a voucher for another domain (" + domain + ") on " +
                          time::format_rfc3339(*date) + ", after its current declaration");
  }
  return ok_status();
}

bool RegistrarService::is_domain_certificate(const std::vector<crypto::Certificate>& chain) const {
  return !chain.empty() && crypto::verify_chain(chain[0], {}, {registrar_->domain_ca()}).ok();
}

HttpResponse RegistrarService::simple_enroll(net::HttpRequest& req, bool reenroll) {
  const std::string kind = reenroll ? "est.simplereenroll" : "est.simpleenroll";
  const auto& chain = req.connection->peer_chain;
  if (chain.empty())
    return refuse(401, "", kind, make_error("est.client", "no TLS client certificate"));
  std::string serial = chain[0].serial_number_attr().value_or("");
  if (reenroll) {
    // RFC 7030 4.2.2: authenticated by the current, valid LDevID, which must be on record.
    if (!is_domain_certificate(chain))
      return refuse(
          401, serial, kind,
          make_error("est.client", "client certificate is not a valid LDevID of this domain"));
    auto creds = site_->inventory().credentials(serial);
    bool active = false;
    if (creds)
      for (const auto& c : *creds)
        active = active || (c.serial_hex == chain[0].serial_hex() && c.status == "active");
    if (!active)
      return refuse(403, serial, kind,
                    make_error("est.superseded", "this LDevID is not the device's current one"));
  } else if (req.connection->attributes["voucher_serial"] != serial || serial.empty()) {
    // RFC 8995 5.9.3: enrollment follows the voucher on the same TLS session.
    return refuse(403, serial, kind,
                  make_error("est.no-voucher", "no voucher was issued on this TLS session"));
  }
  auto csr = codec::est_parse_csr(req.body);
  if (!csr) return refuse(400, serial, kind, csr.error());
  Status st = reenroll ? csr->verify_signature() : registrar_->check_csr(*csr, chain[0]);
  if (st.ok() && csr->subject_attr("serialNumber") != serial)
    st = make_error("csr.serial", "CSR serialNumber is not the client's");
  if (!st) return refuse(400, serial, kind, st.error());
  const auto& ca = site_->domain_ca_identity();
  auto ldevid =
      ca.issue(pki::ldevid(site_->name(), serial, csr->public_key(), options_.ldevid_lifetime_s));
  if (!ldevid) return refuse(500, serial, kind, ldevid.error());
  // Recorded before it is sent: no LDevID leaves without its inventory entry.
  auto rec = site_->inventory().record_ldevid(
      serial, ldevid->pem(), ldevid->serial_hex(), ldevid->not_after(),
      event(serial, kind, true, "LDevID issued",
            Json{{"certificate_serial", ldevid->serial_hex()},
                 {"not_after", time::format_rfc3339(ldevid->not_after())}}));
  if (!rec) return refuse(500, serial, kind, rec.error());
  auto body = codec::est_certs_only({*ldevid});
  if (!body) return refuse(500, serial, kind, body.error());
  return HttpResponse{200, codec::kCertsOnlyMediaType, *body, {}};
}

HttpResponse RegistrarService::status_report(net::HttpRequest& req, const std::string& kind) {
  const auto& chain = req.connection->peer_chain;
  std::string serial = chain.empty() ? "" : chain[0].serial_number_attr().value_or("");
  auto json = parse_json(req.body, "status");
  if (!json || !json->is_object() || !json->contains("status") || !(*json)["status"].is_boolean())
    return refuse(
        400, serial, kind,
        make_error("status.format", "status telemetry must be JSON with a boolean 'status'"));
  bool ok = (*json)["status"].get<bool>();
  std::string reason = json_string_or(*json, "reason", "");
  bool ldevid = is_domain_certificate(chain);
  Json detail{{"status", ok},
              {"client_certificate", ldevid ? "ldevid" : (chain.empty() ? "none" : "idevid")}};
  if (!reason.empty()) detail["reason"] = reason;
  if (kind == "brski.enroll-status" && ok && ldevid) {
    auto st = site_->inventory().set_state(
        serial, "onboarded",
        event(serial, kind, true, "device reports enrollment success", detail));
    if (!st) return refuse(500, serial, kind, st.error());
  } else {
    (void)site_->inventory().append(
        event(serial, kind, ok, ok ? "reported success" : "device reports failure", detail));
  }
  return HttpResponse::text(200, "ok");
}

}  // namespace gh::svc
