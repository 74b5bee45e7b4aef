// A device as the operator sees it: one JSON shape for `site devices show` and the REST API
// (GET /api/v1/devices/{serial}), and the summary a listing shows per device.
#pragma once

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

// One line of a listing.
Json device_summary_json(const store::DeviceRecord& d);

// One evidence log entry (detail parsed back into JSON when it is JSON).
Json event_json(const store::Event& e);

}  // namespace gh::svc
