// The attestation endpoints on the registrar's TLS server (a Gatehouse extension; documented in
// docs/attestation.md):
//   GET  /.well-known/gatehouse/attest/challenge  -> {"nonce": hex, "expires-at", "interval"}
//   POST /.well-known/gatehouse/attest/evidence   (application/eat+cwt) -> {"status", "check",
//        "reason", "ear", "action", "interval"}
// The device proves who it is by its TLS client certificate: before onboarding its IDevID (which
// must chain to a trusted manufacturer), afterwards its current, active LDevID. With BRSKI the
// pledge attests on the session it then requests its voucher on; a device that stays connected
// attests on the interval the policy sets.
#include "codec/cose.h"
#include "codec/eat.h"
#include "common/log.h"
#include "svc/site/registrar_service.h"

namespace gh::svc {

namespace {

constexpr const char* kEatCwt = "application/eat+cwt";

Json appraisal_json(const AttestationOutcome& o, int interval) {
  return Json{{"status", codec::ear::tier_name(o.appraisal.status)},
              {"check", o.appraisal.check},
              {"reason", o.appraisal.reason},
              {"ear", o.ear_jwt},
              {"action", o.action},
              {"interval", interval}};
}

}  // namespace

Result<std::string> RegistrarService::attesting_device(const net::HttpRequest& req) {
  const auto& chain = req.connection->peer_chain;
  if (chain.empty()) return make_error("attest.client", "no TLS client certificate");
  std::string serial = chain[0].serial_number_attr().value_or("");
  if (is_domain_certificate(chain)) {
    auto cred = TRY(site_->inventory().credential(chain[0].serial_hex()));
    if (!cred || cred->device != serial || cred->status != "active") {
      // A device the site decommissioned learns it here, from the site it trusts (this TLS
      // session is authenticated by the domain CA): its agent then wipes it to factory state.
      if (cred && cred->device == serial && cred->status == "revoked")
        if (auto d = site_->inventory().get(serial);
            d && *d &&
            ((*d)->state == "decommissioned" || (*d)->state == "transferred" ||
             (*d)->state == "end-of-life"))
          return make_error("device.decommissioned",
                            serial + " is " + (*d)->state + ": wipe to factory state");
      return make_error("attest.credential", "certificate " + chain[0].serial_hex() +
                                                 " is not the device's current LDevID");
    }
    return serial;
  }
  // An IDevID: the same chain check a voucher-request gets.
  std::vector<crypto::Certificate> anchors;
  for (const auto& m : TRY(manufacturer_anchors())) anchors.push_back(m.root);
  std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
  auto st = crypto::verify_chain(chain[0], untrusted, anchors);
  if (!st || serial.empty())
    return make_error("attest.client",
                      "client certificate is neither an LDevID of this domain "
                      "nor an IDevID of a trusted manufacturer");
  auto d = TRY(site_->inventory().get(serial));
  if (!d) return make_error("inventory.unknown", serial + " is not in any imported bundle");
  // The very IDevID the device's bundle carries: a serialNumber alone could be any manufacturer's.
  auto known = crypto::Certificate::chain_from_pem(d->idevid_pem);
  if (!known || !((*known)[0] == chain[0]))
    return make_error("attest.client", "client certificate is not " + serial + "'s IDevID");
  return serial;
}

net::HttpResponse RegistrarService::attest(net::HttpRequest& req, bool evidence) {
  const std::string kind = evidence ? "attest.evidence" : "attest.challenge";
  auto serial = attesting_device(req);
  if (!serial && serial.error().code == "device.decommissioned")
    return refuse(410, req.connection->peer_chain[0].serial_number_attr().value_or(""), kind,
                  serial.error());
  if (!serial)
    return serial.error().code == "attest.credential" || serial.error().code == "inventory.unknown"
               ? refuse(403, req.connection->peer_chain[0].serial_number_attr().value_or(""), kind,
                        serial.error())
               : refuse_unauthenticated(401, kind, serial.error());
  int interval = policy_->current(&site_->inventory()).assurance.interval_s;
  if (!evidence) {
    auto d = site_->inventory().get(*serial);
    if (!d) return refuse(500, *serial, kind, d.error());
    if (!*d)
      return refuse(403, *serial, kind,
                    make_error("inventory.unknown", *serial + " is not in the inventory"));
    Bytes nonce = verifier_->challenge(**d);
    Json j{{"nonce", hex_encode(nonce)},
           {"expires-at", time::format_rfc3339(proto::attest::nonce_expiry(nonce))},
           {"interval", interval}};
    // What the site asks of the device's LDevID ("renew", "rekey"), told with every challenge.
    if (!(*d)->renewal.empty()) j["renewal"] = (*d)->renewal;
    return net::HttpResponse{200, "application/json", j.dump(), {}};
  }
  if (!net::media_type_is(req.header("content-type"), kEatCwt))
    return net::HttpResponse::refusal(415, "evidence.media-type", "expected application/eat+cwt");
  // Every appraisal is recorded: a device gets a burst and then one a second (its interval may be
  // as short as that), like every other record a peer causes.
  if (!gate_.admit(*serial, time::monotonic()))
    return net::HttpResponse::refusal(429, "evidence.rate", "too much evidence; try again later");
  // The challenge it answers is in the token; check_nonce proves it was issued to this device.
  Bytes token = to_bytes(req.body);
  Bytes nonce;
  if (auto s = codec::cose::parse_sign1(token, "evidence", codec::eat::kTokenLimits))
    if (auto c = codec::eat::read_claims(s->payload)) nonce = c->nonce;
  // One appraisal at a time acts on the site (quarantine, revocation and the CRL it writes).
  auto out = [&] {
    std::lock_guard<std::mutex> lock(attest_mu_);
    return verifier_->appraise(*serial, nonce, token);
  }();
  if (!out) return refuse(500, *serial, kind, out.error());
  if (out->action != "keep")
    log::warn("verifier", *serial + ": " + codec::ear::tier_name(out->appraisal.status) + " (" +
                              out->appraisal.check + "): " + out->action);
  return net::HttpResponse{200, "application/json", appraisal_json(*out, interval).dump(), {}};
}

}  // namespace gh::svc
