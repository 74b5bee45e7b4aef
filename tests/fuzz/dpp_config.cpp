// DPP configuration objects (codec/dpp.h): an enrollee's configAttrib (the configurator reads it)
// and a configuration object with its credentials (the enrollee reads it), both JSON from the peer.
#include "codec/dpp.h"
#include "fuzz_util.h"

namespace dpp = gh::codec::dpp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gh::Bytes json = gh::fuzz::bytes(data, size);
  if (auto r = dpp::ConfigRequest::parse(json)) {
    auto again = dpp::ConfigRequest::parse(gh::to_bytes(r->to_json().dump()));
    gh::fuzz::check(again.ok() && again->name == r->name && again->pkcs10 == r->pkcs10);
  }
  if (auto o = dpp::ConfigObject::parse(json)) {
    auto again = dpp::ConfigObject::parse(gh::to_bytes(o->to_json().dump()));
    gh::fuzz::check(again.ok() && again->ssid == o->ssid && again->akm == o->akm &&
                    again->signed_connector == o->signed_connector);
  }
  return 0;
}
