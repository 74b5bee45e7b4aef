// nftables transactions in process (libnftables): one context kept open, so a change does not pay
// for starting nft and for parsing and loading everything again; each script is one atomic
// transaction (all of it or nothing, the previous rules left in place on refusal).
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

struct nft_ctx;

namespace gh::net {

class NftSession {
 public:
  // netns: a named network namespace (/run/netns/NAME) whose rules the session changes; empty for
  // the caller's own.
  static Result<std::unique_ptr<NftSession>> open(const std::string& netns = "");
  ~NftSession();
  NftSession(const NftSession&) = delete;
  NftSession& operator=(const NftSession&) = delete;
  // Runs an nft script as one transaction; "nft.refused" with nft's own message when it fails.
  Status run(const std::string& script);

 private:
  NftSession() = default;
  nft_ctx* ctx_ = nullptr;
};

}  // namespace gh::net
