// The refusal table: every check's name (unchanged on the wire) and the HTTP status the registrar
// and the MASA answer it with, exactly as they answered before the table existed.
#include "proto/check.h"

#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>

namespace gh::proto {
namespace {

struct Row {
  Check check;
  const char* name;
  int registrar;  // status when the registrar answers
  int masa;       // status when the MASA answers
};

// One row per enumerator, in declaration order.
const Row kTable[] = {
    {Check::kIdevidMissing, "idevid.missing", 401, 401},
    {Check::kIdevidUntrusted, "idevid.untrusted", 401, 401},
    {Check::kIdevidSerial, "idevid.serial", 401, 401},
    {Check::kIdevidMasaUrl, "idevid.masa-url", 401, 401},
    {Check::kPvrMediaType, "pvr.media-type", 415, 415},
    {Check::kPvrFormat, "pvr.format", 400, 400},
    {Check::kPvrSignature, "pvr.signature", 401, 403},
    {Check::kPvrSigner, "pvr.signer", 401, 401},
    {Check::kPvrSerial, "pvr.serial", 403, 403},
    {Check::kPvrProximity, "pvr.proximity", 401, 403},
    {Check::kPvrNonce, "pvr.nonce", 403, 403},
    {Check::kPvrReplay, "pvr.replay", 403, 403},
    {Check::kPvrMissing, "pvr.missing", 403, 403},
    {Check::kRvrMediaType, "rvr.media-type", 415, 415},
    {Check::kRvrAccept, "rvr.accept", 406, 406},
    {Check::kRvrTlsClient, "rvr.tls-client", 401, 401},
    {Check::kRvrFormat, "rvr.format", 400, 400},
    {Check::kRvrSignature, "rvr.signature", 403, 403},
    {Check::kRvrCmcRa, "rvr.cmc-ra", 403, 403},
    {Check::kRvrChain, "rvr.chain", 403, 403},
    {Check::kRvrSerial, "rvr.serial", 400, 400},
    {Check::kRvrNonce, "rvr.nonce", 403, 403},
    {Check::kMasaUnknownDevice, "masa.unknown-device", 404, 404},
    {Check::kMasaOwnership, "masa.ownership", 403, 403},
    {Check::kMasaStore, "masa.store", 500, 500},
    {Check::kMasaDeclaration, "masa.declaration", 500, 500},
    {Check::kMasaSign, "masa.sign", 500, 500},
    {Check::kMasaUnreachable, "masa.unreachable", 503, 503},
    {Check::kMasaRefused, "masa.refused", 403, 403},
    {Check::kPolicyUnknownDevice, "policy.unknown-device", 404, 404},
    {Check::kPolicyState, "policy.state", 403, 403},
    {Check::kPolicyDenied, "policy.denied", 403, 403},
    {Check::kPolicyAuditLog, "policy.audit-log", 403, 403},
    {Check::kPolicyOnboardedElsewhere, "policy.onboarded-elsewhere", 403, 403},
    {Check::kVoucherSignature, "voucher.signature", 502, 502},
    {Check::kVoucherSerial, "voucher.serial", 502, 502},
    {Check::kVoucherNonce, "voucher.nonce", 502, 502},
    {Check::kVoucherPinned, "voucher.pinned", 502, 502},
    {Check::kVoucherExpired, "voucher.expired", 502, 502},
    {Check::kVoucherRegistrar, "voucher.registrar", 502, 502},
    {Check::kEstClient, "est.client", 401, 401},
    {Check::kEstSuperseded, "est.superseded", 403, 403},
    {Check::kEstNoVoucher, "est.no-voucher", 403, 403},
    {Check::kEstBody, "est.body", 400, 400},
    {Check::kCsrParse, "csr.parse", 400, 400},
    {Check::kCsrSignature, "csr.signature", 400, 400},
    {Check::kCsrKey, "csr.key", 400, 400},
    {Check::kCsrSerial, "csr.serial", 400, 400},
    {Check::kStatusFormat, "status.format", 400, 400},
};

TEST(CheckTable, EveryCheckHasItsNameAndStatuses) {
  ASSERT_EQ(std::size(kTable), static_cast<size_t>(Check::kCount));
  for (size_t i = 0; i < std::size(kTable); ++i) {
    const Row& r = kTable[i];
    SCOPED_TRACE(r.name);
    EXPECT_EQ(static_cast<size_t>(r.check), i);  // the table covers each enumerator once
    EXPECT_STREQ(check_name(r.check), r.name);
    EXPECT_EQ(http_status(r.check, Responder::kRegistrar), r.registrar);
    EXPECT_EQ(http_status(r.check, Responder::kMasa), r.masa);
    // From the code string, as a service maps an Error back.
    EXPECT_EQ(http_status(std::string(r.name), Responder::kRegistrar), r.registrar);
    EXPECT_EQ(http_status(std::string(r.name), Responder::kMasa), r.masa);
  }
}

TEST(CheckTable, NamesAreUniqueAndFoundAgain) {
  std::set<std::string> seen;
  for (const Row& r : kTable) {
    EXPECT_TRUE(seen.insert(r.name).second) << r.name;
    auto found = find_check(r.name);
    ASSERT_TRUE(found.has_value()) << r.name;
    EXPECT_EQ(*found, r.check) << r.name;
  }
}

// Codes of the layers below (CMS) and of the pledge's own state name no check: 403, the
// registrar's answer to them before.
TEST(CheckTable, CodeThatNamesNoCheckIs403) {
  for (const char* code : {"cms.parse", "pledge.state", "", "pvr"}) {
    EXPECT_FALSE(find_check(code).has_value()) << code;
    EXPECT_EQ(http_status(std::string(code), Responder::kRegistrar), 403) << code;
  }
}

TEST(CheckTable, MakeErrorCarriesTheName) {
  Error e = make_error(Check::kPvrProximity, "proximity-registrar-cert is not ours");
  EXPECT_EQ(e.code, "pvr.proximity");
  EXPECT_EQ(e.message, "proximity-registrar-cert is not ours");
  EXPECT_EQ(e.context("pledge").code, "pvr.proximity");
}

}  // namespace
}  // namespace gh::proto
