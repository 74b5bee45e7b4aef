// The device's firmware: what the factory installs into the image (firmware/) and what the device
// measures at start, as a measured boot would: each component's SHA-256, in boot order.
//   firmware/release.json  {"model", "version", "swname", "components": [{"name", "file"}]}
//   firmware/<file>        the component's bytes (boot.bin, os.img, app.bin for the demo release)
//   firmware/debug-enabled present: the device runs with debug enabled (dbgstat 0)
// A factory reset keeps firmware/ (it is not onboarding state); an update replaces it.
#pragma once

#include <string>
#include <vector>

#include "codec/corim.h"
#include "common/result.h"

namespace gh::device {

struct FirmwareComponent {
  std::string name;  // the measurement key: "boot", "os", "app"
  std::string file;  // file name under firmware/
};

struct FirmwareManifest {
  std::string model;
  std::string version;
  std::string swname;
  std::vector<FirmwareComponent> components;  // boot order
};

// The largest component the device measures (a demo image is small; an OS image may be large).
inline constexpr size_t kMaxComponentBytes = 256 * 1024 * 1024;

// Writes firmware/ into an image directory: the manifest and each component (files: name, bytes).
Status write_firmware(const std::string& devdir, const FirmwareManifest& manifest,
                      const std::vector<std::string>& contents);
// Reads firmware/release.json ("device.firmware" when absent or malformed).
Result<FirmwareManifest> read_firmware(const std::string& devdir);
// The same from release.json's text (an update's manifest, before it is installed).
Result<FirmwareManifest> parse_firmware_manifest(const std::string& text);

struct Measurements {
  FirmwareManifest manifest;
  std::vector<codec::corim::ComponentDigest> digests;  // one per component, in boot order
  bool debug_enabled = false;
};
// Measures every component (SHA-256 of the file as it is now).
Result<Measurements> measure_firmware(const std::string& devdir);

// "1.10.0" after "1.9.2": numeric parts compared as numbers, others as text.
bool version_less(const std::string& a, const std::string& b);

}  // namespace gh::device
