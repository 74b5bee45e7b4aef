// GAS frames over TCP (codec/dpp.h): the envelope of DPP configuration requests and responses.
#include "codec/dpp.h"
#include "fuzz_util.h"

namespace dpp = gh::codec::dpp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gh::Bytes m = gh::fuzz::bytes(data, size);
  auto g = dpp::parse_gas(m);
  if (!g) return 0;
  gh::fuzz::check(dpp::is_gas_frame(m));
  // What we read, we write back so that it reads the same.
  auto again = dpp::parse_gas(dpp::encode_gas(*g));
  gh::fuzz::check(again.ok() && again->kind == g->kind && again->token == g->token &&
                  again->status == g->status && again->comeback_delay == g->comeback_delay &&
                  again->frag_id == g->frag_id && again->body == g->body);
  return 0;
}
