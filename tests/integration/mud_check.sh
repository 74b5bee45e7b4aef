#!/usr/bin/env bash
# gatehouse mud check (issue 5): a valid RFC 8520 file compiles to rules that the real nft accepts
# (checked in a user+network namespace, nothing applied); an invalid file is refused with every
# problem listed by JSON path; legacy forms pass only with --legacy, which names each rewrite.
source "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || fail "nft missing (make deps installs nftables)"
V="$GH_TESTS/vectors/mud"

"$G" mud check "$V/rfc8520-example.json" > out.nft || fail "the RFC 8520 example was refused"
grep -q "chain dev_fr" out.nft && grep -q "chain dev_to" out.nft || fail "no device chains"
grep -q 'tcp dport 443 return comment "cloud-fr"' out.nft || fail "the cloud ACE is missing"
unshare -rn nft -c -f out.nft || fail "nft does not accept the compiled rules"
ok "the RFC 8520 example compiles to rules nft accepts (nft -c in a user namespace)"

"$G" mud check "$V/rfc8520-example.json" --json > out.json
jq -e '.valid and (.sets | any(.kind == "dns" and .key == "cloud.example.com")) and (."from-device" | length) >= 3' out.json >/dev/null \
  || fail "JSON output: $(head -c 300 out.json)"
ok "--json lists the sets the MUD manager fills and the rules per direction"

rc=0
"$G" mud check "$V/bad.json" > problems.txt 2> err.txt || rc=$?
[ "$rc" -eq 1 ] || fail "bad file: exit $rc"
[ "$(wc -l < problems.txt)" -ge 12 ] || fail "expected every problem listed, got: $(cat problems.txt)"
grep -q "^/ietf-mud:mud/mud-url: .*\[mud.url\]" problems.txt || fail "no mud-url problem"
grep -q "^/ietf-mud:mud/to-device-policy/access-lists/access-list/0/name: .*dst-dnsname.*\[mud.dnsname\]" problems.txt \
  || fail "dst-dnsname in a to-device ACL not reported"
grep -q "\[mud.invalid\]" err.txt || fail "no one-line reason: $(cat err.txt)"
"$G" mud check "$V/bad.json" --json > bad.json 2>/dev/null && fail "bad file accepted with --json"
jq -e '(.valid | not) and (.problems | length) >= 12' bad.json >/dev/null || fail "bad file JSON"
ok "an invalid file: exit 1, $(wc -l < problems.txt) problems each with its JSON path"

expect_refused mud.invalid "$G" mud check "$V/legacy.json"

"$G" mud check "$V/legacy.json" --legacy > legacy.nft || fail "--legacy did not accept the legacy file"
grep -q "# warning: .*rewrote type 'ipv4'" legacy.nft || fail "the rewrite is not named"
grep -v '^#' legacy.nft | unshare -rn nft -c -f - || fail "nft does not accept the legacy file's rules"
ok "a legacy file passes only with --legacy, each rewrite named, and compiles"

printf 'not json' > broken.json
expect_refused mud.invalid "$G" mud check broken.json
expect_usage "$G" mud check
# Published MUD files from other projects (tests/vectors/mud/field): every one Gatehouse accepts
# compiles to rules the real nft accepts.
n=0
while read -r verdict path; do
  case "$verdict" in plain|legacy) ;; *) continue ;; esac
  "$G" mud check --legacy "$V/field/$path" > field.nft 2>/dev/null || fail "$path: refused, expected $verdict"
  unshare -rn nft -c -f field.nft 2> nft.err || { cat nft.err; fail "$path: nft refuses the compiled rules"; }
  n=$((n + 1))
done < <(grep -v '^#' "$V/field/expected.txt")
[ "$n" -ge 50 ] || fail "only $n field files checked"
ok "$n published MUD files (NIST, UNSW, osMUD, mudmaker, Cisco, NAMIB) compile to rules nft accepts"
finish
