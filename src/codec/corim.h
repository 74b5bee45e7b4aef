// Reference values as a CoRIM (draft-ietf-rats-corim): the manufacturer signs, for one model and
// firmware release, a CoMID whose reference-value triples pair the model's environment with a
// digest for each measured component. The same environment and measurement shapes carry the
// device's own measurements in its EAT (TCG concise evidence, see codec/eat.h), so the verifier
// compares like with like.
#pragma once

#include <string>
#include <vector>

#include "codec/cbor.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace gh::codec::corim {

// COSE content type of a signed CoRIM's payload (draft-ietf-rats-corim, signed-corim).
inline constexpr const char* kContentType = "application/rim+cbor";
inline constexpr uint64_t kTagUnsignedCorim = 501;
inline constexpr uint64_t kTagComid = 506;
inline constexpr int64_t kHashSha256 = 1;  // named-information hash algorithm registry

struct ComponentDigest {
  std::string component;  // the measurement key: "boot", "os", "app", ...
  Bytes sha256;
  bool operator==(const ComponentDigest&) const = default;
};

// environment-map { class: class-map { vendor, model } } and measurement-map
// { mkey: component, mval: { version?, digests: [[sha-256, digest]] } }.
Cbor environment_map(const std::string& vendor, const std::string& model);
Cbor measurement_map(const ComponentDigest& m, const std::string& version = "");
struct Environment {
  std::string vendor;
  std::string model;
};
Result<Environment> read_environment(const Cbor& env, const std::string& what);
// A measurement-map with a text mkey and a sha-256 digest; "<what>.measurement" otherwise.
Result<ComponentDigest> read_measurement(const Cbor& m, const std::string& what);

struct ReferenceValues {
  std::string id;  // the CoRIM's id, e.g. "acme/th-100/1.0.0"
  std::string vendor;
  std::string model;
  std::string version;  // the firmware release
  std::vector<ComponentDigest> components;
};

// Signs reference values as a CoRIM: COSE_Sign1 whose payload is a tagged unsigned CoRIM holding
// one CoMID; the signer's chain travels in x5chain.
Result<Bytes> sign_corim(const ReferenceValues& rv, const crypto::PrivateKey& key,
                         const std::vector<crypto::Certificate>& chain);

struct VerifiedCorim {
  std::vector<ReferenceValues> releases;  // one per CoMID with reference triples
  crypto::Certificate signer;
};
// Verifies the signature (the x5chain leaf's key) and the chain to one of anchors, then reads the
// reference-value triples. Unknown map keys are skipped (draft CDDL maps are extensible).
Result<VerifiedCorim> verify_corim(const Bytes& data,
                                   const std::vector<crypto::Certificate>& anchors,
                                   time::Seconds now);
// Reads without verifying (tools, tests, and the decode vectors).
Result<std::vector<ReferenceValues>> read_corim(const Bytes& data);

}  // namespace gh::codec::corim
