#include "svc/device/device_connect.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/json.h"
#include "common/process.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "device/image.h"
#include "svc/device/device_agent.h"

namespace gh::svc {
namespace {

std::string run_dir(const std::string& device_dir) {
  return fs::join(device_dir, "run");
}

// "keystore:LABEL" -> LABEL.
// wpa_supplicant.conf strings are double-quoted; nothing we write may break out of them.
Result<std::string> conf_string(const std::string& s) {
  for (char c : s)
    if (c == '"' || c == '\n' || c == '\\')
      return make_error("device.credential", "unexpected character in '" + s + "'");
  return "\"" + s + "\"";
}

std::string status_value(const std::string& status, const std::string& key) {
  size_t at = status.find("\n" + key + "=");
  if (at == std::string::npos) {
    if (status.rfind(key + "=", 0) != 0) return "";
    at = 0;
  } else {
    at += 1;
  }
  at += key.size() + 1;
  return status.substr(at, status.find('\n', at) - at);
}

// A file's identity (device, inode), following links (/proc/*/ns/net are links to nsfs).
std::optional<std::pair<dev_t, ino_t>> identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

}  // namespace

NetNamespace network_namespace(const NetNamespacePaths& paths) {
  auto self = identity(paths.self);
  if (!self) return NetNamespace::kUnknown;
  if (auto init = identity(paths.init))
    return *init == *self ? NetNamespace::kInitial : NetNamespace::kOwn;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(paths.named_dir, ec))
    if (identity(e.path().string()) == self) return NetNamespace::kOwn;
  return NetNamespace::kUnknown;
}

Status disconnect_8021x(const std::string& device_dir) {
  std::string rd = run_dir(device_dir);
  auto pid_text = fs::read_file(fs::join(rd, "wpa_supplicant.pid"));
  if (!pid_text) return ok_status();
  int pid = std::atoi(pid_text->c_str());
  auto iface = fs::read_file(fs::join(rd, "iface"));
  if (iface)  // tell the authenticator first, so the session ends now rather than at re-auth
    (void)process::run({"wpa_cli", "-p", fs::join(rd, "wpa"), "-i", trim(*iface), "logoff"});
  if (process::running(pid, "wpa_supplicant")) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50 && process::running(pid, "wpa_supplicant"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fs::remove_all(fs::join(rd, "wpa_supplicant.pid"));
}

Result<bool> refresh_8021x(const std::string& device_dir) {
  std::string rd = run_dir(device_dir);
  auto pid_text = fs::read_file(fs::join(rd, "wpa_supplicant.pid"));
  auto iface = fs::read_file(fs::join(rd, "iface"));
  if (!pid_text || !iface || !process::running(std::atoi(pid_text->c_str()), "wpa_supplicant"))
    return false;
  auto cred = TRY(onboarded_credential(device_dir));
  std::string key_path = fs::join(device_dir, "keystore/" + cred.key_label + ".key");
  // The configuration file too, for a supplicant started again from it.
  std::string conf_path = fs::join(rd, "wpa_supplicant.conf");
  if (auto conf = fs::read_file(conf_path)) {
    std::string text, line;
    std::istringstream in(*conf);
    while (std::getline(in, line)) {
      if (line.rfind("  client_cert=", 0) == 0)
        text += "  client_cert=" + TRY(conf_string(cred.cert_path)) + "\n";
      else if (line.rfind("  private_key=", 0) == 0)
        text += "  private_key=" + TRY(conf_string(key_path)) + "\n";
      else
        text += line + "\n";
    }
    TRY(fs::write_file_atomic(conf_path, text, 0600));
  }
  auto cli = [&](std::vector<std::string> cmd) -> Status {
    cmd.insert(cmd.begin(), {"wpa_cli", "-p", fs::join(rd, "wpa"), "-i", trim(*iface)});
    auto r = TRY(process::run(cmd));
    if (r.exit_status != 0 || r.out.find("OK") == std::string::npos)
      return make_error("connect.supplicant", "wpa_cli " + cmd[5] + " failed: " + trim(r.out));
    return ok_status();
  };
  TRY(cli({"set_network", "0", "client_cert", TRY(conf_string(cred.cert_path))}));
  TRY(cli({"set_network", "0", "private_key", TRY(conf_string(key_path))}));
  TRY(cli({"reauthenticate"}));
  return true;
}

Result<ConnectResult> connect_8021x(const ConnectOptions& o) {
  if (o.iface.empty()) return make_error("connect.iface", "no interface named for 802.1X");
  auto cred = TRY(onboarded_credential(o.device_dir));
  std::string server_name = o.server_name.empty() ? cred.server_name : o.server_name;
  auto image = TRY(device::Image::open(o.device_dir));
  if (image.info().keystore != "file")
    return make_error("connect.keystore",
                      "802.1X with an LDevID key held in the TPM is not built (wpa_supplicant "
                      "would need the TPM's OpenSSL provider)");
  std::string key_path = fs::join(o.device_dir, "keystore/" + cred.key_label + ".key");
  const std::string& cert_path = cred.cert_path;
  const std::string& ca_path = cred.ca_path;
  if (!fs::exists(key_path))
    return make_error("device.credential", "the LDevID key is missing from the keystore");
  auto ldevid = TRY(crypto::Certificate::from_pem(TRY(fs::read_file(cert_path))));
  std::string serial = image.serial();

  TRY(disconnect_8021x(o.device_dir));
  std::string rd = run_dir(o.device_dir);
  TRY(fs::make_dirs(rd, 0700));
  std::string ctrl = fs::join(rd, "wpa");
  std::string conf = "ctrl_interface=" + ctrl +
                     "\n"
                     "ap_scan=0\n"
                     "network={\n"
                     "  disabled=1\n"
                     "  key_mgmt=IEEE8021X\n"
                     "  eap=TLS\n"
                     "  eapol_flags=0\n"
                     // TLS 1.2 with ECDHE and AEAD suites only (crypto/tls.h).
                     "  phase1=\"tls_disable_tlsv1_0=1 tls_disable_tlsv1_1=1\"\n"
                     "  openssl_ciphers=\"" +
                     std::string(crypto::kTls12Suites) +
                     "\"\n"
                     "  identity=" +
                     TRY(conf_string(serial)) + "\n  ca_cert=" + TRY(conf_string(ca_path)) +
                     "\n  client_cert=" + TRY(conf_string(cert_path)) +
                     "\n  private_key=" + TRY(conf_string(key_path)) + "\n";
  if (!server_name.empty()) conf += "  domain_match=" + TRY(conf_string(server_name)) + "\n";
  conf += "}\n";
  std::string conf_path = fs::join(rd, "wpa_supplicant.conf");
  TRY(fs::write_file_atomic(conf_path, conf, 0600));
  TRY(fs::write_file_atomic(fs::join(rd, "iface"), o.iface + "\n", 0600));
  std::string log = fs::join(rd, "wpa_supplicant.log");
  TRY(fs::write_file_atomic(log, "", 0600));
  int pid = TRY(process::spawn_detached(
      {o.wpa_supplicant, "-D", "wired", "-i", o.iface, "-c", conf_path}, log));
  TRY(fs::write_file_atomic(fs::join(rd, "wpa_supplicant.pid"), std::to_string(pid) + "\n", 0600));

  // An authenticator that misses the first EAPOL-Start (it is still tearing down an earlier
  // session) waits for the next, which the supplicant sends only after startPeriod (30 s by
  // default). The network starts disabled so that a shorter period is in force before the first
  // Start; the supplicant's own PAE state machine then repeats the Start only while it is in
  // CONNECTING, i.e. until the first EAP request arrives, with no race against a running exchange.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  bool enabled = false;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::kill(pid, 0) != 0) {
      (void)fs::remove_all(fs::join(rd, "wpa_supplicant.pid"));
      return make_error("connect.supplicant", "wpa_supplicant stopped (see " + log + ")");
    }
    if (!enabled) {
      // (until its control interface is up, the commands fail and are tried again)
      auto ok = [&](std::vector<std::string> cmd) {
        cmd.insert(cmd.begin(), {"wpa_cli", "-p", ctrl, "-i", o.iface});
        auto r = process::run(cmd);
        return r && r->exit_status == 0 && r->out.find("OK") != std::string::npos;
      };
      enabled = ok({"set", "EAPOL::startPeriod", "2"}) && ok({"enable_network", "0"});
      continue;
    }
    auto st = process::run({"wpa_cli", "-p", ctrl, "-i", o.iface, "status"});
    if (!st || st->exit_status != 0) continue;
    std::string eap = status_value(st->out, "EAP state");
    if (status_value(st->out, "suppPortStatus") == "Authorized" && eap == "SUCCESS")
      return ConnectResult{serial, o.iface, ldevid.serial_hex(), server_name};
    if (eap == "FAILURE") {
      TRY(disconnect_8021x(o.device_dir));
      return make_error("eap.failed",
                        "the network refused the LDevID (EAP failure); the site's evidence log "
                        "names the check");
    }
  }
  TRY(disconnect_8021x(o.device_dir));
  return make_error("connect.timeout", "no 802.1X answer on " + o.iface + " within " +
                                           std::to_string(o.timeout_s) + " s");
}

}  // namespace gh::svc
