// A manufacturer and a site on disk with the MASA and the registrar as real HTTPS servers on
// 127.0.0.1: four devices made, the first three sold to site A and imported there (site B exists
// and owns nothing). Shared by the BRSKI service tests and the attack matrix.
#pragma once

#include <gtest/gtest.h>

#include <random>

#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "device/image.h"
#include "net/http.h"
#include "proto/pledge.h"
#include "svc/device/pledge_agent.h"
#include "svc/factory/factory.h"
#include "svc/factory/masa_service.h"
#include "svc/site/registrar_service.h"
#include "svc/site/site.h"
#include "test_util.h"

namespace gh::svc {

class BrskiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-brski");
    // The MASA URL is fixed at manufacture, so take a free port for it first: below the kernel's
    // ephemeral range (32768 and up here), which the client sockets of tests running alongside
    // draw from, so nobody takes it before the MASA listens on it again.
    std::random_device rd;
    for (int attempt = 0; attempt < 50 && masa_port_ == 0; ++attempt) {
      int port = 20000 + static_cast<int>(rd() % 12000);
      auto probe =
          net::HttpServer::start("127.0.0.1", port, *crypto::TlsContext::server(throwaway()), {});
      if (!probe.ok()) continue;
      masa_port_ = (*probe)->port();
      (*probe)->stop();
    }
    ASSERT_NE(masa_port_, 0);
    ASSERT_TRUE(Factory::init({dir_ + "/f",
                               "Acme",
                               "https://localhost:" + std::to_string(masa_port_),
                               "",
                               "ACME-",
                               "file",
                               {}})
                    .ok());
    ASSERT_TRUE(Site::init({dir_ + "/s", "Site A", {}}).ok());
    ASSERT_TRUE(Site::init({dir_ + "/b", "Site B", {}}).ok());
    {
      auto f = std::move(*Factory::open(dir_ + "/f"));
      MakeOptions o;
      o.model = "m";
      o.count = 4;
      o.out_dir = dir_ + "/d";
      auto made = f->make(o);
      ASSERT_TRUE(made.ok());
      for (const auto& d : *made) serials_.push_back(d.serial);
      SellOptions sell;
      sell.serials = {serials_[0], serials_[1], serials_[2]};
      sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
      sell.bundle_path = dir_ + "/bundle.pem";
      ASSERT_TRUE(f->sell(sell).ok());
    }
    {
      auto site = std::move(*Site::open(dir_ + "/s"));
      ASSERT_TRUE(
          site->import_bundle(dir_ + "/bundle.pem", *fs::read_file(dir_ + "/f/pki/root.pem")).ok());
    }
    masa_ = std::move(*MasaService::open(dir_ + "/f"));
    ASSERT_TRUE(masa_->serve("127.0.0.1", masa_port_).ok());
    registrar_ = std::move(*RegistrarService::open(dir_ + "/s", RegistrarOptions{}));
    auto port = registrar_->serve("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    url_ = "https://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (registrar_) registrar_->stop();
    if (masa_) masa_->stop();
    (void)fs::remove_all(dir_);
  }

  static crypto::TlsIdentity throwaway() {
    auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto c = *crypto::issue_certificate(pki::domain_ca("t", k.public_key()), nullptr, k);
    return {c, {}, k};
  }

  // The device's identity as its agent loads it.
  pki::Identity idevid(const std::string& serial) {
    std::string img = dir_ + "/d/" + serial;
    auto chain =
        *crypto::Certificate::chain_from_pem(*fs::read_file(img + "/bootstrap/idevid.pem"));
    auto ks = std::move(*device::open_keystore(img, {"file", ""}));
    return pki::Identity{chain[0], *ks->load(device::kIdevidKey), {chain[1]}};
  }
  std::vector<crypto::Certificate> masa_trust() {
    return *crypto::Certificate::chain_from_pem(*fs::read_file(dir_ + "/f/pki/root.pem"));
  }

  std::unique_ptr<net::HttpClient> connect(const pki::Identity& id) {
    crypto::TlsIdentity t{id.cert, id.chain, id.key};
    ctx_ = std::make_unique<crypto::TlsContext>(*crypto::TlsContext::client(&t, {}, ""));
    auto u = *net::Url::parse(url_);
    auto c = net::HttpClient::connect(u.host, u.port, *ctx_);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().str());
    return c.ok() ? std::move(*c) : nullptr;
  }
  // A TLS session that presents no client certificate.
  std::unique_ptr<net::HttpClient> anonymous() {
    anon_ctx_ = std::make_unique<crypto::TlsContext>(*crypto::TlsContext::client(nullptr, {}, ""));
    auto u = *net::Url::parse(url_);
    auto c = net::HttpClient::connect(u.host, u.port, *anon_ctx_);
    EXPECT_TRUE(c.ok());
    return c.ok() ? std::move(*c) : nullptr;
  }
  net::ClientResponse post_pvr(net::HttpClient& c, const Bytes& pvr) {
    auto r = c.request("POST", "/.well-known/brski/requestvoucher",
                       {{"Content-Type", codec::kVoucherMediaType}}, to_string(pvr));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : net::ClientResponse{};
  }
  // A JSON POST (status telemetry).
  net::ClientResponse post(net::HttpClient& c, const std::string& path, const std::string& body) {
    auto r = c.request("POST", path, {{"Content-Type", "application/json"}}, body);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : net::ClientResponse{};
  }
  std::string state(const std::string& serial, const std::string& site = "/s") {
    auto s = std::move(*Site::open(dir_ + site));
    auto d = s->inventory().get(serial);
    return d.ok() && d->has_value() ? (*d)->state : "absent";
  }
  size_t event_count() {
    auto s = std::move(*Site::open(dir_ + "/s"));
    return s->inventory().events()->size();
  }
  Status operator_step(const std::string& serial, store::Transition t) {
    auto s = std::move(*Site::open(dir_ + "/s"));
    return s->inventory().transition(serial, t, store::Actor::kOperator,
                                     store::Event{0, 0, serial, "device.operator", "ok", "", "{}"});
  }

  struct Onboarded {
    pki::Identity ldevid;
  };
  // Onboards serials_[i] by BRSKI and returns its LDevID as the device holds it (onboarding/ and
  // its keystore), with the domain CA as its chain.
  Onboarded onboard(size_t i) {
    std::string img = dir_ + "/d/" + serials_[i];
    auto r = onboard_brski({img, url_, 10});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
    if (!r.ok()) return {};
    auto cert = *crypto::Certificate::from_pem(*fs::read_file(img + "/onboarding/ldevid.pem"));
    auto ks = std::move(*device::open_keystore(img, {"file", ""}));
    auto domain = *crypto::Certificate::from_pem(*fs::read_file(dir_ + "/s/domain-ca.pem"));
    return {pki::Identity{cert, *ks->load("ldevid"), {domain}}};
  }

  std::string dir_, url_;
  int masa_port_ = 0;
  std::vector<std::string> serials_;
  std::unique_ptr<MasaService> masa_;
  std::unique_ptr<RegistrarService> registrar_;
  std::unique_ptr<crypto::TlsContext> ctx_, anon_ctx_;
};

}  // namespace gh::svc
