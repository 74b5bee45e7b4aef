#include "proto/check.h"

namespace gh::proto {

const char* check_name(Check check) {
  switch (check) {
    case Check::kIdevidMissing:
      return "idevid.missing";
    case Check::kIdevidUntrusted:
      return "idevid.untrusted";
    case Check::kIdevidSerial:
      return "idevid.serial";
    case Check::kIdevidMasaUrl:
      return "idevid.masa-url";
    case Check::kPvrMediaType:
      return "pvr.media-type";
    case Check::kPvrFormat:
      return "pvr.format";
    case Check::kPvrSignature:
      return "pvr.signature";
    case Check::kPvrSigner:
      return "pvr.signer";
    case Check::kPvrSerial:
      return "pvr.serial";
    case Check::kPvrProximity:
      return "pvr.proximity";
    case Check::kPvrNonce:
      return "pvr.nonce";
    case Check::kPvrReplay:
      return "pvr.replay";
    case Check::kPvrMissing:
      return "pvr.missing";
    case Check::kRvrMediaType:
      return "rvr.media-type";
    case Check::kRvrAccept:
      return "rvr.accept";
    case Check::kRvrTlsClient:
      return "rvr.tls-client";
    case Check::kRvrFormat:
      return "rvr.format";
    case Check::kRvrSignature:
      return "rvr.signature";
    case Check::kRvrCmcRa:
      return "rvr.cmc-ra";
    case Check::kRvrChain:
      return "rvr.chain";
    case Check::kRvrSerial:
      return "rvr.serial";
    case Check::kRvrNonce:
      return "rvr.nonce";
    case Check::kMasaUnknownDevice:
      return "masa.unknown-device";
    case Check::kMasaOwnership:
      return "masa.ownership";
    case Check::kMasaStore:
      return "masa.store";
    case Check::kMasaDeclaration:
      return "masa.declaration";
    case Check::kMasaSign:
      return "masa.sign";
    case Check::kMasaUnreachable:
      return "masa.unreachable";
    case Check::kMasaRefused:
      return "masa.refused";
    case Check::kPolicyUnknownDevice:
      return "policy.unknown-device";
    case Check::kPolicyState:
      return "policy.state";
    case Check::kPolicyDenied:
      return "policy.denied";
    case Check::kPolicyAuditLog:
      return "policy.audit-log";
    case Check::kPolicyOnboardedElsewhere:
      return "policy.onboarded-elsewhere";
    case Check::kVoucherSignature:
      return "voucher.signature";
    case Check::kVoucherSerial:
      return "voucher.serial";
    case Check::kVoucherNonce:
      return "voucher.nonce";
    case Check::kVoucherPinned:
      return "voucher.pinned";
    case Check::kVoucherExpired:
      return "voucher.expired";
    case Check::kVoucherRegistrar:
      return "voucher.registrar";
    case Check::kEstClient:
      return "est.client";
    case Check::kEstSuperseded:
      return "est.superseded";
    case Check::kEstNoVoucher:
      return "est.no-voucher";
    case Check::kEstBody:
      return "est.body";
    case Check::kCsrParse:
      return "csr.parse";
    case Check::kCsrSignature:
      return "csr.signature";
    case Check::kCsrKey:
      return "csr.key";
    case Check::kCsrSerial:
      return "csr.serial";
    case Check::kStatusFormat:
      return "status.format";
    case Check::kCount:
      break;
  }
  return "check.unknown";
}

std::optional<Check> find_check(std::string_view name) {
  for (int i = 0; i < static_cast<int>(Check::kCount); ++i)
    if (name == check_name(static_cast<Check>(i))) return static_cast<Check>(i);
  return std::nullopt;
}

int http_status(Check check, Responder responder) {
  switch (check) {
    // RFC 8995 5.3: the registrar answers 401 when it cannot authenticate the pledge (its IDevID,
    // its signature on the request) or the pledge did not name this registrar as the one in
    // proximity. At the MASA the same pledge checks fail a request it cannot accept: 403 (5.6).
    case Check::kPvrSignature:
    case Check::kPvrProximity:
      return responder == Responder::kRegistrar ? 401 : 403;
    case Check::kIdevidMissing:
    case Check::kIdevidUntrusted:
    case Check::kIdevidSerial:
    case Check::kIdevidMasaUrl:
    case Check::kPvrSigner:
    // RFC 8995 5.5.1: the MASA authenticates the registrar by its TLS client certificate.
    case Check::kRvrTlsClient:
    // EST (RFC 7030): a client the registrar cannot authenticate.
    case Check::kEstClient:
      return 401;

    // Bad syntax: a body that is not the CMS, JSON or PKCS#10 the resource takes.
    case Check::kPvrFormat:
    case Check::kRvrFormat:
    case Check::kRvrSerial:
    case Check::kEstBody:
    case Check::kCsrParse:
    case Check::kCsrSignature:
    case Check::kCsrKey:
    case Check::kCsrSerial:
    case Check::kStatusFormat:
      return 400;

    // RFC 8995 5.3 and 5.6: 404 for a device the responder does not know or may not serve.
    case Check::kPolicyUnknownDevice:
    case Check::kMasaUnknownDevice:
      return 404;

    // RFC 8995 5.6: 406 when the MASA cannot issue what the request's Accept asks for, 415 for a
    // request media type the responder does not know.
    case Check::kRvrAccept:
      return 406;
    case Check::kPvrMediaType:
    case Check::kRvrMediaType:
      return 415;

    // The voucher the registrar relays failed its checks: an upstream problem.
    case Check::kVoucherSignature:
    case Check::kVoucherSerial:
    case Check::kVoucherNonce:
    case Check::kVoucherPinned:
    case Check::kVoucherExpired:
    case Check::kVoucherRegistrar:
      return 502;

    // The MASA cannot be reached: the registrar adds Retry-After, the pledge tries again later.
    case Check::kMasaUnreachable:
      return 503;

    // Failures of the responder itself, not of the request.
    case Check::kMasaStore:
    case Check::kMasaDeclaration:
    case Check::kMasaSign:
      return 500;

    // RFC 8995 5.3 and 5.6: 403 for what an administrator can fix (ownership, policy, standing)
    // and for requests that are authenticated but wrong (signature, chain, nonce, replay).
    case Check::kPvrSerial:
    case Check::kPvrNonce:
    case Check::kPvrReplay:
    case Check::kPvrMissing:
    case Check::kRvrSignature:
    case Check::kRvrCmcRa:
    case Check::kRvrChain:
    case Check::kRvrNonce:
    case Check::kMasaOwnership:
    case Check::kMasaRefused:
    case Check::kPolicyState:
    case Check::kPolicyDenied:
    case Check::kPolicyAuditLog:
    case Check::kPolicyOnboardedElsewhere:
    case Check::kEstSuperseded:
    case Check::kEstNoVoucher:
      return 403;

    case Check::kCount:
      break;
  }
  return 500;
}

int http_status(std::string_view code, Responder responder) {
  auto check = find_check(code);
  return check ? http_status(*check, responder) : 403;
}

}  // namespace gh::proto
