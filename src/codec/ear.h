// Attestation results as EAR (draft-ietf-rats-ear): a JWT carrying the AR4SI trustworthiness
// vector and tier per appraised submodule, signed by the verifier (ES256), readable by any JWT
// library and by Veraison's `arc`.
#pragma once

#include <optional>
#include <string>

#include "common/json.h"
#include "crypto/key.h"

namespace gh::codec::ear {

inline constexpr const char* kProfile = "tag:github.com,2023:veraison/ear";

// AR4SI tiers (draft-ietf-rats-ar4si 2.3.x).
enum class Tier { kNone, kAffirming, kWarning, kContraindicated };
const char* tier_name(Tier t);  // "none", "affirming", "warning", "contraindicated"
std::optional<Tier> parse_tier(std::string_view name);
// The tier of one trustworthiness claim value: [-1,1] none, [2,31] and [-32,-2] affirming,
// [32,95] and [-96,-33] warning, the rest contraindicated. 0 is "no claim".
Tier tier_of(int value);

// The AR4SI trustworthiness vector; 0 is "no claim" and is left out of the JSON.
struct TrustVector {
  int instance_identity = 0;
  int configuration = 0;
  int executables = 0;
  int file_system = 0;
  int hardware = 0;
  int runtime_opaque = 0;
  int storage_opaque = 0;
  int sourced_data = 0;
  // The worst tier among the claims made (none when no claim is made).
  Tier status() const;
  Json to_json() const;
  static TrustVector from_json(const Json& j);
};

struct Result {
  int64_t iat = 0;
  std::string submod = "device";
  Tier status = Tier::kNone;
  TrustVector vector;
  std::string policy_id;
  Bytes nonce;
  std::string verifier_build;      // "gatehouse 0.1.0"
  std::string verifier_developer;  // "https://gatehouse.example"
  // Gatehouse's extension claims: the serial, the check that decided and why.
  std::string serial;
  std::string check;
  std::string reason;

  Json to_json() const;
};

// Signs the result as a compact JWT (typ "JWT", alg from the key).
gh::Result<std::string> sign(const Result& r, const crypto::PrivateKey& key);
// Verifies a JWT made by sign() and reads it back (the first submodule).
gh::Result<Result> verify(std::string_view jwt, const crypto::PublicKey& key);

}  // namespace gh::codec::ear
