#include "crypto/cms.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "crypto/ossl.h"

namespace gh::crypto {

namespace {
// Every certificate a SignedData carries, in order.
std::vector<Certificate> carried_certificates(CMS_ContentInfo* cms) {
  std::vector<Certificate> out;
  STACK_OF(X509)* all = CMS_get1_certs(cms);
  for (int i = 0; all && i < sk_X509_num(all); ++i) {
    X509* c = sk_X509_value(all, i);
    X509_up_ref(c);
    out.push_back(Certificate::adopt(c));
  }
  sk_X509_pop_free(all, X509_free);
  return out;
}
}  // namespace

Result<Bytes> cms_sign(const Bytes& content, const Certificate& signer, const PrivateKey& key,
                       const std::vector<Certificate>& chain, const CmsSignOptions& opt) {
  ossl::X509StackPtr certs(sk_X509_new_null());
  for (const auto& c : chain) {
    if (c == signer) continue;  // CMS_sign adds the signer certificate itself
    X509_up_ref(c.raw());
    sk_X509_push(certs.get(), c.raw());
  }
  unsigned flags = CMS_PARTIAL | CMS_BINARY;
  if (opt.detached) flags |= CMS_DETACHED;
  ossl::CmsPtr cms(CMS_sign(signer.raw(), key.raw(), certs.get(), nullptr, flags));
  if (!cms) return ossl::error("cms.sign", "CMS sign");
  if (opt.content_type != kOidData) {
    ASN1_OBJECT* oid = OBJ_txt2obj(opt.content_type.c_str(), 1);
    int rc = CMS_set1_eContentType(cms.get(), oid);
    ASN1_OBJECT_free(oid);
    if (rc != 1) return ossl::error("cms.sign", "set eContentType");
  }
  auto in = ossl::mem_bio(content.data(), content.size());
  if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1)
    return ossl::error("cms.sign", "CMS final");
  unsigned char* buf = nullptr;
  int n = i2d_CMS_ContentInfo(cms.get(), &buf);
  if (n <= 0) return ossl::error("cms.sign", "encode");
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

Result<CmsVerified> cms_verify(const Bytes& der, const std::vector<Certificate>& anchors,
                               const Bytes* detached, const CmsVerifyOptions& opt) {
  if (der.empty()) return make_error("cms.parse", "empty CMS message");
  const unsigned char* p = der.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return ossl::error("cms.parse", "not a DER CMS message");
  if (p != der.data() + der.size())
    return make_error("cms.parse", "trailing bytes after CMS message");
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

  ossl::StorePtr store(X509_STORE_new());
  for (const auto& a : anchors) X509_STORE_add_cert(store.get(), a.raw());
  if (opt.trust_embedded_roots)
    for (const auto& c : carried_certificates(cms.get()))
      if (c.self_signed()) X509_STORE_add_cert(store.get(), c.raw());
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  unsigned long vflags = 0;
  if (opt.partial_chain) vflags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (!opt.check_time) vflags |= X509_V_FLAG_NO_CHECK_TIME;
  if (vflags) X509_STORE_set_flags(store.get(), vflags);

  ossl::BioPtr dcont = detached ? ossl::mem_bio(detached->data(), detached->size()) : nullptr;
  ossl::BioPtr out(BIO_new(BIO_s_mem()));
  unsigned flags = CMS_BINARY | (opt.signer_already_verified ? CMS_NO_SIGNER_CERT_VERIFY : 0);
  if (CMS_verify(cms.get(), nullptr, store.get(), dcont.get(), out.get(), flags) != 1)
    return ossl::error("cms.verify", "CMS signature or signer chain does not verify");

  CmsVerified v;
  v.content = detached ? *detached : ossl::bio_bytes(out.get());
  STACK_OF(X509)* signers = CMS_get0_signers(cms.get());
  if (signers && sk_X509_num(signers) > 0) {
    X509* s = sk_X509_value(signers, 0);
    X509_up_ref(s);
    v.signer = Certificate::adopt(s);
  }
  sk_X509_free(signers);
  v.certificates = carried_certificates(cms.get());
  char oid[128] = {0};
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  v.content_type = oid;
  return v;
}

Result<CmsVerified> cms_parse_unverified(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return ossl::error("cms.parse", "not a DER CMS message");
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  CmsVerified v;
  if (content && *content)
    v.content.assign(ASN1_STRING_get0_data(*content),
                     ASN1_STRING_get0_data(*content) + ASN1_STRING_length(*content));
  v.certificates = carried_certificates(cms.get());
  return v;
}

Result<Bytes> certs_only_encode(const std::vector<Certificate>& certs) {
  ossl::Ptr<PKCS7, PKCS7_free> p7(PKCS7_new());
  if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1)
    return ossl::error("est.encode", "certs-only");
  for (const auto& c : certs)
    if (PKCS7_add_certificate(p7.get(), c.raw()) != 1)
      return ossl::error("est.encode", "certs-only add");
  unsigned char* buf = nullptr;
  int n = i2d_PKCS7(p7.get(), &buf);
  if (n <= 0) return ossl::error("est.encode", "certs-only encode");
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

Result<std::vector<Certificate>> certs_only_decode(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::Ptr<PKCS7, PKCS7_free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || !p7->d.sign)
    return ossl::error("est.certs-only", "not a certs-only PKCS#7 message");
  std::vector<Certificate> out;
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
    X509* c = sk_X509_value(certs, i);
    X509_up_ref(c);
    out.push_back(Certificate::adopt(c));
  }
  if (out.empty()) return make_error("est.certs-only", "certs-only message holds no certificate");
  return out;
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
