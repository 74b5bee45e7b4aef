// The manufacturer's record of every device it made. Serials are handed out from a counter that
// only grows, in a committed transaction before any key is made, so a serial is never reused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/records.h"

namespace gh::store {

class FactoryRegistry {
 public:
  virtual ~FactoryRegistry() = default;
  // Takes the next count serials "<prefix><number>" and records them as "reserved".
  virtual Result<std::vector<std::string>> reserve(const std::string& prefix,
                                                   const std::string& model,
                                                   const std::string& image_root,
                                                   const std::string& keystore, int count) = 0;
  // Completes reserved devices (one transaction for the batch), with an event per device.
  virtual Status record_made(const std::vector<ManufacturedDevice>& devices) = 0;
  virtual Status scrap(const std::string& serial, const std::string& reason) = 0;
  virtual Result<std::optional<ManufacturedDevice>> get(const std::string& serial) = 0;
  virtual Result<std::vector<ManufacturedDevice>> list(const std::string& state = "") = 0;
  // Replaces declarations (one transaction); each version must be above the stored one.
  virtual Status update_declarations(const std::vector<ManufacturedDevice>& devices,
                                     const Event& event) = 0;
  virtual Status set_model_mud(const std::string& model, const std::string& mud_url) = 0;
  virtual Result<std::optional<std::string>> model_mud(const std::string& model) = 0;
  virtual Status log_voucher(const VoucherLogEntry& entry) = 0;
  virtual Result<std::vector<VoucherLogEntry>> voucher_log(const std::string& serial) = 0;
  virtual Status append(const Event& event) = 0;
  virtual Result<std::vector<Event>> events(const std::string& serial = "") = 0;
};

Result<std::unique_ptr<FactoryRegistry>> open_sqlite_factory_registry(const std::string& path);

}  // namespace gh::store
