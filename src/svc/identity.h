// Loading signing identities from a role's state: DIR/pki/<label>.pem and the key <label>.
#pragma once

#include <string>
#include <vector>

#include "crypto/keystore.h"
#include "pki/profiles.h"

namespace gh::svc {

Result<pki::Identity> load_identity(crypto::KeyStore& keystore, const std::string& pki_dir,
                                    const std::string& label,
                                    const std::vector<crypto::Certificate>& chain);

// Waits for SIGINT or SIGTERM (servers run until told to stop).
void wait_for_stop_signal();
// The same with a limit: true when SIGINT or SIGTERM arrived within ms.
bool wait_for_stop_signal_for(int ms);

}  // namespace gh::svc
