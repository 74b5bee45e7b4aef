#include "codec/ear.h"

#include <algorithm>

#include "crypto/jws.h"

namespace gh::codec::ear {

const char* tier_name(Tier t) {
  switch (t) {
    case Tier::kNone:
      return "none";
    case Tier::kAffirming:
      return "affirming";
    case Tier::kWarning:
      return "warning";
    case Tier::kContraindicated:
      return "contraindicated";
  }
  return "none";
}

std::optional<Tier> parse_tier(std::string_view name) {
  for (Tier t : {Tier::kNone, Tier::kAffirming, Tier::kWarning, Tier::kContraindicated})
    if (name == tier_name(t)) return t;
  return std::nullopt;
}

Tier tier_of(int v) {
  if (v >= -1 && v <= 1) return Tier::kNone;
  if ((v >= 2 && v <= 31) || (v >= -32 && v <= -2)) return Tier::kAffirming;
  if ((v >= 32 && v <= 95) || (v >= -96 && v <= -33)) return Tier::kWarning;
  return Tier::kContraindicated;
}

namespace {

// Member name, then the field: the order AR4SI lists them.
constexpr std::pair<const char*, int TrustVector::*> kComponents[] = {
    {"instance-identity", &TrustVector::instance_identity},
    {"configuration", &TrustVector::configuration},
    {"executables", &TrustVector::executables},
    {"file-system", &TrustVector::file_system},
    {"hardware", &TrustVector::hardware},
    {"runtime-opaque", &TrustVector::runtime_opaque},
    {"storage-opaque", &TrustVector::storage_opaque},
    {"sourced-data", &TrustVector::sourced_data},
};

int rank(Tier t) {
  return static_cast<int>(t);  // none < affirming < warning < contraindicated
}

}  // namespace

Tier TrustVector::status() const {
  Tier worst = Tier::kNone;
  for (const auto& [name, field] : kComponents) {
    Tier t = tier_of(this->*field);
    if (rank(t) > rank(worst)) worst = t;
  }
  return worst;
}

Json TrustVector::to_json() const {
  Json j = Json::object();
  for (const auto& [name, field] : kComponents)
    if (this->*field != 0) j[name] = this->*field;
  return j;
}

TrustVector TrustVector::from_json(const Json& j) {
  TrustVector v;
  if (!j.is_object()) return v;
  for (const auto& [name, field] : kComponents) {
    auto it = j.find(name);
    if (it != j.end() && it->is_number_integer()) {
      auto n = it->get<int64_t>();
      v.*field = static_cast<int>(std::clamp<int64_t>(n, -128, 127));
    }
  }
  return v;
}

Json Result::to_json() const {
  Json sub{{"ear.status", tier_name(status)},
           {"ear.trustworthiness-vector", vector.to_json()},
           {"ear.appraisal-policy-id", policy_id}};
  if (!serial.empty()) sub["ear.gatehouse.serial"] = serial;
  if (!check.empty()) sub["ear.gatehouse.check"] = check;
  if (!reason.empty()) sub["ear.gatehouse.reason"] = reason;
  Json j{{"eat_profile", kProfile},
         {"iat", iat},
         {"ear.verifier-id", {{"build", verifier_build}, {"developer", verifier_developer}}},
         {"submods", {{submod, sub}}}};
  if (!nonce.empty()) j["eat_nonce"] = base64url_encode(nonce);
  return j;
}

gh::Result<std::string> sign(const Result& r, const crypto::PrivateKey& key) {
  return crypto::jws_sign_compact(Json{{"typ", "JWT"}}, to_bytes(r.to_json().dump()), key);
}

gh::Result<Result> verify(std::string_view jwt, const crypto::PublicKey& key) {
  auto parsed = TRY_CTX(crypto::jws_verify_compact(jwt, key), "ear");
  auto j = TRY_CTX(parse_json(to_string(parsed.payload), "ear"), "ear");
  std::string profile = json_string_or(j, "eat_profile", "");
  if (profile != kProfile && profile != "tag:ietf.org,2026:rats/ear#03")
    return make_error("ear.profile", "ear: eat_profile is not " + std::string(kProfile));
  auto subs = j.find("submods");
  if (subs == j.end() || !subs->is_object() || subs->empty())
    return make_error("ear.submods", "ear: no submodule");
  Result r;
  if (auto iat = j.find("iat"); iat != j.end() && iat->is_number_integer())
    r.iat = iat->get<int64_t>();
  r.submod = subs->begin().key();
  const Json& s = subs->begin().value();
  if (!s.is_object()) return make_error("ear.submods", "ear: a submodule is not an object");
  // draft-ietf-rats-ear-03 renamed the claims (ear_status, ...); Veraison and the earlier drafts
  // write ear.status. We write the latter and read both.
  auto claim = [&](const char* dotted, const char* underscored) -> const Json* {
    for (const char* name : {dotted, underscored})
      if (auto it = s.find(name); it != s.end()) return &*it;
    return nullptr;
  };
  const Json* status = claim("ear.status", "ear_status");
  auto tier = parse_tier(status && status->is_string() ? status->get<std::string>() : "");
  if (!tier) return make_error("ear.status", "ear: no valid ear.status");
  r.status = *tier;
  if (const Json* tv = claim("ear.trustworthiness-vector", "ear_trustworthiness_vector"))
    r.vector = TrustVector::from_json(*tv);
  if (const Json* p = claim("ear.appraisal-policy-id", "ear_appraisal_policy_ids")) {
    if (p->is_string()) r.policy_id = p->get<std::string>();
    if (p->is_array() && !p->empty() && (*p)[0].is_string())
      r.policy_id = (*p)[0].get<std::string>();
  }
  r.serial = json_string_or(s, "ear.gatehouse.serial", "");
  r.check = json_string_or(s, "ear.gatehouse.check", "");
  r.reason = json_string_or(s, "ear.gatehouse.reason", "");
  auto vid = j.find("ear.verifier-id");
  if (vid == j.end()) vid = j.find("ear_verifier_id");
  if (vid != j.end() && vid->is_object()) {
    r.verifier_build = json_string_or(*vid, "build", "");
    r.verifier_developer = json_string_or(*vid, "developer", "");
  }
  if (auto n = base64url_decode(json_string_or(j, "eat_nonce", ""))) r.nonce = *n;
  return r;
}

}  // namespace gh::codec::ear
