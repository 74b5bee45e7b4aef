#include "codec/cose.h"

namespace gh::codec::cose {

int64_t alg_for(crypto::Curve curve) {
  switch (curve) {
    case crypto::Curve::kP256:
      return kAlgEs256;
    case crypto::Curve::kP384:
      return kAlgEs384;
    case crypto::Curve::kP521:
      return kAlgEs512;
  }
  return kAlgEs256;
}

Bytes sig_structure(const Bytes& protected_bytes, const Bytes& payload, const Bytes& external_aad) {
  return cbor_encode(Cbor::array({Cbor::text("Signature1"), Cbor::bytes(protected_bytes),
                                  Cbor::bytes(external_aad), Cbor::bytes(payload)}));
}

Result<Bytes> sign1(Cbor protected_header, Cbor unprotected, const Bytes& payload,
                    const crypto::PrivateKey& key, const std::vector<uint64_t>& tags) {
  auto curve = TRY(key.curve());
  return sign1(
      std::move(protected_header), std::move(unprotected), payload,
      [&](const Bytes& tbs) { return key.sign_raw(tbs); }, curve, tags);
}

Result<Bytes> sign1(Cbor protected_header, Cbor unprotected, const Bytes& payload,
                    const RawSigner& signer, crypto::Curve curve,
                    const std::vector<uint64_t>& tags) {
  Cbor header = Cbor::map();
  header.set(kHeaderAlg, Cbor::integer(alg_for(curve)));
  for (const auto& [k, v] : protected_header.entries())
    if (!(k.is_int() && k.as_int() == kHeaderAlg)) header.set(k, v);
  Bytes protected_bytes = cbor_encode(header);
  Bytes sig = TRY(signer(sig_structure(protected_bytes, payload)));
  Cbor out = Cbor::array({Cbor::bytes(std::move(protected_bytes)), std::move(unprotected),
                          Cbor::bytes(payload), Cbor::bytes(std::move(sig))});
  for (auto it = tags.rbegin(); it != tags.rend(); ++it) out = Cbor::tag(*it, std::move(out));
  return cbor_encode(out);
}

Result<Sign1> parse_sign1(const Cbor& item, const std::string& what) {
  auto bad = [&](const std::string& why) { return make_error(what + ".cose", what + ": " + why); };
  Sign1 s;
  const Cbor* at = &item;
  while (at->is(Cbor::Type::kTag)) {
    // RFC 9052 2: COSE_Sign1 is tag 18; a CWT (RFC 8392) may add tag 61 outside it.
    if (at->tag_number() != kTagSign1 && at->tag_number() != kTagCwt)
      return bad("tag " + std::to_string(at->tag_number()) + " is not COSE_Sign1 or CWT");
    if (s.tags.size() >= 2) return bad("more than two tags");
    s.tags.push_back(at->tag_number());
    at = &at->tag_content();
  }
  if (!s.tags.empty() && s.tags.back() != kTagSign1) return bad("a CWT tag without COSE_Sign1");
  if (!at->is(Cbor::Type::kArray) || at->items().size() != 4)
    return bad("not a COSE_Sign1 array of four");
  const auto& a = at->items();
  if (!a[0].is(Cbor::Type::kBytes)) return bad("protected header is not a byte string");
  if (!a[1].is(Cbor::Type::kMap)) return bad("unprotected header is not a map");
  if (!a[2].is(Cbor::Type::kBytes) && !a[2].is(Cbor::Type::kNull))
    return bad("payload is neither a byte string nor nil");
  if (!a[3].is(Cbor::Type::kBytes)) return bad("signature is not a byte string");
  s.protected_bytes = a[0].as_bytes();
  // RFC 9052 3: a zero-length protected header stands for an empty map.
  if (s.protected_bytes.empty()) {
    s.protected_header = Cbor::map();
  } else {
    s.protected_header = TRY(cbor_decode(s.protected_bytes, what + ".protected", {4096, 4, 64}));
    if (!s.protected_header.is(Cbor::Type::kMap)) return bad("protected header is not a map");
  }
  s.unprotected = a[1];
  if (a[2].is(Cbor::Type::kBytes)) s.payload = a[2].as_bytes();
  s.signature = a[3].as_bytes();
  return s;
}

Result<Sign1> parse_sign1(const Bytes& data, const std::string& what, const CborLimits& limits) {
  auto item = TRY(cbor_decode(data, what, limits));
  return parse_sign1(item, what);
}

Status verify_sign1(const Sign1& s, const crypto::PublicKey& key, const std::string& what) {
  const Cbor* alg = s.protected_header.find(kHeaderAlg);
  if (alg == nullptr) return make_error(what + ".alg", what + ": no protected alg");
  auto curve = TRY(key.curve());
  if (!alg->is_int() || alg->as_int() != alg_for(curve))
    return make_error(what + ".alg", what + ": alg " + alg->diag() + " does not match a " +
                                         crypto::curve_name(curve) + " key");
  if (!key.verify_raw(sig_structure(s.protected_bytes, s.payload), s.signature))
    return make_error(what + ".signature", what + ": the signature does not verify");
  return ok_status();
}

Cbor x5chain(const std::vector<crypto::Certificate>& chain) {
  if (chain.size() == 1) return Cbor::bytes(chain[0].der());
  Cbor a = Cbor::array();
  for (const auto& c : chain) a.push(Cbor::bytes(c.der()));
  return a;
}

Result<std::vector<crypto::Certificate>> x5chain_certs(const Cbor& header,
                                                       const std::string& what) {
  const Cbor* x5 = header.find(kHeaderX5Chain);
  if (x5 == nullptr) return make_error(what + ".x5chain", what + ": no x5chain header");
  std::vector<Cbor> items;
  if (x5->is(Cbor::Type::kBytes)) items.push_back(*x5);
  if (x5->is(Cbor::Type::kArray)) items = x5->items();
  if (items.empty() || items.size() > 8)
    return make_error(what + ".x5chain", what + ": x5chain holds no certificates or too many");
  std::vector<crypto::Certificate> out;
  for (const auto& i : items) {
    if (!i.is(Cbor::Type::kBytes))
      return make_error(what + ".x5chain", what + ": x5chain holds a non-certificate");
    out.push_back(TRY_CTX(crypto::Certificate::from_der(i.as_bytes()), what + ": x5chain"));
  }
  return out;
}

}  // namespace gh::codec::cose
