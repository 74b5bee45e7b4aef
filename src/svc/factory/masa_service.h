// `gatehouse masa serve`: the manufacturer's MASA over HTTPS (RFC 8995 5.5, 5.8), on the factory's
// state. It runs beside factory commands (SQLite WAL), without the factory's write lock.
#pragma once

#include <memory>
#include <string>

#include "net/http.h"
#include "proto/masa.h"
#include "store/factory_registry.h"

namespace gh::svc {

// Where `masa serve` publishes the signed reference values: PATH<model> lists the releases,
// PATH<model>/<version> is the CoRIM (application/rim+cbor).
inline constexpr const char* kReferenceValuesPath = "/.well-known/gatehouse/reference-values/";

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

  std::string state_dir_;
  std::unique_ptr<crypto::KeyStore> keystore_;
  std::unique_ptr<store::FactoryRegistry> registry_;
  std::unique_ptr<proto::Masa> masa_;
  pki::Identity tls_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpServer> mud_server_;
  pki::Identity root_;
};

}  // namespace gh::svc
