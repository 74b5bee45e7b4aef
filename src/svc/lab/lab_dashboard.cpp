// `gatehouse lab dashboard`: the site's REST API and web dashboard on the lab's data, served on
// the host (the lab's own `site serve` runs inside the site namespace, out of a browser's reach)
// by a second `site serve --api-listen --no-upkeep` on the same state, without the registrar, the
// MUD manager or the upkeep (CRL, stale attestations, checkpoints: the lab's site does those).
// Its pid joins lab.json's, so `lab down` stops it with the rest. The token of an admin operator
// made for the lab goes to a 0600 file; nothing prints it.
#include <signal.h>

#include <chrono>
#include <thread>

#include "common/fs.h"
#include "common/process.h"
#include "svc/lab/lab.h"
#include "svc/site/api_operators.h"
#include "svc/site/site.h"

namespace gh::svc {
namespace {

constexpr const char* kLabOperator = "lab-admin";

// The operator's token file, made once per lab (the operator made again if the file is gone).
Status ensure_token(const std::string& site_dir, const std::string& token_file) {
  if (fs::exists(token_file)) return ok_status();
  auto site = TRY(Site::open(site_dir));
  OperatorStore ops(site_dir);
  auto made = ops.add(kLabOperator, ApiRole::kAdmin, "lab", site->inventory());
  if (!made && made.error().code == "operator.exists") {
    TRY(ops.remove(kLabOperator, "lab", /*keep_admin=*/false, site->inventory()));
    made = ops.add(kLabOperator, ApiRole::kAdmin, "lab", site->inventory());
  }
  if (!made) return made.error();
  return fs::write_file_atomic(token_file, made->token + "\n", 0600);
}

// The URL the server printed ("dashboard at URL"), once it has.
Result<std::string> wait_dashboard(pid_t pid, const std::string& log) {
  for (int i = 0; i < 200; ++i) {
    if (auto text = fs::read_file(log)) {
      size_t at = text->find("dashboard at ");
      if (at != std::string::npos && text->find('\n', at) != std::string::npos) {
        at += 13;
        std::string url = text->substr(at, text->find('\n', at) - at);
        return url.substr(0, url.find(' '));
      }
    }
    if (!process::running(pid, "gatehouse") && !process::running(pid, "site")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return make_error("lab.start", "the dashboard's site serve did not start (see " + log + ")");
}

}  // namespace

Result<Json> lab_dashboard(const std::string& given, const std::string& self_exe,
                           const std::string& listen) {
  const std::string dir = find_lab_dir(given);
  const std::string lab_file = fs::join(dir, "lab.json");
  auto text = fs::read_file(lab_file);
  if (!text) return make_error("lab.down", "no lab is up (none in " + dir + ")");
  Json lab = TRY(parse_json(*text, "lab.json"));
  if (lab.contains("dashboard")) {
    const Json& d = lab["dashboard"];
    if (d.value("pid", 0) > 1 && process::running(d.value("pid", 0), "site")) return d;
  }
  const std::string site_dir = fs::join(dir, "site");
  const std::string token_file = fs::join(dir, "dashboard.token");
  TRY(ensure_token(site_dir, token_file));
  const std::string log = fs::join(dir, "logs/dashboard.log");
  TRY(fs::write_file_atomic(log, "", 0644));
  pid_t pid = TRY(process::spawn_detached({self_exe, "site", "serve", "--state", site_dir,
                                           "--api-listen", listen, "--no-mud", "--no-upkeep"},
                                          log));
  auto url = wait_dashboard(pid, log);
  if (!url) {
    ::kill(pid, SIGTERM);
    return url.error();
  }
  Json d{{"url", *url},
         {"operator", kLabOperator},
         {"role", "admin"},
         {"token_file", token_file},
         {"ca", fs::join(site_dir, "domain-ca.pem")},
         {"log", log},
         {"pid", pid}};
  lab["dashboard"] = d;
  if (!lab.contains("pids") || !lab["pids"].is_array()) lab["pids"] = Json::array();
  lab["pids"].push_back(pid);
  TRY(fs::write_file_atomic(lab_file, lab.dump(2) + "\n", 0600));
  return d;
}

}  // namespace gh::svc
