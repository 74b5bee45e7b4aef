// A device as the operator sees it: one JSON shape for `site devices show` and the REST API
// (GET /api/v1/devices/{serial}), and the summary a listing shows per device.
#pragma once

#include <set>
#include <string>

#include "common/json.h"
#include "store/records.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"

namespace gh::svc {

// The device whole: lifecycle state and phase, credentials, the policy's decision for its
// connection, the latest attestation, its application, its MUD URL and (once the site holds a
// verified copy of the file) the rules it compiles to; with history, every event of its life.
// "inventory.unknown" for a serial not in the inventory.
Result<Json> device_detail_json(Site& site, PolicyStore& policy, const std::string& serial,
                                bool history);

// The decision the policy gives a device asking by protocol (brski, dpp, connect), with the
// subject it decided on: `site policy check --json` and GET /api/v1/policy/decision. The
// inventory is the log for a broken policy file's refusal. "policy.unknown-device" for a serial
// not in the inventory.
Result<Json> policy_check_json(Site& site, PolicyStore& policy, const std::string& serial,
                               const std::string& protocol);

// How the device was onboarded: "brski" (it holds a voucher), "dpp" (the site configured it
// by DPP) or "none". dpp_serials: the devices with an active DPP configuration.
std::string onboarding_protocol(const store::DeviceRecord& d,
                                const std::set<std::string>& dpp_serials);

// One line of a listing.
Json device_summary_json(const store::DeviceRecord& d);

// One evidence log entry (detail parsed back into JSON when it is JSON).
Json event_json(const store::Event& e);

}  // namespace gh::svc
