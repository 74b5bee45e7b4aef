#include "codec/eat.h"

#include "codec/cose.h"
#include "common/utf8.h"

namespace gh::codec::eat {

namespace {

Bytes as_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

Error bad_claim(const std::string& name, const std::string& why) {
  return make_error("eat.claim", "eat: " + name + ": " + why);
}

// measured-component: {1: [name, ? [version]], 2: [alg, digest]}.
constexpr int64_t kMcId = 1, kMcDigest = 2;
// The TPM quote claim's members.
constexpr int64_t kTpmAttest = 1, kTpmSignature = 2, kTpmPcr = 3, kTpmLog = 4;
constexpr size_t kMaxTpmEvents = 256;

Result<TpmEvidence> read_tpm(const Cbor& v) {
  if (!v.is(Cbor::Type::kMap)) return bad_claim("tpm-quote", "not a map");
  const Cbor* attest = v.find(kTpmAttest);
  const Cbor* sig = v.find(kTpmSignature);
  const Cbor* pcr = v.find(kTpmPcr);
  const Cbor* log = v.find(kTpmLog);
  if (attest == nullptr || !attest->is(Cbor::Type::kBytes) || sig == nullptr ||
      !sig->is(Cbor::Type::kBytes))
    return bad_claim("tpm-quote", "no quote and signature");
  if (pcr == nullptr || !pcr->as_int() || *pcr->as_int() < 0 || *pcr->as_int() > 23)
    return bad_claim("tpm-quote", "no PCR 0 to 23");
  if (log == nullptr || !log->is(Cbor::Type::kArray) || log->items().size() > kMaxTpmEvents)
    return bad_claim("tpm-quote", "no event log of at most 256 events");
  TpmEvidence t{attest->as_bytes(), sig->as_bytes(), static_cast<int>(*pcr->as_int()), {}};
  for (const auto& e : log->items()) {
    if (!e.is(Cbor::Type::kArray) || e.items().size() != 2 || !e.items()[0].is(Cbor::Type::kText) ||
        !e.items()[1].is(Cbor::Type::kBytes) || e.items()[1].as_bytes().size() != 32)
      return bad_claim("tpm-quote", "an event is not [component, sha-256]");
    t.log.push_back({e.items()[0].as_text(), e.items()[1].as_bytes()});
  }
  return t;
}

Cbor measured_component(const corim::ComponentDigest& m, const std::string& version) {
  Cbor id = Cbor::array({Cbor::text(m.component)});
  if (!version.empty()) id.push(Cbor::array({Cbor::text(version)}));
  Cbor mc = Cbor::map();
  mc.set(kMcId, std::move(id));
  mc.set(kMcDigest, Cbor::array({Cbor::integer(corim::kHashSha256), Cbor::bytes(m.sha256)}));
  return mc;
}

Status read_measured_component(const Bytes& data, Claims& out) {
  auto mc = TRY(cbor_decode(data, "eat.measurement", kTokenLimits));
  const Cbor* id = mc.find(kMcId);
  const Cbor* digest = mc.find(kMcDigest);
  if (id == nullptr || !id->is(Cbor::Type::kArray) || id->items().empty() ||
      !id->items()[0].is(Cbor::Type::kText) || id->items()[0].as_text().empty())
    return bad_claim("measurements", "a component without a name");
  std::string name = id->items()[0].as_text();
  std::string version;
  if (id->items().size() > 1 && id->items()[1].is(Cbor::Type::kArray) &&
      !id->items()[1].items().empty() && id->items()[1].items()[0].is(Cbor::Type::kText))
    version = id->items()[1].items()[0].as_text();
  if (digest == nullptr || !digest->is(Cbor::Type::kArray) || digest->items().size() != 2)
    return bad_claim("measurements", name + ": no digested-measurement");
  const Cbor& alg = digest->items()[0];
  const Cbor& val = digest->items()[1];
  bool sha256 = (alg.is_int() && alg.as_int() == corim::kHashSha256) ||
                (alg.is(Cbor::Type::kText) && alg.as_text() == "sha-256");
  if (!sha256 || !val.is(Cbor::Type::kBytes) || val.as_bytes().size() != 32)
    return bad_claim("measurements", name + ": not a sha-256 digest");
  for (const auto& m : out.measurements)
    if (m.component == name) return bad_claim("measurements", name + " measured twice");
  out.measurements.push_back({name, val.as_bytes()});
  out.measurement_versions.push_back(version);
  return ok_status();
}

// A text claim some writers send as bytes (RFC 9711's hwmodel is a bstr): read as text only when
// it is UTF-8, since it goes into messages and JSON.
Result<std::string> text_or_bytes(const Cbor& v, const std::string& name) {
  if (v.is(Cbor::Type::kText)) return v.as_text();
  if (v.is(Cbor::Type::kBytes)) {
    std::string s = to_string(v.as_bytes());
    if (!valid_utf8(s) || s.size() > 256) return bad_claim(name, "not 1-256 bytes of UTF-8");
    return s;
  }
  return bad_claim(name, "neither text nor bytes");
}

}  // namespace

Cbor Claims::to_cbor() const {
  Cbor c = Cbor::map();
  if (!profile.empty()) c.set(kProfile, Cbor::text(profile));
  c.set(kIat, Cbor::integer(iat));
  c.set(kNonce, Cbor::bytes(nonce));
  c.set(kUeid, Cbor::bytes(ueid));
  if (!oemid.empty()) c.set(kOemid, Cbor::bytes(oemid));
  if (!hwmodel.empty()) c.set(kHwmodel, Cbor::bytes(as_bytes(hwmodel)));
  if (oemboot) c.set(kOemboot, Cbor::boolean(*oemboot));
  if (dbgstat) c.set(kDbgstat, Cbor::integer(*dbgstat));
  if (!swname.empty()) c.set(kSwname, Cbor::text(swname));
  // RFC 9711 4.2.7: swversion = [version, ? version-scheme].
  if (!swversion.empty()) c.set(kSwversion, Cbor::array({Cbor::text(swversion)}));
  if (!measurements.empty()) {
    Cbor list = Cbor::array();
    for (size_t i = 0; i < measurements.size(); ++i) {
      std::string v = i < measurement_versions.size() ? measurement_versions[i] : "";
      list.push(Cbor::array({Cbor::integer(kMeasuredComponentFormat),
                             Cbor::bytes(cbor_encode(measured_component(measurements[i], v)))}));
    }
    c.set(kMeasurements, std::move(list));
  }
  if (tpm) {
    Cbor log = Cbor::array();
    for (const auto& e : tpm->log)
      log.push(Cbor::array({Cbor::text(e.component), Cbor::bytes(e.sha256)}));
    Cbor q = Cbor::map();
    q.set(kTpmAttest, Cbor::bytes(tpm->attest));
    q.set(kTpmSignature, Cbor::bytes(tpm->signature));
    q.set(kTpmPcr, Cbor::integer(tpm->pcr));
    q.set(kTpmLog, std::move(log));
    c.set(kTpmQuote, std::move(q));
  }
  return c;
}

Result<Bytes> sign(const Claims& claims, const crypto::PrivateKey& attestation_key) {
  return cose::sign1(Cbor::map(), Cbor::map(), cbor_encode(claims.to_cbor()), attestation_key,
                     {cose::kTagCwt, cose::kTagSign1});
}

Result<Bytes> sign(const Claims& claims, const cose::RawSigner& signer) {
  return cose::sign1(Cbor::map(), Cbor::map(), cbor_encode(claims.to_cbor()), signer,
                     crypto::Curve::kP256, {cose::kTagCwt, cose::kTagSign1});
}

Result<Claims> read_claims(const Bytes& payload) {
  auto m = TRY(cbor_decode(payload, "eat", kTokenLimits));
  if (!m.is(Cbor::Type::kMap)) return make_error("eat.cbor", "eat: the claims set is not a map");
  Claims c;
  for (const auto& [k, v] : m.entries()) {
    auto key = k.as_int();
    if (!key) continue;  // text-keyed (private) claims are not ours to judge
    switch (*key) {
      case kIat:
        if (!v.as_int()) return bad_claim("iat", "not an integer");
        c.iat = *v.as_int();
        break;
      case kNonce:
        // RFC 9711 4.1: bstr .size (8..64); an array of them is allowed, we issue one.
        if (!v.is(Cbor::Type::kBytes) || v.as_bytes().size() < 8 || v.as_bytes().size() > 64)
          return bad_claim("eat_nonce", "not a byte string of 8 to 64 bytes");
        c.nonce = v.as_bytes();
        break;
      case kUeid:
        if (!v.is(Cbor::Type::kBytes) || v.as_bytes().size() < 7 || v.as_bytes().size() > 33)
          return bad_claim("ueid", "not a byte string of 7 to 33 bytes");
        c.ueid = v.as_bytes();
        break;
      case kOemid:
        if (v.is(Cbor::Type::kBytes)) {
          c.oemid = v.as_bytes();
        } else if (v.as_int() && *v.as_int() >= 0) {  // an IANA Private Enterprise Number
          c.oemid = to_bytes(std::to_string(*v.as_int()));
        } else {
          return bad_claim("oemid", "neither bytes nor a PEN");
        }
        break;
      case kHwmodel:
        c.hwmodel = TRY(text_or_bytes(v, "hwmodel"));
        break;
      case kOemboot:
        if (!v.is(Cbor::Type::kBool)) return bad_claim("oemboot", "not a boolean");
        c.oemboot = v.as_bool();
        break;
      case kDbgstat:
        if (!v.as_int() || *v.as_int() < 0 || *v.as_int() > 4)
          return bad_claim("dbgstat", "not 0 to 4");
        c.dbgstat = static_cast<int>(*v.as_int());
        break;
      case kProfile:
        if (!v.is(Cbor::Type::kText)) return bad_claim("eat_profile", "not a URI");
        c.profile = v.as_text();
        break;
      case kSwname:
        if (!v.is(Cbor::Type::kText)) return bad_claim("swname", "not text");
        c.swname = v.as_text();
        break;
      case kSwversion:
        if (v.is(Cbor::Type::kArray) && !v.items().empty() && v.items()[0].is(Cbor::Type::kText))
          c.swversion = v.items()[0].as_text();
        else if (v.is(Cbor::Type::kText))  // an older draft's plain string, read leniently
          c.swversion = v.as_text();
        else
          return bad_claim("swversion", "not [version, ? scheme]");
        break;
      case kMeasurements:
        if (!v.is(Cbor::Type::kArray)) return bad_claim("measurements", "not an array");
        for (const auto& f : v.items()) {
          if (!f.is(Cbor::Type::kArray) || f.items().size() != 2 ||
              !f.items()[1].is(Cbor::Type::kBytes))
            return bad_claim("measurements", "an entry is not [content-format, bytes]");
          if (f.items()[0].as_int() != kMeasuredComponentFormat)
            continue;  // a format we don't read
          TRY(read_measured_component(f.items()[1].as_bytes(), c));
        }
        break;
      case kTpmQuote:
        c.tpm = TRY(read_tpm(v));
        break;
      default:
        break;
    }
  }
  if (c.nonce.empty()) return bad_claim("eat_nonce", "missing");
  if (c.ueid.empty()) return bad_claim("ueid", "missing");
  return c;
}

}  // namespace gh::codec::eat
