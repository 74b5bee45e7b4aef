// DPP connectors (codec/dpp.h): a compact JWS signed by the configurator's C-sign key, read by the
// enrollee and by every peer it meets. The first octet picks the reading: the rest verified as a
// connector, or (mode 1) the rest taken as the payload and signed here first, so that the claims
// behind a good signature are reached too.
#include "codec/dpp.h"
#include "crypto/jws.h"
#include "fuzz_util.h"

namespace dpp = gh::codec::dpp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& csign = gh::fuzz::test_pki().signer.key;
  std::string_view rest = gh::fuzz::text(data + 1, size - 1);
  constexpr int64_t kNow = 1767225600;  // 2026-01-01
  if (data[0] % 2 == 0) {
    (void)dpp::verify_connector(std::string(rest), csign.public_key(), kNow);
    return 0;
  }
  gh::Json header{{"typ", "dppCon"}, {"kid", dpp::csign_kid(csign.public_key())}};
  auto jws = gh::crypto::jws_sign_compact(header, gh::to_bytes(rest), csign);
  gh::fuzz::check(jws.ok());
  auto c = dpp::verify_connector(*jws, csign.public_key(), kNow);
  if (!c) return 0;
  gh::fuzz::check(!c->groups.empty());
  // What we read, we sign again so that it reads the same.
  auto again = dpp::sign_connector(*c, csign);
  gh::fuzz::check(again.ok());
  auto back = dpp::verify_connector(*again, csign.public_key(), kNow);
  gh::fuzz::check(back.ok() && back->groups == c->groups && back->expiry == c->expiry);
  return 0;
}
