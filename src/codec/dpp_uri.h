// Wi-Fi Easy Connect bootstrapping URI: "DPP:" fields "X:value;" then a terminating ';'.
// Written as hostapd does: [C:..;][M:..;][I:..;]V:2;K:<base64 DER SPKI>;;
#pragma once

#include <string>
#include <vector>

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
  // Fields of letters this version does not know, "X:value" as carried: the grammar reserves
  // the other capital letters for later versions, so they are kept, not refused.
  std::vector<std::string> reserved;

  std::string to_string() const;
  // The grammar of Wi-Fi Easy Connect 5.2.1: "DPP:" then fields "L:value;" (L a capital
  // letter), the key among them, ending with the one ";;" the URI has. A channel list is
  // class/channel[,channel]... pairs (a class carries over to the channels after it, as hostapd
  // writes them); each field at most once (two keys would be two identities).
  static Result<DppUri> parse(std::string_view uri);
  // SHA-256 over the DER SPKI as carried in K: (the bootstrapping key hash, BKH).
  Bytes key_hash() const;
};

}  // namespace gh::codec
