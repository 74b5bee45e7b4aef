// `gatehouse masa serve`: the manufacturer's MASA over HTTPS (RFC 8995 5.5, 5.8), on the factory's
// state. It runs beside factory commands (SQLite WAL), without the factory's write lock.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/time.h"
#include "net/http.h"
#include "proto/masa.h"
#include "store/factory_registry.h"

namespace gh::svc {

// Where `masa serve` publishes the signed reference values: PATH<model> lists the releases,
// PATH<model>/<version> is the CoRIM (application/rim+cbor).
inline constexpr const char* kReferenceValuesPath = "/.well-known/gatehouse/reference-values/";

// The manufacturer's update repository (TUF; metadata/ and targets/ under it) and its application
// service for devices (independent application-layer onboarding, authenticated by the IDevID).
inline constexpr const char* kUpdateRepositoryPath = "/tuf/";
inline constexpr const char* kAppServicePath = "/app/v1/";

class MasaService {
 public:
  static Result<std::unique_ptr<MasaService>> open(const std::string& state_dir);
  // Starts serving; returns the bound port.
  Result<int> serve(const std::string& host, int port);
  net::HttpResponse handle(net::HttpRequest& req);
  // The manufacturer's MUD file server (RFC 8520 section 2): the published files and their
  // detached signatures over HTTPS, with a certificate under the manufacturer root for the hosts
  // of the published MUD URLs.
  Result<int> serve_mud(const std::string& host, int port);
  void stop();

 private:
  MasaService() = default;
  net::HttpResponse request_voucher(net::HttpRequest& req);
  net::HttpResponse reference_values(const std::string& model_and_version);
  net::HttpResponse request_audit_log(net::HttpRequest& req);
  net::HttpResponse update_repository(const std::string& path);
  // The manufacturer's application service (IR 8350 5.4, independent application-layer
  // onboarding): a device authenticated by its IDevID learns its model's current release and
  // reports that it runs it.
  net::HttpResponse app_service(net::HttpRequest& req);

  std::string state_dir_;
  std::unique_ptr<crypto::KeyStore> keystore_;
  std::unique_ptr<store::FactoryRegistry> registry_;
  std::unique_ptr<proto::Masa> masa_;
  pki::Identity tls_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpServer> mud_server_;
  pki::Identity root_;
  crypto::Certificate idevid_ca_;
  std::mutex tuf_mu_;  // the timestamp re-signing below
  time::Seconds tuf_checked_ = 0;
};

}  // namespace gh::svc
