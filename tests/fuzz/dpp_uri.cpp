// DPP bootstrapping URIs (codec/dpp_uri.h): what a QR code or `site add-device` hands us.
#include "codec/dpp_uri.h"

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto uri = gh::codec::DppUri::parse(gh::fuzz::text(data, size));
  if (!uri) return 0;
  (void)uri->key_hash();
  // What we read, we write back readably.
  auto again = gh::codec::DppUri::parse(uri->to_string());
  gh::fuzz::check(again.ok() && again->key == uri->key && again->channels == uri->channels &&
                  again->mac == uri->mac && again->info == uri->info && again->host == uri->host);
  return 0;
}
