// Wi-Fi Easy Connect bootstrapping URI: "DPP:" fields "X:value;" then a terminating ';'.
// Written as hostapd does: [C:..;][M:..;][I:..;]V:2;K:<base64 DER SPKI>;;
#pragma once

#include <string>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::codec {

struct DppUri {
  std::string channels;  // C: "81/1,6,11"
  std::string mac;       // M: 12 hex digits
  std::string info;      // I: printable ASCII without ';'
  int version = 1;       // V: absent = 1
  std::string host;      // H: (R3) host[:port]
  Bytes key;             // K: DER SubjectPublicKeyInfo exactly as carried

  std::string to_string() const;
  // First occurrence wins, empty fields skipped, unknown letters ignored.
  static Result<DppUri> parse(std::string_view uri);
  // SHA-256 over the DER SPKI as carried in K: (the bootstrapping key hash, BKH).
  Bytes key_hash() const;
};

}  // namespace gh::codec
