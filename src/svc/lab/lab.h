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

struct LabOptions {
  std::string dir = "/var/lib/gatehouse-lab";  // state: factory, site, device images, logs
  int devices = 2;
  std::string self_exe;  // the gatehouse binary
};

// Idempotent: a lab that is up is left as it is (and its status returned).
Result<Json> lab_up(const LabOptions& options);
Result<Json> lab_status(const std::string& dir);
// `lab demo`: brings the lab up (if it is not), onboards every device from its own namespace by
// its protocol, waits for the router to enforce the MUD files, and reports which hosts each
// device reaches. The lab stays up.
Result<Json> lab_demo(const LabOptions& options);
// Removes every namespace, process and file outside DIR the lab made; fine when nothing is up.
Status lab_down(const std::string& dir);

}  // namespace gh::svc
