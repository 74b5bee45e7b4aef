#include "svc/factory/masa_service.h"

#include <algorithm>
#include <filesystem>

#include "codec/mud_file.h"
#include "codec/voucher.h"
#include "common/config.h"
#include "common/fs.h"
#include "common/log.h"
#include "svc/common/role.h"
#include "svc/common/tuf_serve.h"
#include "svc/factory/releases.h"
#include "svc/factory/tuf_repository.h"

namespace gh::svc {
namespace {

// The MASA's TLS certificate, made once under the manufacturer root for the MASA URL's host.
Result<pki::Identity> masa_tls_identity(crypto::KeyStore& ks, const std::string& state_dir,
                                        const Config& cfg, const pki::Identity& root) {
  std::string pki_dir = fs::join(state_dir, "pki");
  if (fs::exists(fs::join(pki_dir, "masa-tls.pem")))
    return load_identity(ks, pki_dir, "masa-tls", {root.cert});
  auto url = net::Url::parse(cfg.get("masa_url"));
  std::vector<std::string> dns{"localhost"}, ips{"127.0.0.1", "::1"};
  if (url) {
    bool is_ip = url->host.find_first_not_of("0123456789.:") == std::string::npos;
    if (is_ip && url->host != "127.0.0.1" && url->host != "::1") ips.push_back(url->host);
    if (!is_ip && url->host != "localhost") dns.push_back(url->host);
  }
  auto key = TRY(ks.generate("masa-tls", crypto::Curve::kP256));
  auto tmpl = pki::signer(cfg.get("name"), "MASA TLS", key.public_key(), {crypto::kOidServerAuth});
  tmpl.dns_names = dns;
  tmpl.ip_addresses = ips;
  auto cert = TRY(root.issue(tmpl));
  TRY(fs::write_file_atomic(fs::join(pki_dir, "masa-tls.pem"), cert.pem()));
  return pki::Identity{cert, key, {root.cert}};
}

// A refusal from the MASA: the status is the check's (proto/check.h).
net::HttpResponse refuse(proto::Check check, const std::string& reason) {
  return net::HttpResponse::refusal(proto::http_status(check, proto::Responder::kMasa),
                                    proto::check_name(check), reason);
}

}  // namespace

Result<std::unique_ptr<MasaService>> MasaService::open(const std::string& state_dir) {
  std::unique_ptr<MasaService> m(new MasaService());
  m->state_dir_ = state_dir;
  auto cfg = TRY(open_state_dir(state_dir, "factory"));
  m->keystore_ = TRY(open_ca_keystore(state_dir, cfg));
  m->registry_ = TRY(store::open_sqlite_factory_registry(fs::join(state_dir, "registry.db")));
  std::string pki_dir = fs::join(state_dir, "pki");
  auto root = TRY(load_identity(*m->keystore_, pki_dir, "root", {}));
  auto signer = TRY(load_identity(*m->keystore_, pki_dir, "masa", {root.cert}));
  m->tls_ = TRY(masa_tls_identity(*m->keystore_, state_dir, cfg, root));
  m->root_ = root;
  store::FactoryRegistry* reg = m->registry_.get();
  auto idevid_ca = TRY(load_identity(*m->keystore_, pki_dir, "idevid-ca", {root.cert}));
  m->idevid_ca_ = idevid_ca.cert;
  m->masa_ = std::make_unique<proto::Masa>(
      proto::MasaConfig{root.cert, signer, 20 * 60, {idevid_ca.cert}},
      [reg](const std::string& serial) -> Result<std::optional<proto::MasaDevice>> {
        auto d = TRY(reg->get(serial));
        if (!d || d->state != "made") return std::optional<proto::MasaDevice>();
        return std::optional<proto::MasaDevice>(
            proto::MasaDevice{d->serial, d->declaration, d->idevid_pem});
      });
  return m;
}

Result<int> MasaService::serve(const std::string& host, int port) {
  auto tls = TRY(crypto::TlsContext::server(crypto::TlsIdentity{tls_.cert, tls_.chain, tls_.key}));
  server_ = TRY(net::HttpServer::start(host, port, std::move(tls),
                                       [this](net::HttpRequest& r) { return handle(r); }));
  return server_->port();
}

Result<int> MasaService::serve_mud(const std::string& host, int port) {
  std::string dir = fs::join(state_dir_, "mud");
  std::vector<std::string> hosts;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    auto text = fs::read_file(e.path().string());
    auto summary = text ? codec::check_mud_file(*text) : Result<codec::MudSummary>(text.error());
    if (!summary) continue;
    auto url = net::Url::parse(summary->mud_url);
    if (url && std::find(hosts.begin(), hosts.end(), url->host) == hosts.end())
      hosts.push_back(url->host);
  }
  if (hosts.empty())
    return make_error("mud.none", "no published MUD file in " + dir + " (factory publish-mud)");
  // A fresh key each start: the file server holds nothing worth keeping.
  auto key = TRY(crypto::PrivateKey::generate(crypto::Curve::kP256));
  auto tmpl = pki::signer(root_.cert.subject_attr("O").value_or("Manufacturer"), "MUD file server",
                          key.public_key(), {crypto::kOidServerAuth});
  tmpl.dns_names = hosts;
  auto cert = TRY(root_.issue(tmpl));
  auto tls = TRY(crypto::TlsContext::server(crypto::TlsIdentity{cert, {root_.cert}, key}));
  mud_server_ = TRY(net::HttpServer::start(
      host, port, std::move(tls), [dir](net::HttpRequest& req) -> net::HttpResponse {
        if (req.method != "GET") return net::HttpResponse::text(405, "GET only");
        std::string name = req.path.substr(req.path.rfind('/') + 1);
        bool ok = !name.empty() && name[0] != '.' &&
                  name.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789._-") == std::string::npos;
        bool sig = name.size() > 9 && name.compare(name.size() - 9, 9, ".json.p7s") == 0;
        bool json = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
        auto body = ok && (sig || json) ? fs::read_file(fs::join(dir, name))
                                        : Result<std::string>(make_error("x", "x"));
        if (!body) return net::HttpResponse::text(404, "no such MUD file");
        return net::HttpResponse{
            200, sig ? "application/pkcs7-signature" : "application/mud+json", *body, {}};
      }));
  return mud_server_->port();
}

void MasaService::stop() {
  if (server_) server_->stop();
  if (mud_server_) mud_server_->stop();
}

net::HttpResponse MasaService::handle(net::HttpRequest& req) {
  if (req.path == "/.well-known/brski/requestvoucher") {
    if (req.method != "POST") return net::HttpResponse::text(405, "POST only");
    return request_voucher(req);
  }
  if (req.path == "/.well-known/brski/requestauditlog") {
    if (req.method != "POST") return net::HttpResponse::text(405, "POST only");
    return request_audit_log(req);
  }
  if (req.path.rfind(kUpdateRepositoryPath, 0) == 0) {
    if (req.method != "GET") return net::HttpResponse::text(405, "GET only");
    return update_repository(req.path.substr(std::string(kUpdateRepositoryPath).size()));
  }
  if (req.path.rfind(kAppServicePath, 0) == 0) return app_service(req);
  if (req.path.rfind(kReferenceValuesPath, 0) == 0) {
    if (req.method != "GET") return net::HttpResponse::text(405, "GET only");
    return reference_values(req.path.substr(std::string(kReferenceValuesPath).size()));
  }
  return net::HttpResponse::text(404, "no such resource");
}

// The update repository, public (its metadata is signed; devices and sites verify it). The
// timestamp is the online role: re-signed here before it would expire.
net::HttpResponse MasaService::update_repository(const std::string& path) {
  if (path == "metadata/timestamp.json") {
    std::lock_guard<std::mutex> lock(tuf_mu_);
    if (time::now() - tuf_checked_ >= 60) {
      tuf_checked_ = time::now();
      auto repo = TufRepository::open(state_dir_, *keystore_);
      auto st = repo ? (*repo)->refresh(12 * 3600) : Result<bool>(repo.error());
      if (!st)
        log::error("masa",
                   "update repository: cannot re-sign the timestamp: " + st.error().message);
    }
  }
  return serve_repository_file(fs::join(state_dir_, "tuf/repository"), path);
}

net::HttpResponse MasaService::app_service(net::HttpRequest& req) {
  const auto& chain = req.connection->peer_chain;
  if (chain.empty())
    return net::HttpResponse::refusal(401, "app.idevid", "present the device's IDevID");
  std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
  untrusted.push_back(idevid_ca_);
  if (auto st = crypto::verify_chain(chain[0], untrusted, {root_.cert}); !st)
    return net::HttpResponse::refusal(403, "app.idevid", st.error().message);
  auto serial = chain[0].serial_number_attr();
  if (!serial) return net::HttpResponse::refusal(403, "app.device", "the IDevID names no serial");
  auto dev = registry_->get(*serial);
  if (!dev || !*dev || (*dev)->state != "made")
    return net::HttpResponse::refusal(403, "app.device", "not a device this manufacturer made");
  // The very IDevID the factory made for that serial, not any certificate naming it.
  auto made = crypto::Certificate::chain_from_pem((*dev)->idevid_pem);
  if (!made || made->empty() || !((*made)[0] == chain[0]))
    return net::HttpResponse::refusal(403, "app.idevid", "not the IDevID made for " + *serial);
  const std::string sub = req.path.substr(std::string(kAppServicePath).size());
  if (sub == "release" && req.method == "GET") {
    auto r = latest_release(state_dir_, (*dev)->model);
    if (!r || !*r)
      return net::HttpResponse::refusal(404, "app.release", "no release of " + (*dev)->model);
    return net::HttpResponse{200,
                             "application/json",
                             Json{{"serial", *serial},
                                  {"model", (*dev)->model},
                                  {"version", (*r)->manifest.version},
                                  {"repository", kUpdateRepositoryPath}}
                                 .dump(),
                             {}};
  }
  if (sub == "report" && req.method == "POST") {
    auto body = parse_json(req.body, "report", JsonLimits{4096, 4, 64});
    if (!body || !body->is_object())
      return net::HttpResponse::refusal(400, "app.report", "a JSON object is expected");
    Json detail{{"status", json_string_or(*body, "status", "")},
                {"version", json_string_or(*body, "version", "")},
                {"path", "independent"}};
    auto st = registry_->append(store::Event{0, 0, *serial, "app.report", "ok",
                                             "the device reports its application", detail.dump()});
    if (!st) return net::HttpResponse::refusal(500, "masa.store", st.error().message);
    return net::HttpResponse{200, "application/json", Json{{"recorded", true}}.dump(), {}};
  }
  return net::HttpResponse::text(404, "no such resource");
}

// The manufacturer's signed reference values (IR 8350 step 3), public: MODEL lists the releases,
// MODEL/VERSION is the signed CoRIM.
net::HttpResponse MasaService::reference_values(const std::string& rest) {
  auto slash = rest.find('/');
  std::string model = rest.substr(0, slash);
  std::string version = slash == std::string::npos ? "" : rest.substr(slash + 1);
  auto all = releases(state_dir_, model);
  if (!all) return net::HttpResponse::text(500, all.error().message);
  if (version.empty()) {
    Json list = Json::array();
    for (const auto& r : *all)
      list.push_back(
          Json{{"version", r.manifest.version},
               {"url", std::string(kReferenceValuesPath) + model + "/" + r.manifest.version}});
    if (list.empty()) return net::HttpResponse::text(404, "no releases of " + model);
    return net::HttpResponse{
        200, "application/json", Json{{"model", model}, {"releases", list}}.dump(), {}};
  }
  for (const auto& r : *all)
    if (r.manifest.version == version)
      return net::HttpResponse{200, "application/rim+cbor", to_string(r.corim), {}};
  return net::HttpResponse::text(404, "no release " + version + " of " + model);
}

net::HttpResponse MasaService::request_voucher(net::HttpRequest& req) {
  // RFC 8995 5.5: 415 for a media type the MASA does not know.
  if (!net::media_type_is(req.header("content-type"), codec::kVoucherMediaType))
    return refuse(proto::Check::kRvrMediaType, "expected application/voucher-cms+json");
  std::string accept = req.header("accept");
  if (!accept.empty() && accept.find(codec::kVoucherMediaType) == std::string::npos &&
      accept.find("*/*") == std::string::npos)
    return refuse(proto::Check::kRvrAccept, "this MASA issues application/voucher-cms+json only");
  auto d = masa_->request_voucher(to_bytes(req.body), req.connection->peer_chain, time::now());
  store::VoucherLogEntry e{0,
                           d.serial,
                           d.domain_id,
                           d.domain_name,
                           d.nonce,
                           d.assertion,
                           d.ok() ? "issued" : "refused",
                           d.ok() ? "" : proto::check_name(*d.refused),
                           d.reason};
  if (!d.serial.empty()) {
    auto st = registry_->log_voucher(e);
    if (!st) {
      log::error("masa", "cannot record decision: " + st.error().message);
      return refuse(proto::Check::kMasaStore, "cannot record the decision");
    }
  }
  if (!d.ok()) return refuse(*d.refused, d.reason);
  for (const auto& n : d.notes) log::info("masa", d.serial + ": compatibility: " + n);
  // Answered as asked: a registrar that sent base64 (as NquiringMinds' does) reads base64.
  if (!crypto::is_binary_cms(req.body))
    return net::HttpResponse{200, codec::kVoucherMediaType, base64_encode(d.voucher), {}};
  return net::HttpResponse{200, codec::kVoucherMediaType, to_string(d.voucher), {}};
}

net::HttpResponse MasaService::request_audit_log(net::HttpRequest& req) {
  auto d = masa_->authorize_audit_log(to_bytes(req.body), req.connection->peer_chain, time::now());
  if (!d.ok()) return refuse(*d.refused, d.reason);
  auto entries = registry_->voucher_log(d.serial);
  if (!entries) return refuse(proto::Check::kMasaStore, entries.error().message);
  Json events = Json::array();
  for (const auto& e : *entries) {
    if (e.outcome != "issued") continue;
    events.push_back(Json{{"date", time::format_rfc3339(e.at)},
                          {"domainID", e.domain_id},
                          {"nonce", e.nonce.empty() ? Json() : Json(e.nonce)},
                          {"assertion", e.assertion}});
  }
  return net::HttpResponse{
      200, "application/json", Json{{"version", 1}, {"events", events}}.dump(), {}};
}

}  // namespace gh::svc
