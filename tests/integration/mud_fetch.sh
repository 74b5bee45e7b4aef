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
# An older device whose birth credentials name no MUD URL (the site assigns one below).
s7=$("$G" factory make --state f --model cam-7 --count 1 --out d)
echo "$s7" >> serials.txt
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

cp f/mud/cam-9.json good.json; cp f/mud/cam-9.json.p7s good.json.p7s
sed -i 's/cam-9/cam-X/' f/mud/cam-9.json   # changed after signing
expect_refused mud.signature "$G" site mud show --state s "$s1" --fetch
cp good.json f/mud/cam-9.json
cp f/mud/cam-8.json f/mud/cam-9.json; cp f/mud/cam-8.json.p7s f/mud/cam-9.json.p7s  # validly signed, other URL
expect_refused mud.url-mismatch "$G" site mud show --state s "$s1" --fetch

# A device without a birth MUD URL gets one from a DHCP or DPP announcement or from the operator
# (site mud assign): the file must be signed under the root that issued the device's IDevID, so
# a device cannot borrow another manufacturer's (more open) file. A second manufacturer, trusted
# by the site, publishes its own.
cp good.json f/mud/cam-9.json; cp good.json.p7s f/mud/cam-9.json.p7s
oport=$(free_port); omport=$(free_port)
ourl="https://localhost:$oport/x-1.json"
"$G" factory init --state o --name "Other" --masa-url "https://localhost:$omport" >/dev/null
"$G" factory make --state o --model x-1 --count 1 --out od --mud-url "$ourl" > oserials.txt
sed -e "s#$url#$ourl#" -e 's/cam-9/x-1/' cam9.json > x1.json
"$G" factory publish-mud --state o --model x-1 --file x1.json >/dev/null
"$G" factory sell --state o --serials-from oserials.txt --owner-cert s/domain-ca.pem --bundle ob.pem >/dev/null
"$G" site import --state s ob.pem --trust-anchor o/pki/root.pem >/dev/null
start_server OMASA "$G" masa serve --state o --listen "127.0.0.1:$omport" --mud-listen "127.0.0.1:$oport"
expect_refused mud.none "$G" site mud show --state s "$s7"
expect_refused mud.url "$G" site mud assign --state s "$s7" "http://localhost:$port/cam-9.json"
expect_refused mud.url-conflict "$G" site mud assign --state s "$s1" "$ourl"
"$G" site mud assign --state s "$s7" "$ourl" >/dev/null || fail "site mud assign"
expect_refused mud.claim-pending "$G" site mud show --state s "$s7"
expect_refused mud.signer-manufacturer "$G" site mud show --state s "$s7" --fetch
"$G" site devices --state s --json | jq -e --arg s "$s7" '.[] | select(.serial==$s) | .mud_url_claimed == {"url":"'"$ourl"'","source":"operator","status":"refused"} and .mud_url_enforced == ""' >/dev/null \
  || fail "the refused claim: $("$G" site devices --state s --json | jq -c --arg s "$s7" '.[] | select(.serial==$s)')"
"$G" site mud assign --state s "$s7" "$url" >/dev/null || fail "site mud assign (own manufacturer's file)"
"$G" site mud show --state s "$s7" --fetch > rules7.nft || fail "the claim of its own manufacturer's file was not accepted"
grep -q 'comment "cloud"' rules7.nft || fail "compiled rules for the assigned URL"
"$G" site devices --state s --json | jq -e --arg s "$s7" '.[] | select(.serial==$s) | .mud_url_claimed.status == "accepted" and .mud_url_enforced == "'"$url"'"' >/dev/null \
  || fail "the accepted claim is not enforced"
"$G" site events --state s --serial "$s7" --json | jq -e '[.[] | select(.kind=="mud.claim")] | map(.outcome + ":" + .reason) == ["ok:assigned by the operator; pending verification", "refused:mud.signer-manufacturer", "ok:assigned by the operator; pending verification", "ok:accepted: signed under the device'"'"'s manufacturer root"]' >/dev/null \
  || fail "claims on record: $("$G" site events --state s --serial "$s7" --json | jq -c '[.[] | select(.kind=="mud.claim") | [.outcome, .reason]]')"
kill "$OMASA_PID"; wait "$OMASA_PID" 2>/dev/null || true
ok "an assigned MUD URL is used only when signed under the device's own manufacturer root (another manufacturer's file refused); a birth URL is never replaced"

kill "$MASA_PID"; wait "$MASA_PID" 2>/dev/null || true
expect_refused net.connect "$G" site mud show --state s "$s1" --fetch
grep -q 'comment "cloud"' <<< "$("$G" site mud show --state s "$s1")" || fail "the last good copy did not stay"
[ "$("$G" site events --state s --json | jq '[.[] | select(.kind=="mud.fetch" and .outcome=="refused")] | length')" -eq 3 ] \
  || fail "refusals not logged: $("$G" site events --state s --json | jq -c '[.[] | select(.kind=="mud.fetch")]')"
ok "a changed file, another file's signature and an unreachable server are refused and logged; the good copy stays"
finish
