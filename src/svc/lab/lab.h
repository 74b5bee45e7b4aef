// `gatehouse lab up|status|down`: a real network on this machine for trying and testing the whole
// path (issue 5): network namespaces and veth pairs, a router namespace with forwarding, nftables
// and dnsmasq (DHCP and DNS), a site namespace running `site serve`, an "internet" namespace
// running `masa serve` and a few plain hosts, and one namespace per device. Root only. Private
// addresses inside these namespaces only.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"

namespace gh::svc {

// Where `lab up` records the directory of the lab it brought up (/run: gone with the namespaces
// at a reboot), so that status and down find it whatever --dir it was given.
inline constexpr const char* kLabRecord = "/run/gatehouse-lab/dir";
inline constexpr const char* kDefaultLabDir = "/var/lib/gatehouse-lab";

struct LabOptions {
  std::string dir;  // state: factory, site, device images, logs (empty: see find_lab_dir)
  int devices = 2;
  std::string self_exe;  // the gatehouse binary
};

// The lab's directory, absolute: DIR when it holds a lab (lab.json), else the one the record
// names when that holds a lab, else DIR (empty: kDefaultLabDir). There is one lab per machine
// (its namespaces have fixed names), so the record names the lab that is up.
std::string find_lab_dir(const std::string& dir, const std::string& record = kLabRecord);

// Idempotent: a lab that is up is left as it is (and its status returned).
Result<Json> lab_up(const LabOptions& options);
// lab.json with "dir" (absolute) and "up"; "lab.down" when find_lab_dir(dir) holds no lab.
Result<Json> lab_status(const std::string& dir);
// `lab demo`: brings the lab up (if it is not), onboards every device from its own namespace by
// its protocol, waits for the router to enforce the MUD files, and reports which hosts each
// device reaches. The lab stays up.
Result<Json> lab_demo(const LabOptions& options);
// `lab dashboard`: the site's API and web dashboard on the lab's data, served on the host at
// listen (HOST:PORT) by a `site serve --api-listen` whose pid joins the lab's (so `lab down` stops
// it); an admin operator's token in DIR/dashboard.token (0600). Returns url, operator, role,
// token_file, ca (the domain CA that issued the server's certificate), log and pid; a dashboard
// already running is returned as it is.
Result<Json> lab_dashboard(const std::string& dir, const std::string& self_exe,
                           const std::string& listen);
// Removes every namespace, process and file outside DIR the lab made (DIR: find_lab_dir(dir));
// fine when nothing is up. Returns DIR.
Result<std::string> lab_down(const std::string& dir);

}  // namespace gh::svc
