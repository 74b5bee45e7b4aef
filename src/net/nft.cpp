#include "net/nft.h"

#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <unistd.h>

namespace gh::net {
namespace {

// Enters a network namespace for the lifetime of the guard (this thread only).
class NetnsGuard {
 public:
  static Result<std::unique_ptr<NetnsGuard>> enter(const std::string& name) {
    std::unique_ptr<NetnsGuard> g(new NetnsGuard());
    g->home_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (g->home_ < 0 || target < 0) {
      if (target >= 0) ::close(target);
      return make_error("nft.netns", "no network namespace " + name);
    }
    int rc = ::setns(target, CLONE_NEWNET);
    ::close(target);
    if (rc != 0) return make_error("nft.netns", "cannot enter network namespace " + name);
    return g;
  }
  ~NetnsGuard() {
    if (home_ >= 0) {
      (void)::setns(home_, CLONE_NEWNET);
      ::close(home_);
    }
  }

 private:
  NetnsGuard() = default;
  int home_ = -1;
};

}  // namespace

Result<std::unique_ptr<NftSession>> NftSession::open(const std::string& netns) {
  std::unique_ptr<NetnsGuard> in;
  if (!netns.empty()) in = TRY(NetnsGuard::enter(netns));
  // The context's netlink socket belongs to the namespace it was opened in.
  std::unique_ptr<NftSession> s(new NftSession());
  s->ctx_ = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!s->ctx_) return make_error("nft.open", "libnftables could not open a netlink socket");
  nft_ctx_buffer_output(s->ctx_);
  nft_ctx_buffer_error(s->ctx_);
  return s;
}

NftSession::~NftSession() {
  if (ctx_) nft_ctx_free(ctx_);
}

Status NftSession::run(const std::string& script) {
  int rc = nft_run_cmd_from_buffer(ctx_, script.c_str());
  if (rc != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx_);
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return make_error("nft.refused", err.empty() ? "nft refused the transaction" : err);
  }
  return ok_status();
}

}  // namespace gh::net
