#include "proto/pledge.h"

#include "codec/est.h"
#include "common/log.h"
#include "crypto/digest.h"
#include "proto/check.h"

namespace gh::proto {
namespace {
const char* name(Pledge::State s) {
  switch (s) {
    case Pledge::State::kStart:
      return "start";
    case Pledge::State::kRequested:
      return "voucher-requested";
    case Pledge::State::kVoucherAccepted:
      return "voucher-accepted";
    case Pledge::State::kEnrolled:
      return "enrolled";
    default:
      return "failed";
  }
}
}  // namespace

void Pledge::transition(State next) {
  log::debug("pledge", serial_ + ": " + name(state_) + " -> " + name(next));
  state_ = next;
}

Error Pledge::fail(Error e) {
  transition(State::kFailed);
  return e;
}

Result<Bytes> Pledge::voucher_request(const std::vector<crypto::Certificate>& registrar_chain,
                                      time::Seconds now) {
  if (registrar_chain.empty())
    return fail(make_error("registrar.certificate", "registrar presented no certificate"));
  registrar_chain_ = registrar_chain;
  serial_ = identity_.cert.serial_number_attr().value_or("");
  codec::VoucherRequest pvr;
  pvr.created_on = now;
  nonce_ = base64_encode(crypto::random_bytes(16));  // fresh for every attempt
  pvr.nonce = nonce_;
  pvr.assertion = "proximity";
  pvr.serial_number = serial_;
  pvr.idevid_issuer = identity_.cert.authority_key_id();
  pvr.proximity_registrar_cert = registrar_chain[0].der();  // the EE certificate of the TLS chain
  auto cms = codec::sign_voucher_artifact(pvr.to_json(), identity_.cert, identity_.key,
                                          identity_.full_chain());
  if (!cms) return fail(cms.error());
  transition(State::kRequested);
  return *cms;
}

Status Pledge::accept_voucher(const Bytes& body, time::Seconds now) {
  if (state_ != State::kRequested) return make_error("pledge.state", "no voucher was requested");
  auto v = codec::verify_voucher_artifact(body, masa_anchors_);
  if (!v) return fail(make_error(Check::kVoucherSignature, "voucher: " + v.error().message));
  auto voucher = codec::Voucher::from_json(v->json);
  if (!voucher) return fail(voucher.error().context("voucher"));
  if (voucher->serial_number != serial_)
    return fail(make_error(Check::kVoucherSerial,
                           "voucher is for serial " + voucher->serial_number + ", not " + serial_));
  if (voucher->nonce != nonce_)
    return fail(make_error(Check::kVoucherNonce, "voucher nonce is not the one this pledge sent"));
  if (voucher->pinned_domain_cert.empty())
    return fail(make_error(Check::kVoucherPinned, "voucher has no pinned-domain-cert"));
  auto pinned = crypto::Certificate::from_der(voucher->pinned_domain_cert);
  if (!pinned)
    return fail(make_error(Check::kVoucherPinned, "pinned-domain-cert is not a certificate"));
  if (voucher->expires_on && *voucher->expires_on < now)
    return fail(make_error(Check::kVoucherExpired,
                           "voucher expired at " + time::format_rfc3339(*voucher->expires_on)));
  // RFC 8995 5.6.2: leave the provisional state only if the registrar chains to the pin.
  crypto::VerifyOptions pin;
  pin.partial_chain = true;
  std::vector<crypto::Certificate> rest(registrar_chain_.begin() + 1, registrar_chain_.end());
  auto st = crypto::verify_chain(registrar_chain_[0], rest, {*pinned}, pin);
  if (!st)
    return fail(make_error(
        Check::kVoucherRegistrar,
        "registrar does not chain to the pinned domain certificate: " + st.error().message));
  voucher_cms_ = TRY(crypto::cms_from_any(body));
  voucher_ = std::move(*voucher);
  pinned_ = *pinned;
  domain_ca_ = *pinned;
  transition(State::kVoucherAccepted);
  return ok_status();
}

Status Pledge::accept_cacerts(const std::string& body) {
  if (state_ != State::kVoucherAccepted)
    return make_error("pledge.state", "no voucher accepted yet");
  auto certs = codec::est_parse_certs_only(body);
  if (!certs) return fail(certs.error().context("cacerts"));
  crypto::VerifyOptions pin;
  pin.partial_chain = true;
  for (const auto& c : *certs) {
    if (c.is_ca() && crypto::verify_chain(c, *certs, {pinned_}, pin)) {
      domain_ca_ = c;
      return ok_status();
    }
  }
  return fail(make_error("est.cacerts",
                         "no CA certificate in /cacerts chains to the pinned domain certificate"));
}

Result<crypto::Csr> Pledge::enrollment_request(const crypto::PrivateKey& new_key) const {
  return crypto::Csr::create(crypto::Name().add("CN", serial_).add("serialNumber", serial_),
                             new_key);
}

Result<crypto::Certificate> Pledge::accept_enrollment(const std::string& body,
                                                      const crypto::PublicKey& new_key) {
  auto certs = codec::est_parse_certs_only(body);
  if (!certs) return fail(certs.error().context("simpleenroll"));
  for (const auto& c : *certs) {
    if (!(c.public_key() == new_key)) continue;
    auto st = crypto::verify_chain(c, *certs, {domain_ca_});
    if (!st)
      return fail(make_error("ldevid.chain",
                             "LDevID does not chain to the domain CA: " + st.error().message));
    transition(State::kEnrolled);
    return c;
  }
  return fail(make_error("ldevid.key",
                         "no certificate in the response certifies the key this pledge made"));
}

}  // namespace gh::proto
