#!/usr/bin/env bash
# Issue 13, item 6: wherever Gatehouse is a TLS server or client, TLS 1.3 is what a modern peer
# gets, and TLS 1.2 only with ECDHE and an AEAD suite: OpenSSL's own s_client and s_server check
# the registrar, the MASA and the pledge.
source "$(dirname "$0")/lib.sh"

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model th-1 --count 1 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0

# s_client WHERE ARGS...: its output (a refused handshake is not an error here).
s_client() {
  local where=$1; shift
  openssl s_client -connect "$where" "$@" < /dev/null 2>&1 || true
}

for server in "registrar ${SITE_URL#https://}" "MASA 127.0.0.1:$mport"; do
  name=${server% *}; where=${server#* }
  out=$(s_client "$where")
  grep -q "New, TLSv1.3, Cipher is TLS_" <<< "$out" || fail "$name: not TLS 1.3 by default: $(grep New, <<< "$out")"
  for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
    out=$(s_client "$where" -tls1_2 -cipher "$suite")
    grep -q "New, TLSv1.2, Cipher is $suite" <<< "$out" || fail "$name: TLS 1.2 with $suite refused"
  done
  # CBC with SHA-1, CBC with SHA-256, and static RSA key transport with an AEAD: all refused.
  for suite in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256 AES128-GCM-SHA256 AES128-SHA; do
    rc=0
    out=$(openssl s_client -connect "$where" -tls1_2 -cipher "$suite" < /dev/null 2>&1) || rc=$?
    [ "$rc" -ne 0 ] || fail "$name: s_client -tls1_2 -cipher $suite succeeded"
    grep -q "Cipher is (NONE)" <<< "$out" || fail "$name: a cipher was agreed for $suite: $(grep Cipher <<< "$out")"
    grep -q "handshake failure" <<< "$out" || fail "$name: $suite: no handshake failure alert: $out"
  done
  # TLS 1.1 and older: refused.
  out=$(s_client "$where" -tls1_1)
  grep -q "Cipher is (NONE)" <<< "$out" || fail "$name: TLS 1.1 was accepted"
  ok "$name: TLS 1.3 by default; TLS 1.2 only with ECDHE-ECDSA AES-GCM/ChaCha20; CBC, SHA-1 MACs, RSA key transport and TLS 1.1 refused"
done

# As a client: a pledge refuses a server that offers only CBC-SHA1 at TLS 1.2, and agrees on
# ECDHE-ECDSA-AES128-GCM-SHA256 with one that offers that.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem \
  -subj /CN=localhost -days 1 2>/dev/null
s=$(head -1 serials.txt)
for suite in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES128-GCM-SHA256; do
  p=$(free_port)
  sleep 3 | openssl s_server -accept "$p" -tls1_2 -cipher "$suite" -cert c.pem -key k.pem -naccept 1 > "sv-$suite.log" 2>&1 &
  sv=$!
  cleanup_hooks+=("kill $sv 2>/dev/null")
  for _ in $(seq 100); do ss -ltnH "sport = :$p" | grep -q . && break; sleep 0.05; done
  rc=0
  "$G" device onboard --state "d/$s" --brski "https://127.0.0.1:$p" --timeout 2 >/dev/null 2>&1 || rc=$?
  [ "$rc" -ne 0 ] || fail "the pledge onboarded against openssl s_server"
  kill "$sv" 2>/dev/null || true
  wait "$sv" 2>/dev/null || true
  if [ "$suite" = ECDHE-ECDSA-AES128-SHA ]; then
    grep -q "no shared cipher" "sv-$suite.log" || fail "pledge vs a CBC-SHA1 server: $(cat "sv-$suite.log")"
  else
    grep -q "CIPHER is $suite" "sv-$suite.log" || fail "pledge vs an AES-GCM TLS 1.2 server: $(cat "sv-$suite.log")"
  fi
done
ok "the pledge refuses a CBC-SHA1-only TLS 1.2 server and agrees on AES-GCM with a TLS 1.2 one"
finish
