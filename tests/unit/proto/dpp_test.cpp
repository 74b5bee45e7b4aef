// The DPP engine against itself: every role pairing, mutual and responder-only, chirp, and the
// refusals (wrong key hash, tampered wrapped data, bad role, policy refusal, bad connector).
#include "proto/dpp.h"

#include <gtest/gtest.h>

#include <iostream>

#include "crypto/cms.h"
#include "crypto/digest.h"
#include "crypto/x509.h"
#include "pki/profiles.h"
#include "test_util.h"

namespace gh::proto::dpp {
namespace {

namespace cd = codec::dpp;

struct Keys {
  OwnBootstrap own;
  PeerBootstrap as_peer;
};

Keys make_keys(crypto::Curve c, const std::string& label) {
  Keys k;
  k.own.key = crypto::PrivateKey::generate(c).value();
  k.own.spki = k.own.key.public_key().der_compressed();
  k.as_peer = PeerBootstrap::from_spki(k.own.spki, label).value();
  return k;
}

struct Pair {
  Keys conf = make_keys(crypto::Curve::kP256, "configurator");
  Keys enr = make_keys(crypto::Curve::kP256, "enrollee");
  crypto::PrivateKey csign = crypto::PrivateKey::generate(crypto::Curve::kP256).value();
  std::optional<Error> refuse;  // the configurator's policy says no
  int configure_calls = 0;
  bool dot1x = false;  // configure 802.1X: CSR_NEEDED, then a certificate for the CSR
  std::string csr_seen;
  pki::Identity ca = [] {
    pki::Identity id;
    id.key = crypto::PrivateKey::generate(crypto::Curve::kP256).value();
    id.cert =
        crypto::issue_certificate(pki::domain_ca("Site", id.key.public_key()), nullptr, id.key)
            .value();
    return id;
  }();

  Options configurator(bool knows_enrollee) {
    Options o;
    o.role = Role::kConfigurator;
    o.own = conf.own;
    o.hooks.find_peer = [this, knows_enrollee](const Bytes& h) -> std::optional<PeerBootstrap> {
      if (knows_enrollee && h == bootstrap_key_hash(enr.own.spki)) return enr.as_peer;
      return std::nullopt;
    };
    o.hooks.find_chirp = [this](const Bytes& h) -> std::optional<PeerBootstrap> {
      if (h == chirp_hash(enr.own.spki)) return enr.as_peer;
      return std::nullopt;
    };
    o.hooks.configure = [this](const EnrolleeInfo& e,
                               const cd::ConfigRequest& r) -> Result<ConfigDecision> {
      ++configure_calls;
      if (refuse) return *refuse;
      cd::ConfigObject obj;
      obj.ssid = "gatehouse";
      obj.akm = "dpp";
      cd::ConnectorClaims claims;
      claims.groups = {{"*", r.net_role}};
      claims.net_access_key = e.protocol_key;
      obj.signed_connector = TRY(cd::sign_connector(claims, csign));
      obj.csign = csign.public_key();
      if (dot1x) {
        if (r.pkcs10.empty()) {
          ConfigDecision ask;
          ask.csr_attrs = "MAsGCSqGSIb3DQEJBw==";
          return ask;
        }
        auto csr = TRY(crypto::Csr::from_der(TRY(base64_decode(r.pkcs10))));
        auto cert = TRY(ca.issue(pki::ldevid("Site", r.name, csr.public_key(), 3600)));
        obj.akm = "dot1x";
        obj.cert_bag = base64_encode(TRY(crypto::certs_only_encode({cert, ca.cert})));
        obj.ca_cert = base64_encode(ca.cert.der());
        obj.trusted_eap_server_name = "eap.example";
        csr_seen = r.pkcs10;
      }
      return ConfigDecision(obj);
    };
    return o;
  }
  Options enrollee() {
    Options o;
    o.role = Role::kEnrollee;
    o.own = enr.own;
    o.request.name = "dev-1";
    o.request.mud_url = "https://mud.example.com/model.json";
    return o;
  }
};

// Moves messages between a and b (a speaks first with `first`) until both are done.
void run(Session& a, Session& b, Bytes first, Output* out_a, Output* out_b) {
  std::vector<Bytes> to_b = {std::move(first)}, to_a;
  for (int round = 0; round < 20 && (!to_a.empty() || !to_b.empty()); ++round) {
    for (auto& m : to_b) {
      *out_b = b.handle(m);
      for (auto& s : out_b->send) to_a.push_back(s);
      if (out_b->done) break;
    }
    to_b.clear();
    for (auto& m : to_a) {
      *out_a = a.handle(m);
      for (auto& s : out_a->send) to_b.push_back(s);
      if (out_a->done) break;
    }
    to_a.clear();
  }
}

void expect_configured(const Session& enrollee, const Session& configurator) {
  for (const auto& t : configurator.trail()) std::cerr << "  conf: " << t << "\n";
  for (const auto& t : enrollee.trail()) std::cerr << "  enr: " << t << "\n";
  ASSERT_EQ(enrollee.state(), Session::State::kDone);
  ASSERT_EQ(configurator.state(), Session::State::kDone);
  ASSERT_EQ(enrollee.configuration().size(), 1u);
  EXPECT_EQ(enrollee.configuration()[0].ssid, "gatehouse");
  EXPECT_EQ(enrollee.configuration()[0].akm, "dpp");
  EXPECT_EQ(configurator.config_request().name, "dev-1");
  EXPECT_EQ(configurator.config_request().mud_url, "https://mud.example.com/model.json");
  ASSERT_TRUE(configurator.result_status().has_value());
  EXPECT_EQ(*configurator.result_status(), 0);
  EXPECT_TRUE(configurator.enrollee().protocol_key == enrollee.protocol_key().public_key());
}

TEST(DppEngine, EnrolleeInitiatesResponderOnly) {
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Output oe, oc;
  run(enr, conf, enr.start().value(), &oe, &oc);
  expect_configured(enr, conf);
  EXPECT_FALSE(enr.mutual());
  EXPECT_FALSE(conf.enrollee().bootstrap.has_value());
}

TEST(DppEngine, EnrolleeInitiatesMutual) {
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(true));
  Output oe, oc;
  run(enr, conf, enr.start().value(), &oe, &oc);
  expect_configured(enr, conf);
  EXPECT_TRUE(enr.mutual());
  EXPECT_TRUE(conf.mutual());
  ASSERT_TRUE(conf.enrollee().bootstrap.has_value());
  EXPECT_EQ(conf.enrollee().bootstrap->label, "enrollee");
}

TEST(DppEngine, ConfiguratorInitiatesMutualOnEveryCurve) {
  for (auto c : {crypto::Curve::kP256, crypto::Curve::kP384, crypto::Curve::kP521}) {
    Pair p;
    p.enr = make_keys(c, "enrollee");
    p.conf = make_keys(c, "configurator");
    Options co = p.configurator(false);
    co.peer = p.enr.as_peer;
    Options eo = p.enrollee();
    eo.peer = p.conf.as_peer;  // the enrollee knows the configurator: mutual
    Session conf(co), enr(eo);
    Output oc, oe;
    run(conf, enr, conf.start().value(), &oc, &oe);
    expect_configured(enr, conf);
    EXPECT_TRUE(conf.mutual()) << crypto::curve_name(c);
  }
}

// A configurator holding keys on several curves: it initiates to a P-384 enrollee with its P-384
// key (so mutual authentication stays on one curve) and answers requests to any of its keys.
TEST(DppEngine, OwnKeysOnOtherCurves) {
  Pair p;
  Keys conf384 = make_keys(crypto::Curve::kP384, "configurator-384");
  p.enr = make_keys(crypto::Curve::kP384, "enrollee");
  Options co = p.configurator(true);
  co.own_other_curves = {conf384.own};
  co.peer = p.enr.as_peer;
  Options eo = p.enrollee();
  eo.peer = conf384.as_peer;  // the enrollee knows the configurator's P-384 key: mutual
  Session conf(co), enr(eo);
  Output oc, oe;
  run(conf, enr, conf.start().value(), &oc, &oe);
  expect_configured(enr, conf);
  EXPECT_TRUE(conf.mutual());
  // And as responder: an enrollee initiating to the P-384 key.
  Options eo2 = p.enrollee();
  eo2.peer = conf384.as_peer;
  Options co2 = p.configurator(true);
  co2.own_other_curves = {conf384.own};
  Session enr2(eo2), conf2(co2);
  run(enr2, conf2, enr2.start().value(), &oe, &oc);
  expect_configured(enr2, conf2);
}

TEST(DppEngine, ChirpThenConfiguratorInitiates) {
  Pair p;
  Session enr(p.enrollee()), conf(p.configurator(false));
  Output oe, oc;
  run(enr, conf, enr.presence_announcement().value(), &oe, &oc);
  expect_configured(enr, conf);
  EXPECT_TRUE(conf.initiator());
  EXPECT_EQ(conf.enrollee().bootstrap->label, "enrollee");
}

TEST(DppEngine, ChirpFromUnknownKeyIsDroppedSilently) {
  Pair p;
  Keys stranger = make_keys(crypto::Curve::kP256, "stranger");
  Options eo = p.enrollee();
  eo.own = stranger.own;
  Session enr(eo), conf(p.configurator(false));
  Output oc = conf.handle(enr.presence_announcement().value());
  EXPECT_TRUE(oc.done);
  EXPECT_TRUE(oc.send.empty());
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "dpp.chirp.unknown");
}

TEST(DppEngine, RequestForAnotherKeyIsDroppedSilently) {
  Pair p;
  Keys other = make_keys(crypto::Curve::kP256, "other");
  Options eo = p.enrollee();
  eo.peer = other.as_peer;  // initiates to a key the configurator does not hold
  Session enr(eo), conf(p.configurator(false));
  Output oc = conf.handle(enr.start().value());
  EXPECT_TRUE(oc.send.empty());
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "dpp.bkh");
}

TEST(DppEngine, TamperedWrappedDataIsDropped) {
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Bytes req = enr.start().value();
  req[req.size() - 3] ^= 0x01;  // inside the AES-SIV ciphertext
  Output oc = conf.handle(req);
  EXPECT_TRUE(oc.send.empty());
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "dpp.unwrap");
}

TEST(DppEngine, TamperedClearAttributeBreaksTheAd) {
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Bytes req = enr.start().value();
  // The Protocol Version attribute (id 0x1019, length 1) sits just before Wrapped Data.
  auto frame = cd::parse_frame(req).value();
  size_t version_value = 7 + frame.wd_offset - 1;
  req[version_value] = 3;
  Output oc = conf.handle(req);
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "dpp.unwrap");
}

TEST(DppEngine, TruncatedAndOversizedAttributesAreRefused) {
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo);
  Bytes req = enr.start().value();
  Bytes truncated(req.begin(), req.end() - 5);
  // The last attribute's length now runs past the end.
  Session conf1(p.configurator(false));
  Output o1 = conf1.handle(truncated);
  ASSERT_TRUE(o1.error);
  EXPECT_EQ(o1.error->code, "dpp.attr");
  Bytes oversized = req;
  oversized.resize(cd::kMaxMessage + 1);
  Session conf2(p.configurator(false));
  Output o2 = conf2.handle(oversized);
  ASSERT_TRUE(o2.error);
  EXPECT_EQ(o2.error->code, "dpp.frame");
  Bytes trailing = req;
  trailing.insert(trailing.end(), {0x00, 0x10, 0x01, 0x00, 0x00});  // a Status after WD
  Session conf3(p.configurator(false));
  Output o3 = conf3.handle(trailing);
  ASSERT_TRUE(o3.error);
  EXPECT_EQ(o3.error->code, "dpp.attr");
}

TEST(DppEngine, TwoConfiguratorsAreNotCompatible) {
  Pair p;
  Options a = p.configurator(false);
  a.own = p.enr.own;  // a configurator holding the "enrollee" key
  a.peer = p.conf.as_peer;
  Session initiator(a), responder(p.configurator(false));
  Output out = responder.handle(initiator.start().value());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, "dpp.role");
  ASSERT_EQ(out.send.size(), 1u);  // Auth Response with status NOT_COMPATIBLE
  Output back = initiator.handle(out.send[0]);
  ASSERT_TRUE(back.error);
  EXPECT_EQ(back.error->code, "dpp.peer-status");
  EXPECT_NE(back.error->message.find("NOT_COMPATIBLE"), std::string::npos);
}

TEST(DppEngine, PolicyRefusalAnswersConfigureFailure) {
  Pair p;
  p.refuse = make_error("policy.unknown-device", "no bundle names this key");
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Output oe, oc;
  run(enr, conf, enr.start().value(), &oe, &oc);
  EXPECT_EQ(conf.state(), Session::State::kFailed);
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "policy.unknown-device");
  EXPECT_EQ(enr.state(), Session::State::kFailed);
  ASSERT_TRUE(oe.error);
  EXPECT_EQ(oe.error->code, "dpp.peer-status");
  EXPECT_NE(oe.error->message.find("CONFIGURE_FAILURE"), std::string::npos);
  EXPECT_TRUE(enr.configuration().empty());
}

TEST(DppEngine, EnrolleeRejectsConnectorForAnotherKey) {
  Pair p;
  Options co = p.configurator(false);
  co.hooks.configure = [&](const EnrolleeInfo&,
                           const cd::ConfigRequest&) -> Result<ConfigDecision> {
    cd::ConfigObject obj;
    obj.ssid = "x";
    obj.akm = "dpp";
    cd::ConnectorClaims claims;
    claims.groups = {{"*", "sta"}};
    claims.net_access_key = crypto::PrivateKey::generate(crypto::Curve::kP256)->public_key();
    obj.signed_connector = TRY(cd::sign_connector(claims, p.csign));
    obj.csign = p.csign.public_key();
    return ConfigDecision(obj);
  };
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(co);
  Output oe, oc;
  run(enr, conf, enr.start().value(), &oe, &oc);
  ASSERT_TRUE(oe.error);
  EXPECT_EQ(oe.error->code, "dpp.connector.key");
  ASSERT_TRUE(oc.error);
  EXPECT_EQ(oc.error->code, "dpp.config-rejected");
  EXPECT_EQ(*conf.result_status(), static_cast<uint8_t>(cd::DppStatus::kConfigRejected));
}

// 802.1X (R2): CSR_NEEDED, then a CSR over the protocol key with the challengePassword derived
// from bk, then a certificate for that key chaining to caCert.
TEST(DppEngine, Dot1xWithCsr) {
  Pair p;
  p.dot1x = true;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Output oe, oc;
  run(enr, conf, enr.start().value(), &oe, &oc);
  ASSERT_EQ(enr.state(), Session::State::kDone) << (oe.error ? oe.error->str() : "");
  ASSERT_EQ(conf.state(), Session::State::kDone) << (oc.error ? oc.error->str() : "");
  EXPECT_EQ(p.configure_calls, 2);
  const auto& obj = enr.configuration().front();
  EXPECT_EQ(obj.akm, "dot1x");
  EXPECT_EQ(obj.trusted_eap_server_name, "eap.example");
  auto csr = crypto::Csr::from_der(base64_decode(p.csr_seen).value()).value();
  EXPECT_TRUE(csr.public_key() == enr.protocol_key().public_key());
  EXPECT_EQ(csr.subject_attr("CN").value_or(""), "dev-1");
  EXPECT_EQ(base64_decode(*csr.challenge_password())->size(), 64u);
}

TEST(DppEngine, EnrolleeComesBackWhenTheConfiguratorIsBusy) {
  // A GAS Initial Response with a comeback delay and no body: the enrollee waits and asks again.
  Pair p;
  Options eo = p.enrollee();
  eo.peer = p.conf.as_peer;
  Session enr(eo), conf(p.configurator(false));
  Output o1 = conf.handle(enr.start().value());
  Output o2 = enr.handle(o1.send[0]);
  ASSERT_EQ(o2.send.size(), 2u);  // Auth Confirm and the Configuration Request
  (void)conf.handle(o2.send[0]);
  Bytes request = o2.send[1];
  cd::Gas busy;
  busy.kind = cd::GasKind::kInitialResponse;
  busy.token = cd::parse_gas(request)->token;
  busy.comeback_delay = 3;
  Output back = enr.handle(cd::encode_gas(busy));
  ASSERT_FALSE(back.done) << (back.error ? back.error->str() : "");
  ASSERT_EQ(back.send.size(), 1u);
  EXPECT_EQ(back.delay_ms, 3);  // 3 TUs of 1024 us
  EXPECT_EQ(cd::parse_gas(back.send[0])->kind, cd::GasKind::kComebackRequest);
  // The real answer then arrives as a Comeback Response and is accepted.
  Output answer = conf.handle(request);
  auto g = cd::parse_gas(answer.send[0]).value();
  g.kind = cd::GasKind::kComebackResponse;
  Output done = enr.handle(cd::encode_gas(g));
  EXPECT_TRUE(done.done);
  EXPECT_FALSE(done.error) << done.error->str();
  EXPECT_EQ(enr.configuration().size(), 1u);
}

TEST(DppEngine, UnexpectedFrameInStateIsRefused) {
  Pair p;
  Session conf(p.configurator(false));
  Bytes conf_frame = cd::encode_frame(static_cast<uint8_t>(cd::FrameType::kAuthConfirm),
                                      {{cd::attr::kStatus, {0}}});
  Output out = conf.handle(conf_frame);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, "dpp.state");
}

TEST(DppConnector, VerifiesKidExpiryAndSignature) {
  auto csign = crypto::PrivateKey::generate(crypto::Curve::kP256).value();
  auto other = crypto::PrivateKey::generate(crypto::Curve::kP256).value();
  cd::ConnectorClaims c;
  c.groups = {{"*", "sta"}};
  c.net_access_key = other.public_key();
  c.expiry = "2030-01-01T00:00:00Z";
  auto jws = cd::sign_connector(c, csign).value();
  auto ok = cd::verify_connector(jws, csign.public_key(), 1'800'000'000);
  ASSERT_TRUE(ok) << ok.error().str();
  EXPECT_TRUE(ok->net_access_key == other.public_key());
  ASSERT_REFUSED(cd::verify_connector(jws, other.public_key(), 0), "dpp.connector.signature");
  ASSERT_REFUSED(cd::verify_connector(jws, csign.public_key(), 2'000'000'000),
                 "dpp.connector.expiry");
  // The signature is raw r||s of 64 octets, not DER.
  std::string sig = jws.substr(jws.rfind('.') + 1);
  EXPECT_EQ(base64url_decode(sig)->size(), 64u);
}

TEST(DppCodec, GasRoundTripAndStrictLengths) {
  cd::Gas g;
  g.kind = cd::GasKind::kInitialResponse;
  g.token = 7;
  g.comeback_delay = 500;
  g.body = {1, 2, 3};
  Bytes m = cd::encode_gas(g);
  auto back = cd::parse_gas(m).value();
  EXPECT_EQ(back.token, 7);
  EXPECT_EQ(back.comeback_delay, 500);
  EXPECT_EQ(back.body, g.body);
  m.push_back(0);
  ASSERT_REFUSED(cd::parse_gas(m), "dpp.gas");
}

}  // namespace
}  // namespace gh::proto::dpp
