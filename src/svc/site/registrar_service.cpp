#include "svc/site/registrar_service.h"

#include "codec/declaration.h"
#include "codec/est.h"
#include "codec/voucher.h"
#include "common/log.h"
#include "crypto/jws.h"
#include "proto/check.h"
#include "svc/site/admission.h"
#include "svc/site/evidence_gate.h"
#include "svc/site/policy_store.h"
#include "svc/site/site_metrics.h"

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
  r->verifier_ = TRY(Verifier::open(*r->site_));
  r->campaigns_ = std::make_unique<Campaigns>(r->site_->inventory(), Campaigns::csprng());
  r->lifecycle_ = std::make_unique<LifecycleService>(*r->site_, *r->campaigns_);
  r->options_ = options;
  return r;
}

Result<int> RegistrarService::serve(const std::string& host, int port) {
  const auto& id = registrar_->identity();
  auto tls = TRY(crypto::TlsContext::server(crypto::TlsIdentity{id.cert, id.chain, id.key}));
  server_ = TRY(net::HttpServer::start(
      host, port, std::move(tls), [this](net::HttpRequest& r) { return handle(r); }, limits_));
  server_stats_ = metrics::Registry::process().collect([this](metrics::Registry& r) {
    metrics::server_metrics(r, "registrar", server_->stats(), limits_);
  });
  lifecycle_->start_mirror_sync(options_.mirror_interval_s);
  return server_->port();
}

void RegistrarService::stop() {
  server_stats_ = metrics::Registry::Collection();
  if (server_) server_->stop();
  lifecycle_->stop();
}

Result<std::string> RegistrarService::ldevid_device(const net::HttpRequest& req) {
  const auto& chain = req.connection->peer_chain;
  if (chain.empty() || !is_domain_certificate(chain))
    return make_error("lifecycle.credential", "present the device's LDevID");
  auto cred = TRY(site_->inventory().credential(chain[0].serial_hex()));
  std::string serial = chain[0].serial_number_attr().value_or("");
  if (!cred || cred->device != serial || cred->status != "active")
    return make_error("lifecycle.credential", "certificate " + chain[0].serial_hex() +
                                                  " is not the device's current LDevID");
  return serial;
}

HttpResponse RegistrarService::refuse(int status, const std::string& serial,
                                      const std::string& kind, const Error& e) {
  if (serial.empty()) return refuse_unauthenticated(status, kind, e);
  // The evidence log takes a bounded rate from each device; beyond it refusals are counted.
  double now = time::monotonic();
  if (gate_.admit(serial, now))
    (void)site_->inventory().append(
        event(serial, kind, false, e.code, Json{{"message", sanitize_peer_text(e.message)}}));
  log_gate_summary(now);
  log::info("registrar", serial + " " + kind + " refused: " + e.str());
  return HttpResponse::refusal(status ? status : status_for(e.code), e.code, e.message);
}

HttpResponse RegistrarService::refuse_unauthenticated(int status, const std::string& kind,
                                                      const Error& e) {
  // A peer that proved no identity writes nothing: it is counted, and the counts reach the log
  // as one summary a minute.
  gate_.count_unauthenticated();
  log_gate_summary(time::monotonic());
  log::debug("registrar", "unauthenticated " + kind + " refused: " + e.str());
  return HttpResponse::refusal(status ? status : status_for(e.code), e.code, e.message);
}

void RegistrarService::log_gate_summary(double now) {
  EvidenceGate::Summary sum;
  if (!gate_.summary_due(now, &sum)) return;
  (void)site_->inventory().append(
      event("", "evidence.rate-limited", false, "evidence.rate",
            Json{{"dropped", sum.dropped},
                 {"unauthenticated", sum.unauthenticated},
                 {"dropped_total", gate_.dropped_total()},
                 {"unauthenticated_total", gate_.unauthenticated_total()}}));
}

HttpResponse RegistrarService::handle(net::HttpRequest& req) {
  // How long each onboarding and assurance step takes the site, request in to answer out.
  static const std::map<std::string, std::string> steps = {
      {"/.well-known/brski/requestvoucher", "brski_voucher_request"},
      {"/.well-known/est/simpleenroll", "est_enroll"},
      {"/.well-known/est/simplereenroll", "est_reenroll"},
      {"/.well-known/gatehouse/attest/evidence", "attestation_appraisal"}};
  auto step = steps.find(req.path);
  if (step == steps.end() || req.method != "POST") return route(req);
  const double start = time::monotonic();
  HttpResponse r = route(req);
  observe_step(step->second, r.status < 400, time::monotonic() - start);
  return r;
}

HttpResponse RegistrarService::route(net::HttpRequest& req) {
  static const std::map<std::string, std::string> methods = {
      {"/.well-known/brski/requestvoucher", "POST"},
      {"/.well-known/brski/voucher_status", "POST"},
      {"/.well-known/brski/enrollstatus", "POST"},
      {"/.well-known/est/cacerts", "GET"},
      {"/.well-known/est/csrattrs", "GET"},
      {"/.well-known/est/simpleenroll", "POST"},
      {"/.well-known/est/simplereenroll", "POST"},
      {"/.well-known/gatehouse/attest/challenge", "GET"},
      {"/.well-known/gatehouse/attest/evidence", "POST"}};
  if (req.path.rfind(kLifecyclePath, 0) == 0) {
    auto serial = ldevid_device(req);
    if (!serial) return refuse_unauthenticated(401, "lifecycle", serial.error());
    return lifecycle_->handle(req, *serial);
  }
  auto m = methods.find(req.path);
  if (m == methods.end()) return HttpResponse::text(404, "no such resource");
  if (req.method != m->second) return HttpResponse::text(405, m->second + " only");
  if (req.path == "/.well-known/brski/requestvoucher") return request_voucher(req);
  if (req.path == "/.well-known/brski/voucher_status")
    return status_report(req, "brski.voucher-status");
  if (req.path == "/.well-known/brski/enrollstatus")
    return status_report(req, "brski.enroll-status");
  if (req.path == "/.well-known/gatehouse/attest/challenge") return attest(req, false);
  if (req.path == "/.well-known/gatehouse/attest/evidence") return attest(req, true);
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
  // Some pledges send an empty request first to learn the registrar's certificate from TLS: a
  // plain 400, and nothing in the evidence log (it asked nothing).
  if (req.body.empty())
    return HttpResponse::refusal(400, "pvr.empty", "the voucher-request is empty");
  auto anchors = manufacturer_anchors();
  if (!anchors) return refuse(500, "", kind, anchors.error());
  auto p =
      registrar_->check_pledge_request(to_bytes(req.body), req.connection->peer_chain, *anchors);
  std::string tls_serial = req.connection->peer_chain.empty()
                               ? ""
                               : req.connection->peer_chain[0].serial_number_attr().value_or("");
  // Until the IDevID chain verifies the peer has proved no identity: nothing is recorded.
  if (!p)
    return p.error().code.rfind("idevid.", 0) == 0 ? refuse_unauthenticated(0, kind, p.error())
                                                   : refuse(0, tls_serial, kind, p.error());

  // Authorization: the device must be expected from an imported bundle and in good standing.
  auto device = site_->inventory().get(p->serial);
  if (!device) return refuse(500, p->serial, kind, device.error());
  if (!device->has_value())
    return refuse(
        0, p->serial, kind,
        make_error("policy.unknown-device", p->serial + " is not in any imported bundle"));
  // Its standing, then the authorization policy (site policy set): the rule that decides names
  // itself.
  // A device whose own fresh evidence was contraindicated gets no voucher, whatever the rules.
  if ((*device)->attestation_status == "contraindicated")
    return refuse(403, p->serial, kind,
                  make_error("attest.contraindicated",
                             p->serial + "'s latest attestation result is contraindicated"));
  ServeVerdict serve = may_serve(**device, Service::kOnboard, subject_for(**device, "brski"),
                                 *policy_, &site_->inventory());
  if (!serve.decision.rule.empty()) count_policy_decision("brski", serve.decision);
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
  // A MASA may answer in base64 (NquiringMinds' does): the voucher is kept and relayed as DER.
  if (auto der = crypto::cms_from_any(to_bytes(*voucher));
      der && !crypto::is_binary_cms(*voucher)) {
    p->notes.push_back("the MASA answered in base64: read");
    *voucher = to_string(*der);
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
                                                   {"policy", serve.decision.to_json()},
                                                   {"compatibility", p->notes}}));
  if (!st) return refuse(500, p->serial, kind, st.error());
  req.connection->attributes["voucher_serial"] = p->serial;
  // Answered as asked: a pledge that sent base64 (as NquiringMinds' does) reads base64.
  if (p->base64_body)
    return HttpResponse{200, codec::kVoucherMediaType, base64_encode(to_bytes(*voucher)), {}};
  return HttpResponse{200, codec::kVoucherMediaType, *voucher, {}};
}

Result<std::vector<proto::TrustedManufacturer>> RegistrarService::manufacturer_anchors() {
  // The trusted set is read each time (another process may have trusted a manufacturer since);
  // only the parsing is cached.
  auto rows = TRY(site_->inventory().manufacturers());
  std::vector<proto::TrustedManufacturer> out;
  std::lock_guard<std::mutex> lock(anchors_mu_);
  for (const auto& m : rows) {
    auto it = anchors_.find(m.fingerprint);
    if (it == anchors_.end()) {
      auto c = crypto::Certificate::from_pem(m.root_pem);
      if (!c) continue;
      it = anchors_.emplace(m.fingerprint, *c).first;
    }
    out.push_back({it->second, m.masa_url});
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
    if (chain[0].not_after() < time::now() &&
        crypto::verify_chain(chain[0], {}, {registrar_->domain_ca()},
                             crypto::VerifyOptions{chain[0].not_before(), true, false, true})
            .ok())
      return refuse(403, serial, kind,
                    make_error("est.expired", "this LDevID expired on " +
                                                  time::format_rfc3339(chain[0].not_after()) +
                                                  ": the device must onboard again"));
    if (!is_domain_certificate(chain))
      return refuse_unauthenticated(
          401, kind,
          make_error("est.client", "client certificate is not a valid LDevID of this domain"));
    auto cred = site_->inventory().credential(chain[0].serial_hex());
    if (!cred) return refuse(500, serial, kind, cred.error());
    const std::string status =
        *cred && (*cred)->device == serial ? (*cred)->status : std::string("not on record");
    if (status != "active")
      return refuse(403, serial, kind,
                    make_error(status == "revoked"   ? "est.revoked"
                               : status == "pending" ? "est.pending"
                                                     : "est.superseded",
                               "certificate " + chain[0].serial_hex() + " is " + status +
                                   ", not the device's current LDevID"));
  } else if (req.connection->attributes["voucher_serial"] != serial || serial.empty()) {
    // RFC 8995 5.9.3: enrollment follows the voucher on the same TLS session.
    return refuse_unauthenticated(
        403, kind, make_error("est.no-voucher", "no voucher was issued on this TLS session"));
  }
  // The device's state must allow the step before anything is issued (the store checks again
  // when it records the credential).
  auto device = site_->inventory().get(serial);
  if (!device) return refuse(500, serial, kind, device.error());
  if (!*device)
    return refuse(404, serial, kind,
                  make_error("inventory.unknown", serial + " is not in the inventory"));
  if ((*device)->attestation_status == "contraindicated")
    return refuse(403, serial, kind,
                  make_error("attest.contraindicated",
                             serial + "'s latest attestation result is contraindicated"));
  const auto step = reenroll ? store::Transition::kReenrolled : store::Transition::kLdevidIssued;
  if (Status allowed =
          store::check_transition(step, store::Actor::kRegistrar, serial, (*device)->state);
      !allowed)
    return refuse(403, serial, kind, allowed.error());
  auto csr = codec::est_parse_csr(req.body);
  if (!csr) return refuse(400, serial, kind, csr.error());
  Status st = reenroll ? csr->verify_signature() : registrar_->check_csr(*csr, chain[0]);
  if (st.ok() && csr->subject_attr("serialNumber") != serial)
    st = make_error("csr.serial", "CSR serialNumber is not the client's");
  // The site asked for a new key: the same one is not a rekey.
  if (st.ok() && reenroll && (*device)->renewal == "rekey" &&
      csr->public_key().spki_sha256() == chain[0].public_key().spki_sha256())
    st = make_error("est.rekey", "the site asked " + serial + " for a new key; the CSR reuses it");
  if (!st) return refuse(400, serial, kind, st.error());
  const auto& ca = site_->domain_ca_identity();
  auto ldevid =
      ca.issue(pki::ldevid(site_->name(), serial, csr->public_key(), options_.ldevid_lifetime_s));
  if (!ldevid) return refuse(500, serial, kind, ldevid.error());
  // Recorded before it is sent: no LDevID leaves without its inventory entry.
  auto rec = site_->inventory().record_ldevid(
      serial, ldevid->pem(), ldevid->serial_hex(), ldevid->not_after(),
      reenroll ? store::Transition::kReenrolled : store::Transition::kLdevidIssued,
      store::Actor::kRegistrar,
      event(serial, kind, true, "LDevID issued",
            Json{{"certificate_serial", ldevid->serial_hex()},
                 {"not_after", time::format_rfc3339(ldevid->not_after())}}));
  if (!rec)
    return rec.error().code.rfind("lifecycle.", 0) == 0
               ? HttpResponse::refusal(403, rec.error().code, rec.error().message)
               : refuse(500, serial, kind, rec.error());
  auto body = codec::est_certs_only({*ldevid});
  if (!body) return refuse(500, serial, kind, body.error());
  return HttpResponse{200, codec::kCertsOnlyMediaType, *body, {}};
}

HttpResponse RegistrarService::status_report(net::HttpRequest& req, const std::string& kind) {
  const auto& chain = req.connection->peer_chain;
  std::string serial = chain.empty() ? "" : chain[0].serial_number_attr().value_or("");
  // Who reports decides what the report may do (RFC 8995 5.7, 5.9.4): voucher status and a
  // failed enrollment come on the TLS session the voucher was issued on (the pledge's verified
  // IDevID); a successful enrollment comes over a new session with the LDevID just issued, which
  // must be the device's current, active credential. Anyone else proved no identity: counted, and
  // nothing is written.
  const bool voucher_session =
      !serial.empty() && req.connection->attributes["voucher_serial"] == serial;
  const bool ldevid = !voucher_session && is_domain_certificate(chain);
  if (!voucher_session && !ldevid)
    return refuse_unauthenticated(
        chain.empty() ? 401 : 403, kind,
        make_error("status.client", chain.empty()
                                        ? "no TLS client certificate"
                                        : "neither the session of this device's voucher nor "
                                          "an LDevID of this domain"));
  if (kind == "brski.voucher-status" && !voucher_session)
    return refuse(403, serial, kind,
                  make_error("status.session", "voucher status comes on the voucher's session"));
  // An LDevID speaks for the device only while it is the device's current, active credential:
  // a superseded or revoked one reports nothing, success or failure.
  bool renewal = false;  // the session's LDevID is a renewal waiting for this confirmation
  if (ldevid) {
    auto cred = site_->inventory().credential(chain[0].serial_hex());
    if (!cred) return refuse(500, serial, kind, cred.error());
    renewal = *cred && (*cred)->device == serial && (*cred)->status == "pending" &&
              kind == "brski.enroll-status";
    if (!renewal && (!*cred || (*cred)->device != serial || (*cred)->status != "active"))
      return refuse(403, serial, kind,
                    make_error("status.credential",
                               "certificate " + chain[0].serial_hex() + " is " +
                                   (*cred ? (*cred)->status : std::string("not on record")) +
                                   ", not the device's current LDevID"));
  }
  auto json = parse_json(req.body, "status");
  if (!json || !json->is_object() || !json->contains("status") || !(*json)["status"].is_boolean())
    return refuse(
        400, serial, kind,
        make_error("status.format", "status telemetry must be JSON with a boolean 'status'"));
  bool ok = (*json)["status"].get<bool>();
  Json detail{{"status", ok}, {"client_certificate", ldevid ? "ldevid" : "idevid"}};
  if (auto r = json->find("reason"); r != json->end() && r->is_string())
    detail["reason"] = sanitize_peer_text(r->get<std::string>());
  if (kind == "brski.enroll-status" && ok) {
    if (!ldevid)
      return refuse(403, serial, kind,
                    make_error("status.credential",
                               "enrollment success is reported with the LDevID it issued"));
    if (!gate_.admit(serial, time::monotonic()))
      return HttpResponse::refusal(429, "evidence.rate", "too many reports; try again later");
    if (renewal) {
      // A renewed LDevID, proven by this session: it replaces the old one.
      auto st = site_->inventory().confirm_renewal(
          serial, chain[0].serial_hex(),
          event(serial, "ldevid.renew-confirmed", true, "device confirms its renewed LDevID",
                Json{{"certificate_serial", chain[0].serial_hex()},
                     {"not_after", time::format_rfc3339(chain[0].not_after())}}));
      if (!st)
        return HttpResponse::refusal(st.error().code == "inventory.unknown" ? 404 : 403,
                                     st.error().code, st.error().message);
      // The CRL lists the old one from the site's next publication (`site serve` republishes
      // within two seconds of a change): signing the whole list on every confirmation would
      // make renewals cost in proportion to the site's size.
      return HttpResponse::text(200, "ok");
    }
    auto device = site_->inventory().get(serial);
    if (device && *device && (*device)->state == "onboarded")
      return HttpResponse::text(200, "ok");  // a repeated confirmation: nothing to complete
    auto st = site_->inventory().transition(
        serial, store::Transition::kEnrollConfirmed, store::Actor::kDevice,
        event(serial, kind, true, "device reports enrollment success", detail));
    if (!st)
      return HttpResponse::refusal(st.error().code == "inventory.unknown" ? 404 : 403,
                                   st.error().code, st.error().message);
    return HttpResponse::text(200, "ok");
  }
  // Voucher status and failed enrollments are telemetry: recorded (within the peer's rate), no
  // state changes.
  if (gate_.admit(serial, time::monotonic()))
    (void)site_->inventory().append(
        event(serial, kind, ok, ok ? "reported success" : "device reports failure", detail));
  return HttpResponse::text(200, "ok");
}

}  // namespace gh::svc
