// `gatehouse device onboard --dpp tcp:HOST:PORT` and `gatehouse device dpp listen`: the device's
// DPP enrollee. Its bootstrapping key is the one made at manufacture (keystore "dpp-bootstrap");
// the protocol key it makes during authentication becomes the connector's netAccessKey and stays
// in the keystore ("dpp-netaccess"); a PSK goes beside it. The result lands in onboarding/.
#pragma once

#include <string>

#include "common/result.h"

namespace gh::svc {

struct DppEnrolleeOptions {
  std::string device_dir;
  // Connect to a controller: "tcp:HOST:PORT". Without peer_uri the device announces itself
  // (presence announcement) and the configurator, knowing its key, initiates.
  std::string controller;
  std::string peer_uri;  // the configurator's URI: the device initiates (mutual if it knows us)
  std::string listen;    // "HOST:PORT": wait for a configurator to connect and initiate
  std::string net_role = "sta";
  // onboard_dpp: transport failures are retried with back-off until this overall deadline, which
  // also bounds a controller's silence. onboard_dpp_listen: how long to wait for a configurator
  // to configure the device (peers that fail are logged and the next is served), and the silence
  // allowed once one is connected.
  int timeout_s = 30;
};

struct DppEnrolleeResult {
  std::string serial;
  std::string akm;
  std::string ssid;
  bool mutual = false;
  std::string csign_kid;
  int listen_port = 0;
};

Result<DppEnrolleeResult> onboard_dpp(const DppEnrolleeOptions& options);

// For `device dpp listen`: called with the bound port once listening (port 0 picks one).
using ListeningCallback = void (*)(int port);
Result<DppEnrolleeResult> onboard_dpp_listen(const DppEnrolleeOptions& options,
                                             ListeningCallback on_listening);

}  // namespace gh::svc
