// Helpers shared by the DPP engine's source files (dpp.cpp, dpp_auth.cpp, dpp_config.cpp): the
// wrapped-data attribute and the point encodings. Not for callers of the engine.
#pragma once

#include <initializer_list>
#include <vector>

#include "proto/dpp.h"

namespace gh::proto::dpp::detail {

using cd::Attr;
namespace attr = cd::attr;

Bytes cat(std::initializer_list<const Bytes*> parts);
// x||y of a public key: DPP's protocol-key encoding.
Bytes xy_of(const crypto::PublicKey& k);
Result<crypto::PublicKey> point_from_xy(crypto::Curve curve, const Bytes& xy);
Attr wrapped(const Bytes& key, const std::vector<Bytes>& ad, const std::vector<Attr>& inner);
Result<std::vector<Attr>> unwrap(const Bytes& key, const std::vector<Bytes>& ad,
                                 const std::vector<Attr>& attrs, const char* what);
Bytes one_octet(uint8_t v);

}  // namespace gh::proto::dpp::detail
