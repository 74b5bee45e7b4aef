// Other implementations' published vouchers and voucher-requests (tests/vectors/brski, origins
// and validity windows in its README): each is read as the registrar, MASA or pledge reads one,
// its signature verified with the key that made it, and its JSON parsed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "codec/voucher.h"
#include "crypto/cms.h"

namespace gh::codec {
namespace {

std::string vector_path(const std::string& name) {
  return std::string(GH_VECTORS_DIR) + "/brski/minerva/" + name;
}
Bytes read(const std::string& name) {
  std::ifstream in(vector_path(name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return to_bytes(ss.str());
}
crypto::Certificate cert(const std::string& name) {
  auto c = crypto::Certificate::from_pem(to_string(read(name)));
  EXPECT_TRUE(c.ok()) << name;
  return c.ok() ? *c : crypto::Certificate();
}

TEST(BrskiVectors, MinervaFixtures) {
  std::ifstream in(vector_path("manifest.txt"));
  ASSERT_TRUE(in.good());
  std::string line;
  int read_ok = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string kind, file, signer, root, when;
    f >> kind >> file >> signer >> root >> when;
    crypto::CmsVerifyOptions opt;
    opt.check_time = false;  // signed in the past: the certificates have expired since
    if (signer != "-") opt.known_certs = {cert(signer)};
    auto v = verify_voucher_artifact(read(file), {cert(root)}, opt);
    ASSERT_TRUE(v.ok()) << file << ": " << v.error().str();
    // Minerva signs with eContentType id-data: read, with the note.
    bool noted = false;
    for (const auto& n : v->notes) noted |= n.find("id-data") != std::string::npos;
    EXPECT_TRUE(noted) << file;
    if (kind == "voucher") {
      auto voucher = Voucher::from_json(v->json);
      ASSERT_TRUE(voucher.ok()) << file << ": " << voucher.error().str();
      EXPECT_FALSE(voucher->serial_number.empty()) << file;
      EXPECT_FALSE(voucher->pinned_domain_cert.empty()) << file;
    } else {
      auto vr = VoucherRequest::from_json(v->json);
      ASSERT_TRUE(vr.ok()) << file << ": " << vr.error().str();
      if (kind == "rvr" && !vr->prior_signed_voucher_request.empty()) {
        auto inner = crypto::cms_parse_unverified(vr->prior_signed_voucher_request);
        EXPECT_TRUE(inner.ok()) << file << ": the pledge's request inside";
      }
    }
    if (file.find("siemens") != std::string::npos) {
      // Still valid today: the chain also verifies with the clock.
      crypto::CmsVerifyOptions now = opt;
      now.check_time = true;
      EXPECT_TRUE(verify_voucher_artifact(read(file), {cert(root)}, now).ok()) << file;
    }
    ++read_ok;
  }
  EXPECT_GE(read_ok, 19);
}

TEST(BrskiVectors, MinervaNegativeFixturesAreRefusedByName) {
  // Deliberately truncated by its authors.
  auto broken = verify_voucher_artifact(read("highway/parboiled_vr_broken-00-D0-E5-F2-00-02.b64"),
                                        {cert("ChariWTs/ownerca_secp384r1.crt")});
  ASSERT_FALSE(broken.ok());
  // No certificates and none published that made it: the signer cannot be found.
  auto orphan = verify_voucher_artifact(read("ChariWTs/voucher_request-00-D0-E5-03-00-03.pkcs"),
                                        {cert("fountain/cert/vendor_secp384r1.crt")});
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, "cms.verify");
  // Another certificate than the signer's does not make it verify.
  crypto::CmsVerifyOptions opt;
  opt.check_time = false;
  opt.known_certs = {cert("fountain/product/00-D0-E5-F2-00-03/device.crt")};
  auto wrong =
      verify_voucher_artifact(read("ChariWTs/voucher_request-00-D0-E5-03-00-03.pkcs"),
                              {cert("fountain/product/00-D0-E5-F2-00-03/vendor.crt")}, opt);
  EXPECT_FALSE(wrong.ok());
}

}  // namespace
}  // namespace gh::codec
