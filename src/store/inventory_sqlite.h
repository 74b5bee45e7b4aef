// What the SQLite inventory's two files share: inventory.cpp (devices, credentials, DPP,
// attestation) and campaigns_sqlite.cpp (application status and update campaigns). Private to
// src/store: everything else sees store/inventory.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/campaigns.h"
#include "store/records.h"
#include "store/sqlite.h"

namespace gh::store::inventory_sqlite {

// A device's attestation results, newest first; limit -1: all. The caller holds the connection.
Result<std::vector<AttestationRecord>> select_attestations(Database& db, const std::string& serial,
                                                           int64_t limit);

// Inventory::record_app_status, set_app_version and campaign_write of the SQLite inventory, each
// one write of group on db.
Status record_app_status(GroupCommit& group, Database& db, const std::string& serial,
                         const std::string& path, const std::string& version, const Event& event);
Status set_app_version(GroupCommit& group, Database& db, const std::string& serial,
                       const std::string& version, const Event& event);
Status campaign_write(GroupCommit& group, Database& db,
                      const std::function<Status(CampaignTx&)>& fn);

}  // namespace gh::store::inventory_sqlite
