// The 802.1X authenticator on the router's device ports (IR 8350 5.3, the secure connection with
// the new credential): one hostapd per port in wired mode with its internal EAP server doing
// EAP-TLS. The server trusts only the domain CA and checks the site's CRL; session resumption is
// off, so every success follows a full handshake whose client certificate hostapd names in its
// log. This module starts and watches those hostapd processes and turns their logs into the
// authenticated sessions the router's rules are built from: port, station MAC and the LDevID's
// certificate serial (the binding of MAC to credential comes from the handshake, never from the
// EAP identity the supplicant claims).
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "common/lines.h"
#include "common/result.h"
#include "common/time.h"

namespace gh::svc {

struct AuthenticatorOptions {
  std::string dir;          // per-port configs and logs, the CA+CRL file
  std::string domain_ca;    // PEM: the only CA whose certificates are accepted
  std::string crl;          // PEM: the site's CRL (required: without it nobody authenticates)
  std::string server_cert;  // the EAP server's certificate (from the domain CA) and key
  std::string server_key;
  std::string hostapd = "hostapd";
  std::string
      self_exe;  // the gatehouse binary: runs each hostapd under `router authenticator-port`
  int reauth_period_s = 3600;
};

struct EapSession {
  std::string port, mac;
  std::string cert_serial;  // lower-case hex, as the inventory records LDevIDs
  std::string subject;
  time::Seconds since = 0;
};

// Something that changed on a port: a session started or ended, or an attempt failed.
struct EapEvent {
  std::string port, mac;
  std::string kind;  // "authenticated", "failed", "ended"
  std::string cert_serial, subject;
  std::string
      reason;  // failed: what hostapd's TLS or EAP server refused (e.g. certificate revoked)
  time::Seconds at = 0;
};

// Reads one port's hostapd debug output line by line (pure; unit-tested on captured lines).
class HostapdLogParser {
 public:
  explicit HostapdLogParser(std::string port) : port_(std::move(port)) {}
  // Feeds one line; appends to events what it completed.
  void feed(const std::string& line, time::Seconds now, std::vector<EapEvent>* events);
  // The port's authenticated station, if any.
  const EapSession* session() const { return session_.mac.empty() ? nullptr : &session_; }

 private:
  std::string port_;
  std::string pending_serial_, pending_subject_, pending_error_;
  EapSession session_;
};

class Authenticator {
 public:
  explicit Authenticator(AuthenticatorOptions o) : o_(std::move(o)) {}
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;
  ~Authenticator() = default;  // hostapd keeps running: sessions outlive a router agent restart

  // Keeps the CA+CRL file current and one live hostapd on each port (a running one from an
  // earlier agent is adopted and its log re-read); ports that went away are forgotten.
  Status ensure(const std::vector<std::string>& ports);
  // Reads what each hostapd logged since the last call.
  std::vector<EapEvent> poll();
  std::vector<EapSession> sessions() const;
  // Stops every hostapd this authenticator runs.
  void stop_all();

 private:
  struct Port {
    std::string name;
    int pid = -1;
    std::string log;
    off_t offset = 0;
    LineSplitter lines;      // hostapd's output, a line at most 64 KiB
    bool replaying = false;  // adopted: the first read rebuilds state without reporting events
    HostapdLogParser parser{""};
  };
  Status write_ca_file();
  Result<Port> start(const std::string& port);

  AuthenticatorOptions o_;
  std::map<std::string, Port> ports_;
  std::string ca_written_;  // the CA+CRL text last written
};

// `gatehouse router authenticator-port`: runs `hostapd -d CONF` and appends its output to LOG,
// leaving out every hexdump line (hostapd's debug output prints the derived MSK and session id in
// the clear; no key material reaches the log). hostapd is stopped when this process ends.
Status supervise_hostapd(const std::string& hostapd, const std::string& conf,
                         const std::string& log);

// hostapd's and the inventory's spelling of a certificate serial: lower-case hex, no leading
// zero octets.
std::string normal_serial_hex(const std::string& hex);

}  // namespace gh::svc
