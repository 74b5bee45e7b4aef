// The refusal reasons of the BRSKI and EST servers (RFC 8995, RFC 7030), and the one table that
// maps each to the HTTP status the registrar or the MASA answers with.
//
// The reason travels as a string: Error::code, the first word of a refusal body, the evidence log
// and the MASA's voucher log all carry check_name(check), unchanged from before this enum. The
// engines build their errors from the enumerator (make_error(Check::kPvrProximity, "...")) so the
// compiler checks the names; a service maps a code string back with http_status(code, responder).
// The pledge's own failures (pledge.state, est.cacerts, ldevid.*) answer no request and stay plain
// codes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh::proto {

enum class Check {
  // The pledge's IDevID in TLS, at the registrar (RFC 8995 5.3).
  kIdevidMissing,    // idevid.missing
  kIdevidUntrusted,  // idevid.untrusted
  kIdevidSerial,     // idevid.serial
  kIdevidMasaUrl,    // idevid.masa-url
  // The pledge voucher-request (at the registrar; the pvr.* the MASA checks inside the registrar
  // voucher-request are the same checks).
  kPvrMediaType,  // pvr.media-type
  kPvrFormat,     // pvr.format
  kPvrSignature,  // pvr.signature
  kPvrSigner,     // pvr.signer
  kPvrSerial,     // pvr.serial
  kPvrProximity,  // pvr.proximity
  kPvrNonce,      // pvr.nonce
  kPvrReplay,     // pvr.replay
  kPvrMissing,    // pvr.missing (MASA: no prior-signed-voucher-request)
  // The registrar voucher-request, at the MASA (RFC 8995 5.5).
  kRvrMediaType,  // rvr.media-type
  kRvrAccept,     // rvr.accept
  kRvrTlsClient,  // rvr.tls-client
  kRvrFormat,     // rvr.format
  kRvrSignature,  // rvr.signature
  kRvrCmcRa,      // rvr.cmc-ra
  kRvrChain,      // rvr.chain
  kRvrSerial,     // rvr.serial
  kRvrNonce,      // rvr.nonce
  // The MASA's own decisions and failures.
  kMasaUnknownDevice,  // masa.unknown-device
  kMasaOwnership,      // masa.ownership
  kMasaStore,          // masa.store
  kMasaDeclaration,    // masa.declaration
  kMasaSign,           // masa.sign
  // The registrar's view of the MASA.
  kMasaUnreachable,  // masa.unreachable
  kMasaRefused,      // masa.refused (a MASA refusal whose body names no check)
  // The site's authorization of the device.
  kPolicyUnknownDevice,       // policy.unknown-device
  kPolicyState,               // policy.state
  kPolicyDenied,              // policy.denied
  kPolicyAuditLog,            // policy.audit-log
  kPolicyOnboardedElsewhere,  // policy.onboarded-elsewhere
  // The voucher, checked by the registrar before relaying it and by the pledge (RFC 8995 5.6.1).
  kVoucherSignature,  // voucher.signature
  kVoucherSerial,     // voucher.serial
  kVoucherNonce,      // voucher.nonce
  kVoucherPinned,     // voucher.pinned
  kVoucherExpired,    // voucher.expired
  kVoucherRegistrar,  // voucher.registrar
  // EST (RFC 7030, RFC 8995 5.9) and status telemetry (RFC 8995 5.7, 5.9.4).
  kEstClient,      // est.client
  kEstSuperseded,  // est.superseded
  kEstNoVoucher,   // est.no-voucher
  kEstBody,        // est.body
  kCsrParse,       // csr.parse
  kCsrSignature,   // csr.signature
  kCsrKey,         // csr.key
  kCsrSerial,      // csr.serial
  kStatusFormat,   // status.format

  kCount  // not a check: how many there are
};

// Who answers. A check's status depends on it only where RFC 8995 says so: the registrar
// authenticates the pledge (5.3), the MASA judges the registrar's request (5.6).
enum class Responder { kRegistrar, kMasa };

// The name the operator reads and the peer receives, e.g. "pvr.proximity".
const char* check_name(Check check);
// The check with that name; none for a code no BRSKI/EST check produces (e.g. "cms.parse").
std::optional<Check> find_check(std::string_view name);
// The HTTP status a refusal for this check answers with.
int http_status(Check check, Responder responder);
// The same for an Error code: the status of the check it names, 403 when it names none.
int http_status(std::string_view code, Responder responder);

}  // namespace gh::proto

namespace gh {

// An Error whose code is the check's name.
inline Error make_error(proto::Check check, std::string message) {
  return Error{proto::check_name(check), std::move(message)};
}

}  // namespace gh
