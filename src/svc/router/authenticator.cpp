#include "svc/router/authenticator.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "crypto/tls.h"

namespace gh::svc {
namespace {

// "... key=VALUE ..." -> VALUE (up to the next space).
std::string field(const std::string& line, const std::string& key) {
  size_t at = line.find(key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 1;
  size_t end = line.find(' ', at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// "<port>: EVENT aa:bb:cc:dd:ee:ff" -> the MAC, when the line is that event on this port.
std::string event_mac(const std::string& line, const std::string& port, const std::string& ev) {
  std::string head = port + ": " + ev + " ";
  if (line.rfind(head, 0) != 0) return "";
  std::string mac = line.substr(head.size(), 17);
  return mac.size() == 17 ? mac : "";
}

bool valid_port_name(const std::string& p) {
  if (p.empty() || p.size() > 15) return false;
  return std::all_of(p.begin(), p.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string normal_serial_hex(const std::string& hex) {
  std::string out;
  for (char c : hex)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (out.size() > 2 && out.compare(0, 2, "00") == 0) out.erase(0, 2);
  return out;
}

void HostapdLogParser::feed(const std::string& line, time::Seconds now,
                            std::vector<EapEvent>* events) {
  if (line.rfind("authsrv: peer certificate: ", 0) == 0) {
    if (field(line, "depth") == "0") {
      pending_serial_ = normal_serial_hex(field(line, "serial_num"));
      size_t at = line.find(" subject=");
      pending_subject_ = at == std::string::npos ? "" : line.substr(at + 9);
    }
    return;
  }
  if (line.rfind("authsrv: certificate chain failure: ", 0) == 0) {
    size_t at = line.find("err='");
    if (at != std::string::npos) {
      size_t end = line.find('\'', at + 5);
      pending_error_ = line.substr(at + 5, end == std::string::npos ? end : end - at - 5);
    }
    return;
  }
  if ((line.rfind("authsrv: local TLS alert: ", 0) == 0 ||
       line.rfind("authsrv: remote TLS alert: ", 0) == 0) &&
      pending_error_.empty()) {
    pending_error_ = "TLS alert: " + line.substr(line.find("alert: ") + 7);
    return;
  }
  if (!event_mac(line, port_, "CTRL-EVENT-EAP-STARTED").empty()) {
    pending_serial_.clear();
    pending_subject_.clear();
    pending_error_.clear();
    return;
  }
  if (std::string mac = event_mac(line, port_, "CTRL-EVENT-EAP-SUCCESS"); !mac.empty()) {
    if (pending_serial_.empty()) {
      // Only EAP-TLS with a full handshake binds a credential; anything else authorizes nothing.
      events->push_back({port_, mac, "failed", "", "",
                         "authenticated without a client certificate in this handshake", now});
      return;
    }
    bool renewed = session_.mac == mac && session_.cert_serial == pending_serial_;
    if (!session_.mac.empty() && !renewed)
      events->push_back({port_, session_.mac, "ended", session_.cert_serial, session_.subject,
                         "another authentication on the port", now});
    if (!renewed) {
      session_ = EapSession{port_, mac, pending_serial_, pending_subject_, now};
      events->push_back({port_, mac, "authenticated", pending_serial_, pending_subject_, "", now});
    }
    return;
  }
  if (std::string mac = event_mac(line, port_, "CTRL-EVENT-EAP-FAILURE"); !mac.empty()) {
    events->push_back({port_, mac, "failed", pending_serial_, pending_subject_,
                       pending_error_.empty() ? "EAP failure" : pending_error_, now});
    if (session_.mac == mac) session_ = EapSession{};
    return;
  }
  std::string gone = event_mac(line, port_, "AP-STA-DISCONNECTED");
  if (gone.empty() && line.find("received EAPOL-Logoff from STA") != std::string::npos &&
      !session_.mac.empty() && line.find(session_.mac) != std::string::npos)
    gone = session_.mac;
  if (!gone.empty() && session_.mac == gone) {
    events->push_back({port_, gone, "ended", session_.cert_serial, session_.subject,
                       "station logged off or left", now});
    session_ = EapSession{};
  }
}

Status Authenticator::write_ca_file() {
  auto ca = fs::read_file(o_.domain_ca);
  if (!ca) return make_error("authenticator.ca", "cannot read the domain CA " + o_.domain_ca);
  auto crl = fs::read_file(o_.crl);
  if (!crl)
    return make_error("authenticator.crl", "no CRL from the site yet (" + o_.crl +
                                               "): nobody is authenticated without one");
  std::string text = *ca + *crl;
  if (text == ca_written_) return ok_status();
  TRY(fs::write_file_atomic(fs::join(o_.dir, "ca-crl.pem"), text, 0644));
  ca_written_ = text;
  return ok_status();
}

Result<Authenticator::Port> Authenticator::start(const std::string& name) {
  Port p;
  p.name = name;
  p.parser = HostapdLogParser(name);
  std::string conf = fs::join(o_.dir, "hostapd-" + name + ".conf");
  p.log = fs::join(o_.dir, "hostapd-" + name + ".log");
  std::string pidfile = fs::join(o_.dir, "hostapd-" + name + ".pid");
  if (auto pid = fs::read_file(pidfile)) {
    int old = std::atoi(pid->c_str());
    if (process::running(
            old, conf)) {  // an earlier agent's: adopt it and re-read its log from the start
      p.pid = old;
      p.replaying = true;  // its sessions are rebuilt; its events were recorded by that agent
      return p;
    }
  }
  std::string users = fs::join(o_.dir, "eap-users");
  TRY(fs::write_file_atomic(users, "* TLS\n", 0644));
  std::string c = "interface=" + name +
                  "\n"
                  "driver=wired\n"
                  "ieee8021x=1\n"
                  "use_pae_group_addr=1\n"
                  "eap_server=1\n"
                  "eap_user_file=" +
                  users +
                  "\n"
                  "ca_cert=" +
                  fs::join(o_.dir, "ca-crl.pem") +
                  "\n"
                  "server_cert=" +
                  o_.server_cert +
                  "\n"
                  "private_key=" +
                  o_.server_key +
                  "\n"
                  "check_crl=1\n"
                  // EAP-TLS: TLS 1.2 with ECDHE and AEAD suites only (crypto/tls.h).
                  "tls_flags=[DISABLE-TLSv1.0][DISABLE-TLSv1.1]\n"
                  "openssl_ciphers=" +
                  std::string(crypto::kTls12Suites) +
                  "\n"
                  "crl_reload_interval=1\n"
                  "tls_session_lifetime=0\n"
                  "eap_reauth_period=" +
                  std::to_string(o_.reauth_period_s) +
                  "\n"
                  "logger_syslog=0\n"
                  "logger_stdout=-1\n"
                  "logger_stdout_level=2\n";
  TRY(fs::write_file_atomic(conf, c, 0600));
  TRY(fs::write_file_atomic(p.log, "", 0600));  // a new hostapd: a new log
  if (o_.self_exe.empty()) return make_error("authenticator.setup", "no gatehouse binary to run");
  p.pid = TRY(process::spawn_detached({o_.self_exe, "router", "authenticator-port", "--conf", conf,
                                       "--log", p.log, "--hostapd", o_.hostapd},
                                      p.log));
  TRY(fs::write_file_atomic(pidfile, std::to_string(p.pid) + "\n", 0644));
  log::info("authenticator", "hostapd started on " + name);
  return p;
}

Status Authenticator::ensure(const std::vector<std::string>& ports) {
  TRY(fs::make_dirs(o_.dir, 0700));
  TRY(write_ca_file());
  for (auto it = ports_.begin(); it != ports_.end();) {
    if (std::find(ports.begin(), ports.end(), it->first) == ports.end()) {
      if (it->second.pid > 1) ::kill(it->second.pid, SIGTERM);
      it = ports_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& name : ports) {
    if (!valid_port_name(name)) continue;
    auto it = ports_.find(name);
    if (it != ports_.end() &&
        process::running(it->second.pid, fs::join(o_.dir, "hostapd-" + name + ".conf")))
      continue;
    if (it != ports_.end()) log::warn("authenticator", "hostapd on " + name + " died; restarting");
    auto p = start(name);
    if (!p) {
      log::warn("authenticator", p.error().str());
      continue;
    }
    ports_[name] = std::move(*p);
  }
  return ok_status();
}

std::vector<EapEvent> Authenticator::poll() {
  std::vector<EapEvent> events, replayed;
  time::Seconds now = time::now();
  for (auto& entry : ports_) {
    auto& p = entry.second;  // (a lambda below uses it: clang 14 cannot capture a binding)
    int fd = ::open(p.log.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[65536];
    ssize_t n;
    while ((n = ::pread(fd, buf, sizeof buf, p.offset)) > 0) {
      p.offset += n;
      p.lines.feed(std::string_view(buf, static_cast<size_t>(n)), [&](std::string_view line) {
        p.parser.feed(std::string(line), now, p.replaying ? &replayed : &events);
      });
    }
    ::close(fd);
    p.replaying = false;
    replayed.clear();
  }
  return events;
}

std::vector<EapSession> Authenticator::sessions() const {
  std::vector<EapSession> out;
  for (const auto& [name, p] : ports_)
    if (const EapSession* s = p.parser.session()) out.push_back(*s);
  return out;
}

Status supervise_hostapd(const std::string& hostapd, const std::string& conf,
                         const std::string& log) {
  // hostapd goes when its supervisor goes.
  auto child = TRY(process::start_piped({hostapd, "-d", conf}));
  pid_t pid = child.pid;
  int in = child.fd;
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) {
    ::kill(pid, SIGTERM);
    return make_error("authenticator.log", "cannot write " + log);
  }
  std::string buf;
  char chunk[8192];
  ssize_t n;
  while ((n = ::read(in, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    buf.append(chunk, static_cast<size_t>(n));
    size_t start = 0, nl;
    std::string keep;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      std::string_view line(buf.data() + start, nl - start + 1);
      if (line.find("hexdump") == std::string_view::npos) keep.append(line);
      start = nl + 1;
    }
    buf.erase(0, start);
    if (!keep.empty() && ::write(out, keep.data(), keep.size()) < 0) break;
  }
  ::close(out);
  ::close(in);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return ok_status();
}

void Authenticator::stop_all() {
  for (auto& [name, p] : ports_)
    if (p.pid > 1) ::kill(p.pid, SIGTERM);
  ports_.clear();
}

}  // namespace gh::svc
