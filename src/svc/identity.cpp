#include "svc/identity.h"

#include <signal.h>

#include "common/fs.h"

namespace gh::svc {

Result<pki::Identity> load_identity(crypto::KeyStore& ks, const std::string& pki_dir,
                                    const std::string& label,
                                    const std::vector<crypto::Certificate>& chain) {
  auto pem = TRY(fs::read_file(fs::join(pki_dir, label + ".pem")));
  pki::Identity id;
  id.cert = TRY_CTX(crypto::Certificate::from_pem(pem), label);
  id.key = TRY_CTX(ks.load(label), label);
  id.chain = chain;
  return id;
}

void wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
}

bool wait_for_stop_signal_for(int ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace gh::svc
