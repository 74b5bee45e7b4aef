// Authenticating tags that do not verify. The test holds every private key of a real exchange
// (both protocol keys are injected), so it can open the wrapped data with the derivations of
// dpp_derive.h, flip one bit of R-auth or I-auth and wrap it again: the engine must refuse with the
// check named (and, for R-auth, answer AUTH_FAILURE as the spec says). The same re-wrapping without
// the flip must still authenticate, so the refusal is the tag's doing.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "crypto/kdf_siv.h"
#include "proto/dpp.h"
#include "proto/dpp_derive.h"

namespace gh::proto::dpp {
namespace {

using crypto::Curve;
namespace attr = cd::attr;
using Edit = std::function<void(std::vector<cd::Attr>&)>;

crypto::PrivateKey fresh() {
  return crypto::PrivateKey::generate(Curve::kP256).value();
}

// Opens the message's Wrapped Data under key with the given AD, lets edit change the attributes
// inside, and wraps them again.
Bytes rewrap_attr(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& wrapped,
                  const Edit& edit) {
  auto plain = crypto::aes_siv_decrypt(key, ad, wrapped);
  EXPECT_TRUE(plain.ok()) << plain.error().str();
  if (!plain) return wrapped;
  auto inner = cd::parse_attrs(plain->data(), plain->size()).value();
  edit(inner);
  return crypto::aes_siv_encrypt(key, ad, cd::encode_attrs(inner)).value();
}

// The same for a whole frame, whose wrapped data has the frame header and the attributes before
// it as AD.
Bytes rewrap_frame(const Bytes& message, const Bytes& key, const Edit& edit) {
  auto f = cd::parse_frame(message).value();
  std::vector<cd::Attr> attrs = f.attrs;
  EXPECT_EQ(attrs.back().id, attr::kWrappedData);
  attrs.back().value =
      rewrap_attr(key, {cd::frame_header(f.type), f.before_wd()}, attrs.back().value, edit);
  return cd::encode_frame(f.type, attrs);
}

Bytes inside(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& wrapped, uint16_t id) {
  auto plain = crypto::aes_siv_decrypt(key, ad, wrapped).value();
  auto attrs = cd::parse_attrs(plain.data(), plain.size()).value();
  return cd::require_attr(attrs, id, "attribute").value();
}

void flip_attr(std::vector<cd::Attr>& attrs, uint16_t id) {
  for (auto& a : attrs)
    if (a.id == id) a.value.back() ^= 0x01;
}

// A responder-only exchange: an enrollee initiates to a configurator. The test knows bR, pI, pR.
struct Exchange {
  crypto::PrivateKey b_i = fresh(), b_r = fresh(), p_i = fresh(), p_r = fresh();
  std::unique_ptr<Session> initiator, responder;
  Bytes request, response;
  Bytes k2, ke;

  Exchange() {
    Options i;
    i.role = Role::kEnrollee;
    i.own = {b_i, b_i.public_key().der_compressed()};
    i.peer = PeerBootstrap::from_spki(b_r.public_key().der_compressed(), "configurator").value();
    i.request.name = "dev-1";
    i.make_protocol_key = [this](Curve) -> Result<crypto::PrivateKey> { return p_i; };
    Options r;
    r.role = Role::kConfigurator;
    r.own = {b_r, b_r.public_key().der_compressed()};
    r.make_protocol_key = [this](Curve) -> Result<crypto::PrivateKey> { return p_r; };
    initiator = std::make_unique<Session>(std::move(i));
    responder = std::make_unique<Session>(std::move(r));

    request = initiator->start().value();
    Output out = responder->handle(request);
    EXPECT_FALSE(out.error) << out.error->str();
    EXPECT_EQ(out.send.size(), 1u);
    response = out.send.at(0);

    // What both sides derived, from the keys and the nonces inside the wrapped data.
    const Bytes m_x = p_i.derive(b_r.public_key()).value();
    const Bytes n_x = p_i.derive(p_r.public_key()).value();
    const Bytes k1 = derive_k1(Curve::kP256, m_x).value();
    k2 = derive_k2(Curve::kP256, n_x).value();
    auto req = cd::parse_frame(request).value();
    const Bytes i_nonce = inside(k1, {cd::frame_header(req.type), req.before_wd()},
                                 req.attrs.back().value, attr::kInitiatorNonce);
    auto resp = cd::parse_frame(response).value();
    const Bytes r_nonce = inside(k2, {cd::frame_header(resp.type), resp.before_wd()},
                                 resp.attrs.back().value, attr::kResponderNonce);
    const Bytes bk = derive_bk(Curve::kP256, i_nonce, r_nonce, m_x, n_x, {}).value();
    ke = derive_ke(Curve::kP256, bk).value();
  }

  // The Authentication Response with the R-auth inside its inner wrapped data edited.
  Bytes response_with(const Edit& edit) {
    return rewrap_frame(response, k2, [&](std::vector<cd::Attr>& outer) {
      for (auto& a : outer)
        if (a.id == attr::kWrappedData) a.value = rewrap_attr(ke, {}, a.value, edit);
    });
  }
};

TEST(DppAuthTags, RewrappedResponseStillAuthenticates) {
  Exchange x;
  Output out = x.initiator->handle(x.response_with([](std::vector<cd::Attr>&) {}));
  ASSERT_FALSE(out.error) << out.error->str();
  ASSERT_GE(out.send.size(), 1u);
  Output conf = x.responder->handle(out.send[0]);
  EXPECT_FALSE(conf.error) << conf.error->str();
  EXPECT_EQ(x.responder->state(), Session::State::kAwaitConfigRequest);
}

TEST(DppAuthTags, ResponderTagThatDoesNotVerifyIsRefused) {
  Exchange x;
  Output out = x.initiator->handle(
      x.response_with([](std::vector<cd::Attr>& a) { flip_attr(a, attr::kResponderAuthTag); }));
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, "dpp.r-auth");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(x.initiator->state(), Session::State::kFailed);
  // The initiator tells the responder: an Authentication Confirm with status AUTH_FAILURE.
  ASSERT_EQ(out.send.size(), 1u);
  auto confirm = cd::parse_frame(out.send[0]);
  ASSERT_TRUE(confirm.ok()) << confirm.error().str();
  EXPECT_EQ(confirm->type, static_cast<uint8_t>(cd::FrameType::kAuthConfirm));
  auto status = cd::require_attr(confirm->attrs, attr::kStatus, "Status", 1);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)[0], static_cast<uint8_t>(cd::DppStatus::kAuthFailure));
}

TEST(DppAuthTags, InitiatorTagThatDoesNotVerifyIsRefused) {
  Exchange x;
  Output out = x.initiator->handle(x.response);
  ASSERT_FALSE(out.error) << out.error->str();
  ASSERT_GE(out.send.size(), 1u);
  const Bytes& confirm = out.send[0];
  // Unchanged but re-wrapped, the Authentication Confirm is accepted ...
  {
    Exchange y;
    Output yo = y.initiator->handle(y.response);
    ASSERT_GE(yo.send.size(), 1u);
    Output ok = y.responder->handle(rewrap_frame(yo.send[0], y.ke, [](std::vector<cd::Attr>&) {}));
    EXPECT_FALSE(ok.error) << ok.error->str();
  }
  // ... and with one bit of I-auth flipped it is not.
  Output bad = x.responder->handle(rewrap_frame(
      confirm, x.ke, [](std::vector<cd::Attr>& a) { flip_attr(a, attr::kInitiatorAuthTag); }));
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->code, "dpp.i-auth");
  EXPECT_TRUE(bad.done);
  EXPECT_EQ(x.responder->state(), Session::State::kFailed);
}

}  // namespace
}  // namespace gh::proto::dpp
