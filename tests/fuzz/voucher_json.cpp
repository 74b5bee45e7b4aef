// Voucher and voucher-request JSON (codec/voucher.h, RFC 8366 / RFC 8995): the content of a CMS
// message once its signature verified; a MASA, a registrar and a pledge read it.
#include "codec/voucher.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = gh::parse_json(gh::fuzz::text(data, size), "voucher");
  if (!json) return 0;
  if (auto v = gh::codec::Voucher::from_json(*json); v) {
    auto again = gh::codec::Voucher::from_json(v->to_json());
    gh::fuzz::check(again.ok() && again->serial_number == v->serial_number &&
                    again->pinned_domain_cert == v->pinned_domain_cert);
  }
  if (auto r = gh::codec::VoucherRequest::from_json(*json); r) {
    auto again = gh::codec::VoucherRequest::from_json(r->to_json());
    gh::fuzz::check(again.ok() && again->nonce == r->nonce &&
                    again->prior_signed_voucher_request == r->prior_signed_voucher_request);
  }
  return 0;
}
