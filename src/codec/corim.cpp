// Key numbers from draft-ietf-rats-corim-11's CDDL (cddl/*.cddl in the draft's repository):
//   signed-corim = #6.18(COSE_Sign1), protected {1: alg, 3: "application/rim+cbor",
//                  8: bstr .cbor corim-meta-map {0: signer {0: signer-name}}}
//   payload      = #6.501(corim-map {0: id, 1: [+ #6.506(bstr .cbor concise-mid-tag)]})
//   concise-mid-tag {1: tag-identity {0: tag-id}, 4: triples {0: [+ reference-triple-record]}}
//   reference-triple-record = [environment-map, [+ measurement-map]]
//   environment-map {0: class-map {1: vendor, 2: model}}
//   measurement-map {0: mkey, 1: measurement-values-map {0: version-map {0: version}, 2: digests}}
//   digests = [+ [alg (int / text), bytes]]
#include "codec/corim.h"

#include "codec/cose.h"

namespace gh::codec::corim {

namespace {

constexpr int64_t kCorimId = 0, kCorimTags = 1;
constexpr int64_t kComidTagIdentity = 1, kComidTriples = 4, kTagId = 0;
constexpr int64_t kReferenceTriples = 0;
constexpr int64_t kEnvClass = 0, kClassVendor = 1, kClassModel = 2;
constexpr int64_t kMkey = 0, kMval = 1, kMvalVersion = 0, kMvalDigests = 2, kVersionText = 0;
constexpr int64_t kHeaderCorimMeta = 8, kMetaSigner = 0, kSignerName = 0;

// Upper bounds for one CoRIM: a few releases of a model with tens of components.
const CborLimits kCorimLimits{256 * 1024, 16, 20000};

Error bad(const std::string& what, const std::string& why) {
  return make_error(what + ".corim", what + ": " + why);
}

const Cbor* text_at(const Cbor& map, int64_t key) {
  const Cbor* v = map.find(key);
  return v != nullptr && v->is(Cbor::Type::kText) ? v : nullptr;
}

// How a measurement key reads as a component name: text as it is, a UUID (tag 37) or OID (tag
// 111) as "uuid:<hex>" / "oid:<hex>", and "" for an anonymous measurement (no mkey), as CoRIMs
// from other tools carry them. Ours are text.
Result<std::string> mkey_name(const Cbor* key, const std::string& what) {
  if (key == nullptr) return std::string();
  if (key->is(Cbor::Type::kText)) return key->as_text();
  if (key->is(Cbor::Type::kTag) && key->tag_content().is(Cbor::Type::kBytes)) {
    if (key->tag_number() == 37) return "uuid:" + hex_encode(key->tag_content().as_bytes());
    if (key->tag_number() == 111) return "oid:" + hex_encode(key->tag_content().as_bytes());
  }
  if (key->is_int()) return "mkey:" + key->diag();
  return make_error(what + ".measurement", what + ": measurement: mkey " + key->diag());
}

// A tag-id or CoRIM id: text, or a 16-byte UUID (plain or tag 37) as hex.
std::string id_text(const Cbor* id) {
  if (id == nullptr) return "";
  const Cbor* v = id->is(Cbor::Type::kTag) ? &id->tag_content() : id;
  if (v->is(Cbor::Type::kText)) return v->as_text();
  if (v->is(Cbor::Type::kBytes)) return hex_encode(v->as_bytes());
  return "";
}

}  // namespace

Cbor environment_map(const std::string& vendor, const std::string& model) {
  Cbor cls = Cbor::map();
  cls.set(kClassVendor, Cbor::text(vendor));
  cls.set(kClassModel, Cbor::text(model));
  Cbor env = Cbor::map();
  env.set(kEnvClass, std::move(cls));
  return env;
}

Cbor measurement_map(const ComponentDigest& m, const std::string& version) {
  Cbor mval = Cbor::map();
  if (!version.empty()) {
    Cbor v = Cbor::map();
    v.set(kVersionText, Cbor::text(version));
    mval.set(kMvalVersion, std::move(v));
  }
  mval.set(kMvalDigests,
           Cbor::array({Cbor::array({Cbor::integer(kHashSha256), Cbor::bytes(m.sha256)})}));
  Cbor out = Cbor::map();
  out.set(kMkey, Cbor::text(m.component));
  out.set(kMval, std::move(mval));
  return out;
}

Result<Environment> read_environment(const Cbor& env, const std::string& what) {
  const Cbor* cls = env.find(kEnvClass);
  if (cls == nullptr || !cls->is(Cbor::Type::kMap)) return bad(what, "environment without a class");
  Environment out;
  if (const Cbor* v = text_at(*cls, kClassVendor)) out.vendor = v->as_text();
  if (const Cbor* m = text_at(*cls, kClassModel)) out.model = m->as_text();
  if (out.model.empty()) return bad(what, "environment class without a model");
  return out;
}

Result<ComponentDigest> read_measurement(const Cbor& m, const std::string& what) {
  auto refuse = [&](const std::string& why) {
    return make_error(what + ".measurement", what + ": measurement: " + why);
  };
  if (!m.is(Cbor::Type::kMap)) return refuse("not a map");
  std::string name = TRY(mkey_name(m.find(kMkey), what));
  const Cbor* mval = m.find(kMval);
  if (mval == nullptr || !mval->is(Cbor::Type::kMap)) return refuse("no mval");
  const Cbor* digests = mval->find(kMvalDigests);
  if (digests == nullptr || !digests->is(Cbor::Type::kArray)) return refuse("no digests");
  for (const auto& d : digests->items()) {
    if (!d.is(Cbor::Type::kArray) || d.items().size() != 2)
      return refuse("a digest is not [alg, value]");
    const Cbor& alg = d.items()[0];
    bool sha256 = (alg.is_int() && alg.as_int() == kHashSha256) ||
                  (alg.is(Cbor::Type::kText) && alg.as_text() == "sha-256");
    if (sha256 && d.items()[1].is(Cbor::Type::kBytes) && d.items()[1].as_bytes().size() == 32)
      return ComponentDigest{name, d.items()[1].as_bytes()};
  }
  return refuse("no sha-256 digest for " + (name.empty() ? "the anonymous measurement" : name));
}

Result<Bytes> sign_corim(const ReferenceValues& rv, const crypto::PrivateKey& key,
                         const std::vector<crypto::Certificate>& chain) {
  Cbor claims = Cbor::array();
  for (const auto& c : rv.components) claims.push(measurement_map(c, rv.version));
  Cbor triple = Cbor::array({environment_map(rv.vendor, rv.model), std::move(claims)});
  Cbor triples = Cbor::map();
  triples.set(kReferenceTriples, Cbor::array({std::move(triple)}));
  Cbor identity = Cbor::map();
  identity.set(kTagId, Cbor::text(rv.id));
  Cbor comid = Cbor::map();
  comid.set(kComidTagIdentity, std::move(identity));
  comid.set(kComidTriples, std::move(triples));
  Cbor corim = Cbor::map();
  corim.set(kCorimId, Cbor::text(rv.id));
  corim.set(kCorimTags, Cbor::array({Cbor::tag(kTagComid, Cbor::bytes(cbor_encode(comid)))}));
  Bytes payload = cbor_encode(Cbor::tag(kTagUnsignedCorim, std::move(corim)));

  Cbor signer = Cbor::map();
  signer.set(kSignerName, Cbor::text(rv.vendor));
  Cbor meta = Cbor::map();
  meta.set(kMetaSigner, std::move(signer));
  Cbor header = Cbor::map();
  header.set(cose::kHeaderContentType, Cbor::text(kContentType));
  header.set(kHeaderCorimMeta, Cbor::bytes(cbor_encode(meta)));
  Cbor unprotected = Cbor::map();
  unprotected.set(cose::kHeaderX5Chain, cose::x5chain(chain));
  return cose::sign1(std::move(header), std::move(unprotected), payload, key);
}

namespace {

Status read_comid(const Bytes& data, std::vector<ReferenceValues>& out) {
  const std::string what = "corim.comid";
  auto comid = TRY(cbor_decode(data, what, kCorimLimits));
  if (!comid.is(Cbor::Type::kMap)) return bad(what, "not a map");
  std::string tag_id;
  if (const Cbor* ti = comid.find(kComidTagIdentity)) tag_id = id_text(ti->find(kTagId));
  const Cbor* triples = comid.find(kComidTriples);
  if (triples == nullptr || !triples->is(Cbor::Type::kMap)) return bad(what, "no triples");
  const Cbor* refs = triples->find(kReferenceTriples);
  if (refs == nullptr) return ok_status();  // endorsements only: nothing for us
  if (!refs->is(Cbor::Type::kArray)) return bad(what, "reference-triples is not an array");
  for (const auto& t : refs->items()) {
    if (!t.is(Cbor::Type::kArray) || t.items().size() != 2 || !t.items()[1].is(Cbor::Type::kArray))
      return bad(what, "a reference triple is not [environment, [measurements]]");
    auto env = TRY(read_environment(t.items()[0], what));
    ReferenceValues rv{tag_id, env.vendor, env.model, "", {}};
    for (const auto& m : t.items()[1].items()) {
      rv.components.push_back(TRY(read_measurement(m, what)));
      if (const Cbor* mval = m.find(kMval))
        if (const Cbor* v = mval->find(kMvalVersion))
          if (const Cbor* text = text_at(*v, kVersionText)) rv.version = text->as_text();
    }
    out.push_back(std::move(rv));
  }
  return ok_status();
}

Result<std::vector<ReferenceValues>> read_payload(const Bytes& payload) {
  auto item = TRY(cbor_decode(payload, "corim", kCorimLimits));
  if (item.is(Cbor::Type::kTag)) {
    if (item.tag_number() != kTagUnsignedCorim)
      return bad("corim", "tag " + std::to_string(item.tag_number()) + " is not a CoRIM");
    item = Cbor(item.tag_content());
  }
  if (!item.is(Cbor::Type::kMap)) return bad("corim", "not a corim-map");
  const Cbor* tags = item.find(kCorimTags);
  if (tags == nullptr || !tags->is(Cbor::Type::kArray)) return bad("corim", "no tags");
  std::vector<ReferenceValues> out;
  for (const auto& t : tags->items()) {
    // Only CoMIDs carry reference values; CoSWID (505) and CoTL (508) tags are skipped.
    if (!t.is(Cbor::Type::kTag) || t.tag_number() != kTagComid) continue;
    if (!t.tag_content().is(Cbor::Type::kBytes)) return bad("corim", "a CoMID is not a bstr");
    TRY(read_comid(t.tag_content().as_bytes(), out));
  }
  return out;
}

}  // namespace

Result<std::vector<ReferenceValues>> read_corim(const Bytes& data) {
  auto item = TRY(cbor_decode(data, "corim", kCorimLimits));
  if (item.is(Cbor::Type::kTag) && item.tag_number() == kTagUnsignedCorim)
    return read_payload(data);
  auto s = TRY(cose::parse_sign1(item, "corim"));
  return read_payload(s.payload);
}

Result<VerifiedCorim> verify_corim(const Bytes& data,
                                   const std::vector<crypto::Certificate>& anchors,
                                   time::Seconds now) {
  auto s = TRY(cose::parse_sign1(data, "corim", kCorimLimits));
  const Cbor* ct = s.protected_header.find(cose::kHeaderContentType);
  if (ct == nullptr || !ct->is(Cbor::Type::kText) || ct->as_text() != kContentType)
    return make_error("corim.content-type",
                      "corim: protected content-type is not " + std::string(kContentType));
  auto chain = TRY(cose::x5chain_certs(s.unprotected, "corim"));
  std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
  crypto::VerifyOptions opts;
  opts.at = now;
  auto st = crypto::verify_chain(chain[0], untrusted, anchors, opts);
  if (!st) return make_error("corim.signer", "corim: signer not trusted: " + st.error().message);
  // A signer, not a device: a device's IDevID or attestation-key certificate (they carry its
  // serialNumber) chains to the same root but must not speak for the manufacturer's releases.
  if (chain[0].is_ca() || chain[0].serial_number_attr())
    return make_error("corim.signer",
                      "corim: signed by " + chain[0].subject() + ", not a manufacturer's signer");
  TRY(cose::verify_sign1(s, chain[0].public_key(), "corim"));
  auto releases = TRY(read_payload(s.payload));
  return VerifiedCorim{std::move(releases), chain[0]};
}

}  // namespace gh::codec::corim
