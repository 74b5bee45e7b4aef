#include "crypto/cms.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <optional>

#include "crypto/ossl.h"

namespace gh::crypto {

namespace {
// One DER element: where its contents start and end, and where the next element starts.
struct Tlv {
  uint8_t tag = 0;
  size_t body = 0, end = 0;
};

// Reads the element at `at` (single-byte tag, definite length); false for anything else (BER
// indefinite lengths, multi-byte tags, a length past `limit`).
bool read_tlv(const Bytes& der, size_t at, size_t limit, Tlv* out) {
  if (at + 2 > limit) return false;
  out->tag = der[at];
  if ((out->tag & 0x1f) == 0x1f) return false;
  size_t len = der[at + 1], pos = at + 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || pos + n > limit) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | der[pos + i];
    pos += n;
  }
  if (len > limit - pos) return false;
  out->body = pos;
  out->end = pos + len;
  return true;
}

Bytes der_length(size_t len) {
  if (len < 0x80) return {static_cast<uint8_t>(len)};
  Bytes digits;
  for (size_t v = len; v; v >>= 8) digits.insert(digits.begin(), static_cast<uint8_t>(v & 0xff));
  Bytes out{static_cast<uint8_t>(0x80 | digits.size())};
  out.insert(out.end(), digits.begin(), digits.end());
  return out;
}

Bytes der_wrap(uint8_t tag, const Bytes& body) {
  Bytes out{tag};
  Bytes len = der_length(body.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A SignedData ContentInfo with its certificate set taken out. OpenSSL 3.0 decodes the public
// key of every certificate it parses through its decoder framework, which costs more than
// verifying a signature; taken out, the certificates go through Certificate::from_der and its
// cache of parsed certificates instead (a registrar's, a CA's or a MASA's certificate arrives
// in every message, a device's in several). The certificate set is not covered by the
// signature, so the message verifies the same without it.
struct SplitSignedData {
  Bytes without_certificates;
  std::vector<Certificate> certificates;
};

// nullopt when the message is not plain DER of that shape: the caller then parses it whole.
std::optional<SplitSignedData> split_signed_data(const Bytes& der) {
  static const Bytes signed_data_oid = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                        0xf7, 0x0d, 0x01, 0x07, 0x02};
  Tlv info, type, wrapper, sd;
  if (!read_tlv(der, 0, der.size(), &info) || info.tag != 0x30 || info.end != der.size() ||
      !read_tlv(der, info.body, info.end, &type) || type.tag != 0x06 ||
      !std::equal(signed_data_oid.begin(), signed_data_oid.end(), der.begin() + info.body,
                  der.begin() + static_cast<long>(type.end)) ||
      type.end - info.body != signed_data_oid.size() ||
      !read_tlv(der, type.end, info.end, &wrapper) || wrapper.tag != 0xa0 ||
      wrapper.end != info.end || !read_tlv(der, wrapper.body, wrapper.end, &sd) || sd.tag != 0x30 ||
      sd.end != wrapper.end)
    return std::nullopt;
  // version, digestAlgorithms, encapContentInfo, then [0] IMPLICIT CertificateSet if present.
  size_t at = sd.body;
  Tlv field;
  for (int i = 0; i < 3; ++i) {
    if (!read_tlv(der, at, sd.end, &field)) return std::nullopt;
    at = field.end;
  }
  Tlv set;
  if (!read_tlv(der, at, sd.end, &set) || set.tag != 0xa0) return std::nullopt;
  SplitSignedData out;
  for (size_t c = set.body; c < set.end;) {
    Tlv cert;
    if (!read_tlv(der, c, set.end, &cert) || cert.tag != 0x30) return std::nullopt;
    auto parsed = Certificate::from_der(
        Bytes(der.begin() + static_cast<long>(c), der.begin() + static_cast<long>(cert.end)));
    if (!parsed) return std::nullopt;
    out.certificates.push_back(std::move(*parsed));
    c = cert.end;
  }
  Bytes sd_body(der.begin() + static_cast<long>(sd.body), der.begin() + static_cast<long>(at));
  sd_body.insert(sd_body.end(), der.begin() + static_cast<long>(set.end),
                 der.begin() + static_cast<long>(sd.end));
  Bytes content(der.begin() + static_cast<long>(info.body),
                der.begin() + static_cast<long>(type.end));
  Bytes inner = der_wrap(0xa0, der_wrap(0x30, sd_body));
  content.insert(content.end(), inner.begin(), inner.end());
  out.without_certificates = der_wrap(0x30, content);
  return out;
}

// A SignedData parsed by OpenSSL, and the certificates it carried.
struct ParsedSignedData {
  ossl::CmsPtr cms;
  std::vector<Certificate> certificates;
};

std::vector<Certificate> carried_certificates(CMS_ContentInfo* cms);

Result<ParsedSignedData> parse_signed_data(const Bytes& der) {
  if (der.empty()) return make_error("cms.parse", "empty CMS message");
  auto split = split_signed_data(der);
  const Bytes& input = split ? split->without_certificates : der;
  const unsigned char* p = input.data();
  ParsedSignedData out;
  out.cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(input.size())));
  if (!out.cms) return ossl::error("cms.parse", "not a DER CMS message");
  if (p != input.data() + input.size())
    return make_error("cms.parse", "trailing bytes after CMS message");
  if (!split) {
    out.certificates = carried_certificates(out.cms.get());
    return out;
  }
  // Back into the message, as parsed objects: OpenSSL looks for the signer's certificate there.
  if (OBJ_obj2nid(CMS_get0_type(out.cms.get())) == NID_pkcs7_signed)
    for (const auto& c : split->certificates)
      if (CMS_add1_cert(out.cms.get(), c.raw()) != 1)
        return ossl::error("cms.parse", "certificate set");
  out.certificates = std::move(split->certificates);
  return out;
}

// Every certificate a SignedData carries, in order.
std::vector<Certificate> carried_certificates(CMS_ContentInfo* cms) {
  std::vector<Certificate> out;
  ossl::X509StackPtr all(CMS_get1_certs(cms));
  for (int i = 0; all && i < sk_X509_num(all.get()); ++i)
    out.push_back(Certificate::share(sk_X509_value(all.get(), i)));
  return out;
}

// The certificate of the first signer, found after CMS_verify; invalid if there is none.
Certificate first_signer(CMS_ContentInfo* cms) {
  // The stack is handed over, the certificates in it stay the message's: each takes a reference,
  // so that the stack is freed with its certificates like every other.
  ossl::X509StackPtr signers(CMS_get0_signers(cms));
  for (int i = 0; signers && i < sk_X509_num(signers.get()); ++i)
    X509_up_ref(sk_X509_value(signers.get(), i));
  if (!signers || sk_X509_num(signers.get()) == 0) return Certificate();
  return Certificate::share(sk_X509_value(signers.get(), 0));
}
}  // namespace

Result<Bytes> cms_sign(const Bytes& content, const Certificate& signer, const PrivateKey& key,
                       const std::vector<Certificate>& chain, const CmsSignOptions& opt) {
  ossl::X509StackPtr certs(sk_X509_new_null());
  for (const auto& c : chain)
    if (c != signer)  // CMS_sign adds the signer certificate itself
      X509_add_cert(certs.get(), c.raw(), X509_ADD_FLAG_UP_REF);
  unsigned flags = CMS_PARTIAL | CMS_BINARY;
  if (opt.detached) flags |= CMS_DETACHED;
  if (opt.no_certs) flags |= CMS_NOCERTS;
  // A key held in a provider of its own (TPM) signs through a proxy (see ossl::signing_proxy).
  ossl::PkeyPtr proxy = key.libctx() ? ossl::signing_proxy(key) : nullptr;
  if (key.libctx() && !proxy) return ossl::error("cms.sign", "signing key held in its provider");
  ossl::CmsPtr cms(
      CMS_sign(signer.raw(), proxy ? proxy.get() : key.raw(), certs.get(), nullptr, flags));
  if (!cms) return ossl::error("cms.sign", "CMS sign");
  if (opt.content_type != kOidData) {
    ossl::ObjPtr oid(OBJ_txt2obj(opt.content_type.c_str(), 1));
    if (CMS_set1_eContentType(cms.get(), oid.get()) != 1)
      return ossl::error("cms.sign", "set eContentType");
  }
  auto in = ossl::mem_bio(content.data(), content.size());
  if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1)
    return ossl::error("cms.sign", "CMS final");
  Bytes out = ossl::to_der(i2d_CMS_ContentInfo, cms.get());
  if (out.empty()) return ossl::error("cms.sign", "encode");
  return out;
}

Result<CmsVerified> cms_verify(const Bytes& der, const std::vector<Certificate>& anchors,
                               const Bytes* detached, const CmsVerifyOptions& opt) {
  auto parsed = TRY(parse_signed_data(der));
  ossl::CmsPtr& cms = parsed.cms;
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return make_error("cms.parse", "CMS message is not SignedData");
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (sk_CMS_SignerInfo_num(infos) != 1)
    return make_error("cms.signers", "expected exactly one SignerInfo, found " +
                                         std::to_string(sk_CMS_SignerInfo_num(infos)));
  if (CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(infos, 0)) <= 0)
    return make_error("cms.attributes", "SignerInfo has no signed attributes");
  ASN1_OCTET_STRING** attached = CMS_get0_content(cms.get());
  if (detached == nullptr && (attached == nullptr || *attached == nullptr))
    return make_error("cms.content", "detached signature given without its content");

  // The signature here; the signer's chain below, through verify_chain (which remembers chains it
  // verified, such as a registrar's or a MASA's that come with every message).
  ossl::BioPtr dcont = detached ? ossl::mem_bio(detached->data(), detached->size()) : nullptr;
  ossl::BioPtr out(BIO_new(BIO_s_mem()));
  ossl::X509StackPtr known(sk_X509_new_null());
  for (const auto& c : opt.known_certs) sk_X509_push(known.get(), c.raw());
  if (CMS_verify(cms.get(), opt.known_certs.empty() ? nullptr : known.get(), nullptr, dcont.get(),
                 out.get(), CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    // The stack holds borrowed pointers: empty it before it is freed with its certificates.
    while (sk_X509_num(known.get()) > 0) sk_X509_pop(known.get());
    return ossl::error("cms.verify", "CMS signature does not verify");
  }
  while (sk_X509_num(known.get()) > 0) sk_X509_pop(known.get());
  Certificate signer = first_signer(cms.get());
  if (!signer.valid()) return make_error("cms.verify", "CMS signer certificate not found");
  std::vector<std::string> notes;
  if (std::none_of(parsed.certificates.begin(), parsed.certificates.end(),
                   [&](const Certificate& c) { return c == signer; }))
    notes.push_back("the CMS carries no signer certificate: the one known out of band verified");
  if (!opt.signer_already_verified) {
    std::vector<Certificate> trusted = anchors;
    if (opt.trust_embedded_roots)
      for (const auto& c : parsed.certificates)
        if (c.self_signed()) trusted.push_back(c);
    VerifyOptions vo;
    vo.check_time = opt.check_time;
    vo.partial_chain = opt.partial_chain;
    vo.strict = false;  // vouchers and MUD signatures come from other systems' PKIs too
    auto chain = verify_chain(signer, parsed.certificates, trusted, vo);
    if (!chain && !opt.known_certs.empty()) {
      std::vector<Certificate> untrusted = parsed.certificates;
      untrusted.insert(untrusted.end(), opt.known_certs.begin(), opt.known_certs.end());
      chain = verify_chain(signer, untrusted, trusted, vo);
      if (chain) notes.push_back("the CMS carries no issuing CA: the chain was completed");
    }
    if (!chain)
      return make_error("cms.verify", "CMS signer chain does not verify: " + chain.error().message);
  }

  CmsVerified v;
  v.notes = std::move(notes);
  v.content = detached ? *detached : ossl::bio_bytes(out.get());
  v.signer = std::move(signer);
  v.certificates = std::move(parsed.certificates);
  char oid[128] = {0};
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  v.content_type = oid;
  return v;
}

Result<CmsVerified> cms_parse_unverified(const Bytes& der) {
  auto parsed = TRY(parse_signed_data(der));
  ASN1_OCTET_STRING** content = CMS_get0_content(parsed.cms.get());
  CmsVerified v;
  if (content && *content)
    v.content.assign(ASN1_STRING_get0_data(*content),
                     ASN1_STRING_get0_data(*content) + ASN1_STRING_length(*content));
  v.certificates = std::move(parsed.certificates);
  return v;
}

Result<Bytes> certs_only_encode(const std::vector<Certificate>& certs) {
  ossl::Ptr<PKCS7> p7(PKCS7_new());
  if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1)
    return ossl::error("est.encode", "certs-only");
  for (const auto& c : certs)
    if (PKCS7_add_certificate(p7.get(), c.raw()) != 1)
      return ossl::error("est.encode", "certs-only add");
  Bytes out = ossl::to_der(i2d_PKCS7, p7.get());
  if (out.empty()) return ossl::error("est.encode", "certs-only encode");
  return out;
}

Result<std::vector<Certificate>> certs_only_decode(const Bytes& der) {
  auto parsed = parse_signed_data(der);
  if (!parsed || OBJ_obj2nid(CMS_get0_type(parsed->cms.get())) != NID_pkcs7_signed)
    return make_error("est.certs-only",
                      "not a certs-only PKCS#7 message" +
                          (parsed ? std::string() : ": " + parsed.error().message));
  if (parsed->certificates.empty())
    return make_error("est.certs-only", "certs-only message holds no certificate");
  return std::move(parsed->certificates);
}

std::string cms_to_pem(const Bytes& der) {
  std::string b64 = base64_encode(der);
  std::string out = "-----BEGIN CMS-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END CMS-----\n";
  return out;
}

Result<Bytes> cms_from_any(const Bytes& data) {
  return TRY_CTX(
      der_from_any(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
                   "cms.parse"),
      "cms");
}

}  // namespace gh::crypto
