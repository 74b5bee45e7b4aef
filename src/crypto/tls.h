// TLS over a connected socket (OpenSSL stays here). Blocking I/O with socket timeouts for clients;
// non-blocking steps (handshake, read, write returning what they wait for) for the servers' event
// loop in net/. Every context speaks TLS 1.3, or TLS 1.2 with ECDHE and AEAD suites only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/key.h"
#include "crypto/ossl_handle.h"
#include "crypto/x509.h"

namespace gh::crypto {

// TLS 1.2 (the floor of RFC 8995 5.1) only with an ephemeral ECDH key exchange and an AEAD
// cipher: the suites RFC 9325 4.2 recommends (AES-GCM) and ChaCha20-Poly1305 (RFC 7905). No CBC,
// no SHA-1 MAC, no static RSA key transport, no finite-field DH. In OpenSSL's cipher-list syntax:
// every TLS context here uses it, and so do the hostapd and wpa_supplicant configurations written
// for 802.1X EAP-TLS.
inline constexpr const char* kTls12Suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

struct TlsIdentity {
  Certificate cert;
  std::vector<Certificate> chain;  // sent after cert
  PrivateKey key;
};

class TlsContext {
 public:
  // Server: presents identity; asks every client for a certificate and accepts any (the
  // application validates the chain it got: IDevID against manufacturers, LDevID against the
  // domain CA).
  static Result<TlsContext> server(const TlsIdentity& identity);
  // Client. identity may be null (no client certificate). anchors empty: provisional (RFC 8995
  // 5.1), any server chain is accepted and kept for later validation. Otherwise the server chain
  // must verify to anchors and, if verify_host is set, match it (DNS name or IP address).
  static Result<TlsContext> client(const TlsIdentity* identity,
                                   const std::vector<Certificate>& anchors,
                                   const std::string& verify_host);
  ssl_ctx_st* raw() const { return ctx_.get(); }

 private:
  explicit TlsContext(ossl::Ptr<ssl_ctx_st> ctx) : ctx_(std::move(ctx)) {}
  ossl::Ptr<ssl_ctx_st> ctx_;
};

// What a non-blocking TLS call waits for before it can go on.
enum class TlsWait { kNothing, kReadable, kWritable };

// The outcome of one non-blocking read or write.
struct TlsIo {
  size_t bytes = 0;                  // read or written
  TlsWait wait = TlsWait::kNothing;  // set when nothing more can move now
  bool end = false;                  // read: the peer ended the stream
};

class TlsConnection {
 public:
  ~TlsConnection() { close(); }  // with close_notify, as close()
  TlsConnection(TlsConnection&&) noexcept = default;

  // Takes ownership of fd either way.
  static Result<TlsConnection> accept(const TlsContext& ctx, int fd);
  // Server side over a non-blocking socket, for an event loop: no I/O yet (handshake_step() does
  // it). fd stays the caller's: it closes fd after this object is gone or close()d.
  static Result<TlsConnection> accept_nonblocking(const TlsContext& ctx, int fd);
  // identity: this connection's client credential, over the context's (one context can then serve
  // many identities: a process that simulates many pledges).
  static Result<TlsConnection> connect(const TlsContext& ctx, int fd, const std::string& sni,
                                       const TlsIdentity* identity = nullptr);

  // Reads up to n bytes; 0 at end of stream.
  Result<size_t> read(uint8_t* buf, size_t n);
  Status write(const uint8_t* buf, size_t n);

  // Non-blocking: advances the handshake; kNothing once it is complete.
  Result<TlsWait> handshake_step();
  // Non-blocking: reads what has arrived (up to n bytes), or says what it waits for.
  Result<TlsIo> read_some(uint8_t* buf, size_t n);
  // Non-blocking: writes what the socket takes now. A call after a wait must pass the same bytes.
  Result<TlsIo> write_some(const uint8_t* buf, size_t n);
  // The peer's certificate chain as sent, leaf first (empty if none).
  std::vector<Certificate> peer_chain() const;
  std::string protocol() const;  // "TLSv1.3"
  void close();

 private:
  explicit TlsConnection(ossl::Ptr<ssl_st> ssl) : ssl_(std::move(ssl)) {}
  ossl::Ptr<ssl_st> ssl_;  // owns the socket too (closed with it)
};

// The OpenSSL library this process runs with, e.g. "OpenSSL 3.0.22 25 Aug 2026" (it may be newer
// than the one it was built against: OpenSSL 3.x keeps one ABI).
std::string openssl_version();

}  // namespace gh::crypto
