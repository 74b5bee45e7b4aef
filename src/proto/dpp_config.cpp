// DPP configuration (Wi-Fi Easy Connect 6.4): the GAS Configuration Request and Response, the
// CSR exchange for 802.1X, the configuration objects' checks and the Configuration Result.
#include <algorithm>

#include "crypto/cms.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/kdf_siv.h"
#include "crypto/x509.h"
#include "proto/dpp.h"
#include "proto/dpp_derive.h"
#include "proto/dpp_internal.h"

namespace gh::proto::dpp {

using namespace detail;

Result<Bytes> Session::config_request_message(const std::string& pkcs10) {
  e_nonce_ = crypto::random_bytes(hash_len(curve_) / 2);
  gas_token_ = crypto::random_bytes(1)[0];
  cd::ConfigRequest req = o_.request;
  req.pkcs10 = pkcs10;
  Attr wd = wrapped(ke_, {},
                    {{attr::kEnrolleeNonce, e_nonce_},
                     {attr::kConfigAttributes, to_bytes(req.to_json().dump())}});
  cd::Gas g;
  g.kind = cd::GasKind::kInitialRequest;
  g.token = gas_token_;
  g.body = cd::encode_attr(wd.id, wd.value);
  trail_.push_back("sent Configuration Request (netRole " + o_.request.net_role +
                   (pkcs10.empty() ? ")" : ", with a CSR)"));
  return cd::encode_gas(g);
}

Result<std::string> Session::challenge_password() const {
  return derive_csr_challenge_password(curve_, bk_);
}

Output Session::on_config_request(const cd::Gas& g) {
  auto attrs = cd::parse_attrs(g.body.data(), g.body.size());
  if (!attrs) return fail(attrs.error());
  auto inner = unwrap(ke_, {}, *attrs, "Configuration Request");
  if (!inner) return fail(inner.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce", hash_len(curve_) / 2);
  if (!enonce) return fail(enonce.error());
  e_nonce_ = *enonce;
  auto respond = [&](cd::DppStatus st, std::vector<Attr> objects) {
    Bytes status_tlv = cd::encode_attr(attr::kStatus, {static_cast<uint8_t>(st)});
    std::vector<Attr> plain = {{attr::kEnrolleeNonce, e_nonce_}};
    for (auto& o : objects) plain.push_back(std::move(o));
    Attr wd = wrapped(ke_, {status_tlv}, plain);
    cd::Gas r;
    r.kind = cd::GasKind::kInitialResponse;
    r.token = g.token;
    r.body = status_tlv;
    Bytes w = cd::encode_attr(wd.id, wd.value);
    r.body.insert(r.body.end(), w.begin(), w.end());
    for (auto& p : plain) crypto::secure_zero(p.value);
    return cd::encode_gas(r);
  };
  auto cattr = cd::require_attr(*inner, attr::kConfigAttributes, "configAttrib");
  auto req = cattr ? cd::ConfigRequest::parse(*cattr) : Result<cd::ConfigRequest>(cattr.error());
  if (!req) return fail(req.error(), {respond(cd::DppStatus::kConfigureFailure, {})});
  peer_request_ = *req;
  trail_.push_back("Configuration Request: name '" + req->name + "', netRole " + req->net_role +
                   (req->mud_url.empty() ? "" : ", MUD URL " + req->mud_url) +
                   (req->pkcs10.empty() ? "" : ", with a CSR"));
  if (!req->pkcs10.empty()) {
    // The CSR must prove the enrollee's protocol key and this authentication (challengePassword).
    auto check = [&]() -> Status {
      auto der = base64_decode(req->pkcs10);
      if (!der) return make_error("dpp.csr.format", "pkcs10 is not base64");
      auto csr = crypto::Csr::from_der(*der);
      if (!csr) return make_error("dpp.csr.format", "pkcs10 is not a PKCS#10 request");
      if (!csr->verify_signature()) return make_error("dpp.csr.signature", "CSR signature");
      if (!(csr->public_key() == enrollee_.protocol_key))
        return make_error("dpp.csr.key", "the CSR is not for the enrollee's protocol key");
      auto cp = csr->challenge_password();
      auto want = TRY(challenge_password());
      const bool matches = cp && crypto::ct_equal(*cp, want);
      crypto::secure_zero(want);
      if (!matches)
        return make_error("dpp.csr.challenge",
                          "the CSR's challengePassword is not this authentication's");
      return ok_status();
    };
    Status st = check();
    if (!st) return fail(st.error(), {respond(cd::DppStatus::kCsrBad, {})});
  }
  if (!o_.hooks.configure)
    return fail(make_error("dpp.configure", "this configurator has nothing to offer"),
                {respond(cd::DppStatus::kConfigureFailure, {})});
  auto decision = o_.hooks.configure(enrollee_, *req);
  if (!decision) return fail(decision.error(), {respond(cd::DppStatus::kConfigureFailure, {})});
  if (!decision->object) {
    if (decision->csr_attrs.empty() || !req->pkcs10.empty() || csr_requested_)
      return fail(make_error("dpp.configure", "no configuration object for this enrollee"),
                  {respond(cd::DppStatus::kConfigureFailure, {})});
    csr_requested_ = true;
    trail_.push_back("asked for a CSR (CSR_NEEDED)");
    return Output{{respond(cd::DppStatus::kCsrNeeded,
                           {{attr::kCsrAttributesRequest, to_bytes(decision->csr_attrs)}})},
                  0,
                  false,
                  std::nullopt};
  }
  auto obj = std::move(*decision->object);
  Bytes json = to_bytes(obj.to_json().dump());
  Bytes msg = respond(cd::DppStatus::kOk, {{attr::kConfigObject, json}});
  crypto::secure_zero(json);
  trail_.push_back("sent configuration (akm " + obj.akm + ")");
  if (peer_version_ >= 2) {
    enter(State::kAwaitConfigResult);
    return Output{{std::move(msg)}, 0, false, std::nullopt};
  }
  enter(State::kDone);
  return Output{{std::move(msg)}, 0, true, std::nullopt};
}

Output Session::on_config_response(const cd::Gas& g) {
  if (g.token != gas_token_)
    return fail(make_error("dpp.gas.token", "GAS response for another dialog token"));
  if (g.status != 0)
    return fail(make_error("dpp.gas.status", "GAS status " + std::to_string(g.status)));
  if (g.body.empty()) {
    // The configurator is still working (e.g. its CA is signing our CSR): come back later.
    if (g.comeback_delay == 0 || ++comebacks_ > 120)
      return fail(make_error("dpp.gas.comeback", "the configurator sent no configuration"));
    cd::Gas back;
    back.kind = cd::GasKind::kComebackRequest;
    back.token = gas_token_;
    int delay_ms = std::max(1, static_cast<int>(g.comeback_delay) * 1024 / 1000);
    return Output{{cd::encode_gas(back)}, delay_ms, false, std::nullopt};
  }
  auto attrs = cd::parse_attrs(g.body.data(), g.body.size());
  if (!attrs) return fail(attrs.error());
  auto status = cd::require_attr(*attrs, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto inner =
      unwrap(ke_, {cd::encode_attr(attr::kStatus, *status)}, *attrs, "Configuration Response");
  if (!inner) return fail(inner.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce");
  if (!enonce) return fail(enonce.error());
  if (!crypto::ct_equal(*enonce, e_nonce_))
    return fail(make_error("dpp.nonce", "E-nonce does not match ours"));
  if ((*status)[0] == static_cast<uint8_t>(cd::DppStatus::kCsrNeeded) && !csr_sent_)
    return on_csr_needed(*inner);
  if ((*status)[0] != 0)
    return fail(make_error("dpp.peer-status", std::string("the configurator refused: ") +
                                                  cd::status_name((*status)[0])));
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kConfigurationResult);
  auto result = [&](cd::DppStatus st) {
    std::vector<Attr> a;
    a.push_back(
        wrapped(ke_, {cd::frame_header(rtype), Bytes{}},
                {{attr::kStatus, {static_cast<uint8_t>(st)}}, {attr::kEnrolleeNonce, e_nonce_}}));
    return cd::encode_frame(rtype, a);
  };
  std::vector<Bytes> send;
  Error problem;
  bool rejected = false;
  for (const auto& a : *inner) {
    if (a.id != attr::kConfigObject) continue;
    auto obj = cd::ConfigObject::parse(a.value);
    if (!obj) {
      problem = obj.error();
      rejected = true;
      break;
    }
    if (!obj->signed_connector.empty()) {
      auto claims = cd::verify_connector(obj->signed_connector, obj->csign, o_.now_unix);
      if (!claims) {
        problem = claims.error();
        rejected = true;
        break;
      }
      if (!(claims->net_access_key == proto_key_.public_key())) {
        problem =
            make_error("dpp.connector.key", "the connector's netAccessKey is not our protocol key");
        rejected = true;
        break;
      }
    }
    if (obj->akm == "dot1x") {
      Status st = check_dot1x(*obj);
      if (!st) {
        problem = st.error();
        rejected = true;
        break;
      }
    }
    config_.push_back(std::move(*obj));
  }
  if (!rejected && config_.empty()) {
    problem = make_error("dpp.config-object", "the configuration carries no object");
    rejected = true;
  }
  if (rejected) {
    config_.clear();
    if (peer_version_ >= 2) send.push_back(result(cd::DppStatus::kConfigRejected));
    return fail(problem, std::move(send));
  }
  trail_.push_back("configuration accepted (akm " + config_.front().akm + ", SSID '" +
                   config_.front().ssid + "')");
  if (peer_version_ >= 2) send.push_back(result(cd::DppStatus::kOk));
  enter(State::kDone);
  return Output{std::move(send), 0, true, std::nullopt};
}

Output Session::on_csr_needed(const std::vector<Attr>& inner) {
  csr_sent_ = true;
  // The CSR Attributes Request only names challengePassword in practice; the CSR carries it, our
  // name and the protocol key (which the certificate will then certify).
  if (const Attr* a = cd::find_attr(inner, attr::kCsrAttributesRequest))
    trail_.push_back("CSR_NEEDED with csrAttrs " + to_string(a->value).substr(0, 64));
  auto cp = challenge_password();
  if (!cp) return fail(cp.error());
  crypto::Name subject;
  subject.add("CN", o_.request.name);
  auto csr = crypto::Csr::create(subject, proto_key_, *cp);
  crypto::secure_zero(*cp);
  if (!csr) return fail(csr.error());
  auto req = config_request_message(base64_encode(csr->der()));
  if (!req) return fail(req.error());
  return Output{{std::move(*req)}, 0, false, std::nullopt};
}

// An 802.1X configuration: the certBag holds a certificate for our protocol key, which chains to
// the caCert when one is given.
Status Session::check_dot1x(const cd::ConfigObject& o) const {
  auto der = base64_decode(o.cert_bag);
  if (o.cert_bag.empty() || !der) return make_error("dpp.dot1x", "no certBag");
  auto certs = crypto::certs_only_decode(*der);
  if (!certs || certs->empty()) return make_error("dpp.dot1x", "the certBag holds no certificate");
  const crypto::Certificate* mine = nullptr;
  std::vector<crypto::Certificate> others;
  for (const auto& c : *certs) {
    if (c.public_key() == proto_key_.public_key())
      mine = &c;
    else
      others.push_back(c);
  }
  if (!mine) return make_error("dpp.dot1x", "no certificate in the certBag is for our key");
  if (!o.ca_cert.empty()) {
    auto ca_der = base64_decode(o.ca_cert);
    auto ca = ca_der ? crypto::Certificate::from_der(*ca_der)
                     : Result<crypto::Certificate>(ca_der.error());
    if (!ca) return make_error("dpp.dot1x", "caCert is not a certificate");
    Status st = crypto::verify_chain(*mine, others, {*ca});
    if (!st)
      return make_error("dpp.dot1x",
                        "the certificate does not chain to caCert: " + st.error().message);
  }
  return ok_status();
}

Output Session::on_config_result(const cd::Frame& f) {
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kConfigurationResult);
  auto inner = unwrap(ke_, {cd::frame_header(rtype), Bytes{}}, f.attrs, "Configuration Result");
  if (!inner) return fail(inner.error());
  auto status = cd::require_attr(*inner, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce");
  if (!enonce) return fail(enonce.error());
  if (!crypto::ct_equal(*enonce, e_nonce_))
    return fail(make_error("dpp.nonce", "E-nonce does not match ours"));
  result_status_ = (*status)[0];
  if (*result_status_ != 0)
    return fail(make_error("dpp.config-rejected", std::string("the enrollee rejected the "
                                                              "configuration: ") +
                                                      cd::status_name(*result_status_)));
  trail_.push_back("Configuration Result: OK");
  enter(State::kDone);
  return Output{{}, 0, true, std::nullopt};
}

}  // namespace gh::proto::dpp
