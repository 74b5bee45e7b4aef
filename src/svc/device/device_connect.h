// The device's side of the secure connection after onboarding (IR 8350 5.3): wired 802.1X
// EAP-TLS with the LDevID onboarding gave it (BRSKI's EST enrollment, or DPP's 802.1X
// configuration), run by wpa_supplicant on the device's interface. The private key stays in the
// device's keystore file; wpa_supplicant reads it there.
#pragma once

#include <string>

#include "common/result.h"

namespace gh::svc {

struct ConnectOptions {
  std::string device_dir;
  std::string iface;  // required: no default that could be this host's own interface
  int timeout_s = 30;
  std::string server_name;  // the EAP server's DNS name to insist on (DPP's trustedEapServerName
                            // is used when the configuration carries one)
  std::string wpa_supplicant = "wpa_supplicant";
};

struct ConnectResult {
  std::string serial;
  std::string iface;
  std::string certificate_serial;  // the LDevID presented
  std::string server_name;         // what the server certificate was matched against, if anything
};

// Where this process's network namespace is, for `device connect` to know whether "eth0" is a
// device's own interface (a namespace of its own, as the lab runs it under `ip netns exec`) or
// possibly this host's. Told by the namespace files' identities (device, inode): ours against
// PID 1's, else (PID 1's unreadable, as in a container without ptrace rights over it) against
// the named namespaces `ip netns` keeps.
enum class NetNamespace { kInitial, kOwn, kUnknown };
struct NetNamespacePaths {
  std::string self = "/proc/self/ns/net";
  std::string init = "/proc/1/ns/net";
  std::string named_dir = "/run/netns";
};
NetNamespace network_namespace(const NetNamespacePaths& paths = {});

// Starts wpa_supplicant (stopping one this device already runs) and waits for the port to be
// authorized. On refusal or timeout it stops it again: "eap.failed" / "connect.timeout".
Result<ConnectResult> connect_8021x(const ConnectOptions& o);
// Logs off (EAPOL-Logoff) and stops the device's wpa_supplicant; fine when none runs.
Status disconnect_8021x(const std::string& device_dir);
// After a renewal: the running supplicant (if any) takes the credential onboarding/network.json
// now names and re-authenticates with it while the port stays authorized (no gap in traffic).
// Whether one was running.
Result<bool> refresh_8021x(const std::string& device_dir);

}  // namespace gh::svc
