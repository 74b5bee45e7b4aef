// The device's side of attestation (the RATS attester): measure the firmware as a measured boot
// would and sign an EAT with the attestation key made on the device at manufacture.
#pragma once

#include <string>

#include "codec/eat.h"
#include "crypto/keystore.h"
#include "svc/device/device_agent.h"

namespace gh::svc {

// The claims the device makes for a challenge: its UEID, the manufacturer's OEM ID (the first 16
// bytes of the SHA-256 of its root's public key), model, firmware name and release, boot and debug
// state, and each component's digest.
Result<codec::eat::Claims> device_claims(const std::string& devdir, const Bytes& nonce);
// device_claims, signed as a CWT (ES256) with the attestation key: the keystore's, or for a TPM
// device the TPM's restricted key, with the TPM's quote of the measured boot over the same nonce
// (the device opened here, or the one the caller already holds: a TPM is opened once).
Result<Bytes> make_evidence(const std::string& devdir, const Bytes& nonce);
Result<Bytes> make_evidence(OpenedDevice& device, const Bytes& nonce);

}  // namespace gh::svc
