// The device's half of the site's attestation extension (svc/site/registrar_attest.cpp): fetch a
// challenge, answer it with fresh evidence, read the verdict. Used by the pledge before its
// voucher request and by the device agent (`device run`) on the site's interval.
#pragma once

#include <functional>
#include <string>

#include "common/encoding.h"
#include "common/result.h"
#include "net/http.h"

namespace gh::svc {

struct AttestReply {
  std::string status;  // AR4SI tier
  std::string check;
  std::string reason;
  std::string action;   // what the site did: keep, quarantine, revoke
  std::string ear;      // the signed result
  int interval_s = 60;  // how often the site wants fresh evidence
  std::string
      renewal;  // what the site asks of the LDevID ("", "renew", "rekey"), from the challenge
};

using EvidenceMaker = std::function<Result<Bytes>(const Bytes& nonce)>;

// One round on an open session. "attest.unsupported" when the site has no such endpoint.
Result<AttestReply> attest_over(net::HttpClient& client, const EvidenceMaker& evidence);

}  // namespace gh::svc
