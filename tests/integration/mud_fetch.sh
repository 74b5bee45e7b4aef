#!/usr/bin/env bash
# The site's MUD manager against the manufacturer's MUD file server (masa serve --mud-listen):
# a verified fetch; a file changed after signing, a file whose mud-url is another URL, and an
# unreachable server are each refused with the check named, logged, and the last good copy stays.
source "$(dirname "$0")/lib.sh"
mport=$(free_port); port=$(free_port)
url="https://localhost:$port/cam-9.json"
"$G" factory init --state f --name "Acme" --masa-url "https://localhost:$mport" >/dev/null
"$G" factory make --state f --model cam-9 --count 1 --out d --mud-url "$url" > serials.txt
"$G" factory make --state f --model cam-8 --count 1 --out d --mud-url "https://localhost:$port/cam-8.json" >/dev/null
s1=$(cat serials.txt)
mud() {  # mud MODEL URL
  cat <<JSON
{"ietf-mud:mud":{"mud-version":1,"mud-url":"$2","last-update":"2026-11-01T00:00:00Z","cache-validity":48,
 "is-supported":true,"systeminfo":"$1","from-device-policy":{"access-lists":{"access-list":[{"name":"fr"}]}}},
 "ietf-access-control-list:acls":{"acl":[{"name":"fr","type":"ipv4-acl-type","aces":{"ace":[
  {"name":"cloud","matches":{"ipv4":{"protocol":6,"ietf-acldns:dst-dnsname":"cloud.example.com"},
   "tcp":{"destination-port":{"operator":"eq","port":443}}},"actions":{"forwarding":"accept"}}]}}]}}
JSON
}
mud cam-9 "$url" > cam9.json
mud cam-8 "https://localhost:$port/cam-8.json" > cam8.json
"$G" factory publish-mud --state f --model cam-9 --file cam9.json >/dev/null
"$G" factory publish-mud --state f --model cam-8 --file cam8.json >/dev/null
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport" --mud-listen "127.0.0.1:$port"

expect_refused mud.not-fetched "$G" site mud show --state s "$s1"
"$G" site mud show --state s "$s1" --fetch > rules.nft || fail "a verified fetch failed"
grep -q "signed by .*MUD file signer" rules.nft || fail "the signer is not named: $(head -1 rules.nft)"
grep -q 'tcp dport 443 return comment "cloud"' rules.nft || fail "compiled rules"
curl -sf --cacert f/pki/root.pem "$url" | cmp - f/mud/cam-9.json || fail "curl does not get the same file over verified TLS"
ok "fetched over HTTPS (server certificate under the manufacturer root), signature verified, compiled"

cp f/mud/cam-9.json good.json
sed -i 's/cam-9/cam-X/' f/mud/cam-9.json   # changed after signing
expect_refused mud.signature "$G" site mud show --state s "$s1" --fetch
cp good.json f/mud/cam-9.json
cp f/mud/cam-8.json f/mud/cam-9.json; cp f/mud/cam-8.json.p7s f/mud/cam-9.json.p7s  # validly signed, other URL
expect_refused mud.url-mismatch "$G" site mud show --state s "$s1" --fetch
kill "$MASA_PID"; wait "$MASA_PID" 2>/dev/null || true
expect_refused net.connect "$G" site mud show --state s "$s1" --fetch
grep -q 'comment "cloud"' <<< "$("$G" site mud show --state s "$s1")" || fail "the last good copy did not stay"
[ "$("$G" site events --state s --json | jq '[.[] | select(.kind=="mud.fetch" and .outcome=="refused")] | length')" -eq 3 ] \
  || fail "refusals not logged: $("$G" site events --state s --json | jq -c '[.[] | select(.kind=="mud.fetch")]')"
ok "a changed file, another file's signature and an unreachable server are refused and logged; the good copy stays"
finish
