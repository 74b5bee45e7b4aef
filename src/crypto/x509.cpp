#include "crypto/x509.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <list>
#include <map>
#include <mutex>

#include "common/encoding.h"
#include "common/expiring_map.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

std::string asn1_string_utf8(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  ossl::Memory<unsigned char> owned(utf8);
  if (n < 0) return {};
  return std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
}

std::string name_line(const X509_NAME* name) {
  std::string out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    if (!out.empty()) out += ", ";
    out += nid != NID_undef ? OBJ_nid2sn(nid) : "?";
    out += "=" + asn1_string_utf8(X509_NAME_ENTRY_get_data(e));
  }
  return out;
}

std::optional<std::string> name_attr(const X509_NAME* name, std::string_view short_name) {
  int nid = OBJ_sn2nid(std::string(short_name).c_str());
  if (nid == NID_undef) return std::nullopt;
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return std::nullopt;
  return asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
}

Result<ossl::NamePtr> build_name(const Name& n) {
  ossl::NamePtr name(X509_NAME_new());
  for (const auto& [type, value] : n.rdns) {
    if (X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      return ossl::error("x509.name", "name attribute " + type);
  }
  return name;
}

std::optional<std::string> ia5_extension(X509* cert, const char* oid) {
  ossl::ObjPtr obj(OBJ_txt2obj(oid, 1));
  int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return std::nullopt;
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  ossl::Ptr<ASN1_IA5STRING> s(d2i_ASN1_IA5STRING(nullptr, &p, ASN1_STRING_length(data)));
  if (!s) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s.get())),
                     static_cast<size_t>(ASN1_STRING_length(s.get())));
}

Status add_ia5_extension(X509* cert, const char* oid, const std::string& value) {
  ossl::Ptr<ASN1_IA5STRING> s(ASN1_IA5STRING_new());
  ASN1_STRING_set(s.get(), value.data(), static_cast<int>(value.size()));
  Bytes der = ossl::to_der(i2d_ASN1_IA5STRING, s.get());
  if (der.empty()) return ossl::error("x509.extension", oid);
  ossl::Ptr<ASN1_OCTET_STRING> os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), der.data(), static_cast<int>(der.size()));
  ossl::ObjPtr obj(OBJ_txt2obj(oid, 1));
  ossl::ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return ossl::error("x509.extension", oid);
  return ok_status();
}

Status add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ossl::ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return ossl::error("x509.extension", std::string(OBJ_nid2sn(nid)) + "=" + value);
  return ok_status();
}

time::Seconds asn1_time_to_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return time::from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                          static_cast<unsigned>(tm.tm_mday), static_cast<unsigned>(tm.tm_hour),
                          static_cast<unsigned>(tm.tm_min), static_cast<unsigned>(tm.tm_sec));
}

// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
ossl::Ptr<ASN1_TIME> seconds_to_asn1(time::Seconds t) {
  std::string s = time::format_rfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
  std::string compact = s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + s.substr(11, 2) +
                        s.substr(14, 2) + s.substr(17, 2) + "Z";
  ossl::Ptr<ASN1_TIME> out(ASN1_TIME_new());
  int year = std::stoi(s.substr(0, 4));
  if (year >= 1950 && year < 2050) {
    ASN1_UTCTIME_set_string(out.get(), compact.substr(2).c_str());
  } else {
    ASN1_GENERALIZEDTIME_set_string(out.get(), compact.c_str());
  }
  return out;
}

std::string key_usage_text(unsigned ku) {
  std::string s = "critical";
  if (ku & kDigitalSignature) s += ",digitalSignature";
  if (ku & kKeyEncipherment) s += ",keyEncipherment";
  if (ku & kKeyAgreement) s += ",keyAgreement";
  if (ku & kKeyCertSign) s += ",keyCertSign";
  if (ku & kCrlSign) s += ",cRLSign";
  return s;
}

}  // namespace

// ---- Certificate ----
Certificate Certificate::adopt(ossl::X509Ptr cert) {
  Certificate c;
  c.cert_ = ossl::Value<X509>(std::move(cert));
  return c;
}

Certificate Certificate::share(X509* cert) {
  return adopt(ossl::X509Ptr(cert ? ossl::Copy<X509>()(cert) : nullptr));
}

namespace {

// OpenSSL 3.0 decodes a certificate's public key through its decoder framework on every parse
// (about 90 µs here, more than a P-256 verification): the certificates a process sees again and
// again (CA and signer certificates, a registrar's, a domain CA) are kept parsed, by their exact
// DER bytes, and shared (a Certificate is a reference to an immutable X509). Least recently used
// first out.
class ParsedCertificates {
 public:
  // The kept certificate for der; an invalid one if there is none.
  Certificate get(const Bytes& der) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
    if (it == map_.end()) return Certificate();
    order_.splice(order_.begin(), order_, it->second.at);
    return it->second.cert;
  }
  void put(const Bytes& der, const Certificate& cert) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string key(der.begin(), der.end());
    if (map_.count(key)) return;
    order_.push_front(key);
    map_.emplace(std::move(key), Entry{cert, order_.begin()});
    if (map_.size() > kCapacity) {
      map_.erase(map_.find(order_.back()));
      order_.pop_back();
    }
  }

 private:
  static constexpr size_t kCapacity = 256;
  struct Entry {
    Certificate cert;  // shares the X509 with every Certificate handed out for it
    std::list<std::string>::iterator at;
  };
  std::mutex mu_;
  std::list<std::string> order_;  // most recent first
  std::map<std::string, Entry, std::less<>> map_;
};

ParsedCertificates& parsed() {
  static auto* cache = new ParsedCertificates();  // never destroyed: used until exit
  return *cache;
}

}  // namespace

Result<Certificate> Certificate::from_der(const Bytes& der) {
  if (Certificate known = parsed().get(der); known.valid()) return known;
  const unsigned char* p = der.data();
  ossl::X509Ptr c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c) return ossl::error("x509.parse", "not a DER certificate");
  if (p != der.data() + der.size())
    return make_error("x509.parse", "trailing bytes after certificate");
  Certificate out = adopt(std::move(c));
  parsed().put(der, out);
  return out;
}

void Certificate::keep_parsed() const {
  if (valid()) parsed().put(der(), *this);
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  auto chain = TRY(chain_from_pem(pem));
  return chain.front();
}

Result<std::vector<Certificate>> Certificate::chain_from_pem(std::string_view pem) {
  // Through the DER bytes, so that the parsed-certificate cache serves PEM too.
  std::vector<Certificate> out;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----",
                             kEnd = "-----END CERTIFICATE-----";
  for (size_t at = pem.find(kBegin); at != std::string_view::npos; at = pem.find(kBegin, at)) {
    size_t end = pem.find(kEnd, at);
    if (end == std::string_view::npos)
      return make_error("x509.parse", "unterminated PEM certificate");
    std::string b64;
    for (char ch : pem.substr(at + kBegin.size(), end - at - kBegin.size()))
      if (!std::isspace(static_cast<unsigned char>(ch))) b64 += ch;
    auto der = base64_decode(b64);
    if (!der) return make_error("x509.parse", "a PEM certificate that is not base64");
    out.push_back(TRY(from_der(*der)));
    at = end + kEnd.size();
  }
  if (out.empty()) return make_error("x509.parse", "no PEM certificate found");
  return out;
}

Bytes Certificate::der() const {
  return ossl::to_der(i2d_X509, raw());
}

std::string Certificate::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), raw());
  return ossl::bio_string(bio.get());
}

std::string Certificate::subject() const {
  return name_line(X509_get_subject_name(raw()));
}
std::string Certificate::issuer() const {
  return name_line(X509_get_issuer_name(raw()));
}
std::optional<std::string> Certificate::subject_attr(std::string_view sn) const {
  return name_attr(X509_get_subject_name(raw()), sn);
}
std::optional<std::string> Certificate::masa_url() const {
  return ia5_extension(raw(), kOidMasaUrl);
}
std::optional<std::string> Certificate::mud_url() const {
  return ia5_extension(raw(), kOidMudUrl);
}

std::vector<std::string> Certificate::dns_names() const {
  std::vector<std::string> out;
  ossl::Ptr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(raw(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) out.push_back(asn1_string_utf8(gn->d.dNSName));
  }
  return out;
}

std::string Certificate::serial_hex() const {
  ossl::Ptr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(raw()), nullptr));
  ossl::Memory<char> hex(BN_bn2hex(bn.get()));
  std::string out(hex.get());
  for (auto& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

time::Seconds Certificate::not_before() const {
  return asn1_time_to_seconds(X509_get0_notBefore(raw()));
}
time::Seconds Certificate::not_after() const {
  return asn1_time_to_seconds(X509_get0_notAfter(raw()));
}

PublicKey Certificate::public_key() const {
  return PublicKey::adopt(ossl::PkeyPtr(X509_get_pubkey(raw())));  // up-refs
}

bool Certificate::is_ca() const {
  return X509_check_ca(raw()) > 0;
}

bool Certificate::has_eku(const char* oid) const {
  ossl::Ptr<EXTENDED_KEY_USAGE> ekus(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(raw(), NID_ext_key_usage, nullptr, nullptr)));
  if (!ekus) return false;
  ossl::ObjPtr want(OBJ_txt2obj(oid, 1));
  bool found = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(ekus.get()); ++i)
    if (OBJ_cmp(sk_ASN1_OBJECT_value(ekus.get(), i), want.get()) == 0) found = true;
  return found;
}

bool Certificate::self_signed() const {
  return X509_self_signed(raw(), 0) == 1;
}
Bytes Certificate::fingerprint_sha256() const {
  return sha256(der());
}

Bytes Certificate::subject_key_id() const {
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(raw());
  if (!ski) return {};
  return Bytes(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski));
}

Bytes Certificate::authority_key_id() const {
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(raw());
  if (!aki) return {};
  return Bytes(ASN1_STRING_get0_data(aki), ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki));
}

bool Certificate::operator==(const Certificate& o) const {
  if (!raw() || !o.raw()) return raw() == o.raw();
  return X509_cmp(raw(), o.raw()) == 0;
}

std::string chain_to_pem(const std::vector<Certificate>& chain) {
  std::string out;
  for (const auto& c : chain) out += c.pem();
  return out;
}

Result<Certificate> issue_certificate(const CertificateTemplate& t, const Certificate* issuer,
                                      const PrivateKey& issuer_key) {
  if (!t.public_key.valid()) return make_error("x509.issue", "template has no public key");
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  // RFC 5280 4.1.2.2: positive, at most 20 octets; 16 random octets with the top bit clear.
  Bytes serial = random_bytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  ossl::Ptr<BIGNUM> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  auto subject = TRY(build_name(t.subject));
  X509_set_subject_name(cert.get(), subject.get());
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer->raw()) : subject.get());
  X509_set1_notBefore(cert.get(), seconds_to_asn1(t.not_before).get());
  X509_set1_notAfter(cert.get(), seconds_to_asn1(t.not_after).get());
  ossl::PkeyPtr pub = t.public_key.legacy_copy();
  if (!pub || X509_set_pubkey(cert.get(), pub.get()) != 1)
    return ossl::error("x509.issue", "public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->raw() : cert.get(), cert.get(), nullptr, nullptr, 0);
  std::string bc = t.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (t.ca && t.path_len >= 0) bc += ",pathlen:" + std::to_string(t.path_len);
  TRY(add_conf_extension(cert.get(), &ctx, NID_basic_constraints, bc));
  TRY(add_conf_extension(cert.get(), &ctx, NID_key_usage, key_usage_text(t.key_usage)));
  TRY(add_conf_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (issuer)
    TRY(add_conf_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!t.eku_oids.empty()) {
    std::string eku;
    for (const auto& o : t.eku_oids) eku += (eku.empty() ? "" : ",") + o;
    TRY(add_conf_extension(cert.get(), &ctx, NID_ext_key_usage, eku));
  }
  if (!t.dns_names.empty() || !t.ip_addresses.empty()) {
    std::string san;
    for (const auto& d : t.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const auto& ip : t.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    TRY(add_conf_extension(cert.get(), &ctx, NID_subject_alt_name, san));
  }
  if (t.crl_url)
    TRY(add_conf_extension(cert.get(), &ctx, NID_crl_distribution_points, "URI:" + *t.crl_url));
  if (t.masa_url) TRY(add_ia5_extension(cert.get(), kOidMasaUrl, *t.masa_url));
  if (t.mud_url) TRY(add_ia5_extension(cert.get(), kOidMudUrl, *t.mud_url));

  auto sctx = TRY(ossl::sign_context(issuer_key));
  if (X509_sign_ctx(cert.get(), sctx.get()) <= 0)
    return ossl::error("x509.sign", "signing certificate");
  return Certificate::adopt(std::move(cert));
}

// ---- Csr ----
Result<Csr> Csr::create(const Name& subject, const PrivateKey& key) {
  return create(subject, key, "");
}

Result<Csr> Csr::create(const Name& subject, const PrivateKey& key,
                        const std::string& challenge_password) {
  ossl::ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), X509_REQ_VERSION_1);
  auto name = TRY(build_name(subject));
  X509_REQ_set_subject_name(req.get(), name.get());
  ossl::PkeyPtr pub = key.public_key().legacy_copy();
  if (!pub || X509_REQ_set_pubkey(req.get(), pub.get()) != 1)
    return ossl::error("csr.create", "public key");
  if (!challenge_password.empty() &&
      X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, V_ASN1_UTF8STRING,
                                reinterpret_cast<const unsigned char*>(challenge_password.data()),
                                static_cast<int>(challenge_password.size())) != 1)
    return ossl::error("csr.create", "challengePassword");
  auto sctx = TRY(ossl::sign_context(key));
  if (X509_REQ_sign_ctx(req.get(), sctx.get()) <= 0) return ossl::error("csr.sign", "signing CSR");
  return Csr(std::move(req));
}

std::optional<std::string> Csr::challenge_password() const {
  int loc = X509_REQ_get_attr_by_NID(raw(), NID_pkcs9_challengePassword, -1);
  if (loc < 0) return std::nullopt;
  X509_ATTRIBUTE* attr = X509_REQ_get_attr(raw(), loc);
  ASN1_TYPE* type = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
  if (!type) return std::nullopt;
  int t = ASN1_TYPE_get(type);
  if (t != V_ASN1_UTF8STRING && t != V_ASN1_PRINTABLESTRING && t != V_ASN1_IA5STRING)
    return std::nullopt;
  const ASN1_STRING* str = type->value.asn1_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(str)),
                     static_cast<size_t>(ASN1_STRING_length(str)));
}

Result<Csr> Csr::from_der(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::ReqPtr r(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!r) return ossl::error("csr.parse", "not a DER PKCS#10 request");
  if (p != der.data() + der.size())
    return make_error("csr.parse", "trailing bytes after PKCS#10 request");
  return Csr(std::move(r));
}

Result<Csr> Csr::from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  ossl::ReqPtr r(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!r) return ossl::error("csr.parse", "not a PEM PKCS#10 request");
  return Csr(std::move(r));
}

Bytes Csr::der() const {
  return ossl::to_der(i2d_X509_REQ, raw());
}

std::string Csr::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), raw());
  return ossl::bio_string(bio.get());
}

Status Csr::verify_signature() const {
  EVP_PKEY* k = X509_REQ_get0_pubkey(raw());
  if (!k || X509_REQ_verify(raw(), k) != 1) {
    ERR_clear_error();
    return make_error("csr.signature", "CSR is not signed by the key it carries");
  }
  return ok_status();
}

PublicKey Csr::public_key() const {
  return PublicKey::adopt(ossl::PkeyPtr(X509_REQ_get_pubkey(raw())));  // up-refs
}
std::optional<std::string> Csr::subject_attr(std::string_view sn) const {
  return name_attr(X509_REQ_get_subject_name(raw()), sn);
}
std::string Csr::subject() const {
  return name_line(X509_REQ_get_subject_name(raw()));
}

// ---- chain verification ----
namespace {
constexpr time::Seconds kChainRememberedS = 300;

// Successful verifications at the current time, by the exact certificates and options.
ExpiringMap<bool>& verified_chains() {
  static auto* chains = new ExpiringMap<bool>(1024);  // never destroyed: used until exit
  return *chains;
}

Status verify_chain_now(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                        const std::vector<Certificate>& anchors, const VerifyOptions& opt);

// The options, then each certificate's fingerprint with its role (leaf, untrusted, anchor).
Bytes chain_key(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                const std::vector<Certificate>& anchors, const VerifyOptions& opt) {
  Bytes key{static_cast<uint8_t>(opt.check_time), static_cast<uint8_t>(opt.partial_chain),
            static_cast<uint8_t>(opt.strict)};
  auto add = [&key](const Certificate& c, uint8_t role) {
    Bytes f = c.fingerprint_sha256();
    key.push_back(role);
    key.insert(key.end(), f.begin(), f.end());
  };
  add(leaf, 0);
  for (const auto& c : untrusted) add(c, 1);
  for (const auto& c : anchors) add(c, 2);
  return key;
}
}  // namespace

Status verify_chain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                    const std::vector<Certificate>& anchors, const VerifyOptions& opt) {
  if (anchors.empty()) return make_error("chain.anchor", "no trust anchor to verify against");
  // Only verifications at the current time are remembered: one at a given time stands alone.
  const bool rememberable = !opt.at.has_value();
  Bytes key;
  time::Seconds now = time::now();
  if (rememberable) {
    key = chain_key(leaf, untrusted, anchors, opt);
    if (verified_chains().get(key, now)) return ok_status();
  }
  TRY(verify_chain_now(leaf, untrusted, anchors, opt));
  if (rememberable) {
    time::Seconds from = 0, until = now + kChainRememberedS;
    if (opt.check_time) {
      auto bound = [&](const Certificate& c) {
        from = std::max(from, c.not_before());
        until = std::min(until, c.not_after());
      };
      bound(leaf);
      for (const auto& c : untrusted) bound(c);
      for (const auto& c : anchors) bound(c);
    }
    verified_chains().put(key, true, from, until);
  }
  return ok_status();
}

namespace {
Status verify_chain_now(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                        const std::vector<Certificate>& anchors, const VerifyOptions& opt) {
  ossl::StorePtr store(X509_STORE_new());
  for (const auto& a : anchors) X509_STORE_add_cert(store.get(), a.raw());
  ossl::X509StackPtr chain(sk_X509_new_null());
  for (const auto& c : untrusted) X509_add_cert(chain.get(), c.raw(), X509_ADD_FLAG_UP_REF);
  ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.raw(), chain.get()) != 1)
    return ossl::error("chain.init", "verify context");
  // IDevID and MASA certificates often carry no EKU (RFC 8995 2.3): verify for any purpose.
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  unsigned long flags = opt.strict ? X509_V_FLAG_X509_STRICT : 0;
  if (opt.partial_chain) flags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (!opt.check_time) flags |= X509_V_FLAG_NO_CHECK_TIME;
  X509_STORE_CTX_set_flags(ctx.get(), flags);
  if (opt.check_time && opt.at) X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(*opt.at));
  if (X509_verify_cert(ctx.get()) == 1) return ok_status();
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
  ERR_clear_error();
  std::string who = at ? name_line(X509_get_subject_name(at)) : "?";
  return make_error("chain.verify", "certificate " + std::to_string(depth) + " (" + who +
                                        "): " + X509_verify_cert_error_string(err));
}
}  // namespace

Result<std::string> issue_crl_pem(const Certificate& issuer, const PrivateKey& key,
                                  const std::vector<RevokedEntry>& revoked, int64_t crl_number,
                                  int64_t next_update_s) {
  ossl::CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.raw()));
  time::Seconds now = time::now();
  X509_CRL_set1_lastUpdate(crl.get(), seconds_to_asn1(now).get());
  X509_CRL_set1_nextUpdate(crl.get(), seconds_to_asn1(now + next_update_s).get());
  for (const auto& r : revoked) {
    ossl::Ptr<X509_REVOKED> rev(X509_REVOKED_new());
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, r.serial_hex.c_str());
    ossl::Ptr<BIGNUM> serial_bn(bn);
    ossl::Ptr<ASN1_INTEGER> serial(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr));
    X509_REVOKED_set_serialNumber(rev.get(), serial.get());
    X509_REVOKED_set_revocationDate(rev.get(), seconds_to_asn1(r.revoked_at).get());
    if (r.reason >= 0) {
      ossl::Ptr<ASN1_ENUMERATED> code(ASN1_ENUMERATED_new());
      ASN1_ENUMERATED_set(code.get(), r.reason);
      X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, code.get(), 0, 0);
    }
    if (X509_CRL_add0_revoked(crl.get(), rev.get()) == 1) rev.release();  // now the CRL's
  }
  ossl::Ptr<ASN1_INTEGER> num(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(num.get(), crl_number);
  X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, num.get(), 0, 0);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer.raw(), nullptr, nullptr, crl.get(), 0);
  ossl::ExtPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (aki) X509_CRL_add_ext(crl.get(), aki.get(), -1);
  X509_CRL_sort(crl.get());
  auto sctx = TRY(ossl::sign_context(key));
  if (X509_CRL_sign_ctx(crl.get(), sctx.get()) <= 0) return ossl::error("crl.sign", "signing CRL");
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl.get());
  return ossl::bio_string(bio.get());
}

}  // namespace gh::crypto
