// TLS over a connected socket (OpenSSL stays here). Blocking I/O with socket timeouts; net/ builds
// HTTP on top.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/key.h"
#include "crypto/ossl_handle.h"
#include "crypto/x509.h"

namespace gh::crypto {

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

class TlsConnection {
 public:
  ~TlsConnection() { close(); }  // with close_notify, as close()
  TlsConnection(TlsConnection&&) noexcept = default;

  // Takes ownership of fd either way.
  static Result<TlsConnection> accept(const TlsContext& ctx, int fd);
  // identity: this connection's client credential, over the context's (one context can then serve
  // many identities: a process that simulates many pledges).
  static Result<TlsConnection> connect(const TlsContext& ctx, int fd, const std::string& sni,
                                       const TlsIdentity* identity = nullptr);

  // Reads up to n bytes; 0 at end of stream.
  Result<size_t> read(uint8_t* buf, size_t n);
  Status write(const uint8_t* buf, size_t n);
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
