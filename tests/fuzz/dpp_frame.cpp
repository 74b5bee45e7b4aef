// DPP public action frames and their attributes (codec/dpp.h): every message a DPP peer sends over
// TCP before any key is agreed. Parsing is strict, so what parses encodes back to the same octets.
#include "codec/dpp.h"
#include "fuzz_util.h"

namespace dpp = gh::codec::dpp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gh::Bytes m = gh::fuzz::bytes(data, size);
  (void)dpp::is_dpp_frame(m);
  if (auto attrs = dpp::parse_attrs(data, size)) gh::fuzz::check(dpp::encode_attrs(*attrs) == m);
  auto f = dpp::parse_frame(m);
  if (!f) return 0;
  (void)dpp::frame_name(f->type);
  gh::fuzz::check(f->wd_offset <= f->body.size());
  (void)f->before_wd();
  gh::fuzz::check(dpp::encode_frame(f->type, f->attrs) == m);
  if (auto s = dpp::require_attr(f->attrs, dpp::attr::kStatus, "DPP Status", 1))
    (void)dpp::status_name((*s)[0]);
  (void)dpp::require_attr(f->attrs, dpp::attr::kInitiatorBkh, "Initiator BKH", 32);
  (void)dpp::require_attr(f->attrs, dpp::attr::kWrappedData, "Wrapped Data");
  return 0;
}
