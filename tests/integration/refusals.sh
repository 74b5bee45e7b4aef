#!/usr/bin/env bash
# Bad input is refused with one line naming the failed check, exit 1, and changes nothing.
source "$(dirname "$0")/lib.sh"

"$G" factory init --state f --name "Refusal Devices" --masa-url-placeholder >/dev/null
"$G" factory make --state f --model m1 --count 3 --out d > serials.txt
"$G" site init --state s --name "Site A" >/dev/null
"$G" site init --state s2 --name "Site B" >/dev/null
s1=$(sed -n 1p serials.txt)

# Usage errors exit 2.
expect_usage "$G" factory make --state f --model m1 --out d --count
expect_usage "$G" factory make --state f --bogus-flag
expect_usage "$G" nosuchrole
expect_usage "$G" factory make --state f --model m1 --out d --count many
"$G" factory --help | grep -q "factory make" || fail "factory --help"
"$G" factory make --help | grep -q -- "--device-keystore" || fail "factory make --help"
ok "--help works for a role and a command"

# Selling an unknown serial: refused, nothing changes, no bundle.
before=$(sqlite3 f/registry.db "select group_concat(serial||declaration_version) from devices")
expect_refused sell.serial "$G" factory sell --state f --serial "$s1" --serial NOPE-1 --owner-cert s/domain-ca.pem --bundle b.pem
[ ! -e b.pem ] || fail "a bundle was written"
[ "$(sqlite3 f/registry.db "select group_concat(serial||declaration_version) from devices")" = "$before" ] || fail "registry changed"
ok "unknown serial changed nothing"

"$G" factory sell --state f --serial "$s1" --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null

# A bundle with a broken signature.
python_free_flip() { # flip one base64 character in the middle of the PEM body
  local n; n=$(wc -l < "$1"); local mid=$((n / 2))
  awk -v m="$mid" 'NR==m { c=substr($0,10,1); r=(c=="A")?"B":"A"; $0=substr($0,1,9) r substr($0,11) } {print}' "$1"
}
python_free_flip b.pem > broken.pem
cmp -s b.pem broken.pem && fail "flip did nothing"
expect_refused bundle.signature "$G" site import --state s broken.pem --trust-anchor f/pki/root.pem
[ "$("$G" site devices --state s --json | jq length)" -eq 0 ] || fail "devices recorded from a broken bundle"
ok "broken bundle changed nothing"

# Unknown manufacturer (no anchor given).
expect_refused bundle.anchor "$G" site import --state s b.pem
# A declaration for another owner.
expect_refused declaration.owner "$G" site import --state s2 b.pem --trust-anchor f/pki/root.pem
[ "$("$G" site devices --state s2 --json | jq length)" -eq 0 ] || fail "site B recorded devices"
"$G" site events --state s2 --json | jq -e '[.[] | select(.outcome=="refused" and .reason=="declaration.owner")] | length == 1' >/dev/null \
  || fail "refusal not in the evidence log"
ok "refusal is in site B's evidence log"
# The right site imports it.
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
[ "$("$G" site devices --state s --json | jq -r '.[0].state')" = expected ] || fail "device not expected"
ok "site A expects the device"

# A MUD file that is not JSON; one whose URL is not the IDevIDs'.
echo "not json {" > bad.json
expect_refused mud.json "$G" factory publish-mud --state f --model m1 --file bad.json
[ ! -e f/mud/m1.json ] || fail "bad MUD file published"
expect_refused sell.owner "$G" factory sell --state f --serial "$s1" --owner-cert s2/domain-ca.pem --bundle b2.pem

# Missing state, wrong role.
expect_refused state.missing "$G" factory make --state nowhere --model m1 --count 1 --out x
expect_refused state.role "$G" factory make --state s --model m1 --count 1 --out x
expect_refused state.exists "$G" factory init --state f --name again --masa-url-placeholder

# No secret in any log line: run everything at debug level and look for key material.
GATEHOUSE_LOG=debug "$G" factory make --state f --model m1 --count 2 --out d 2> log.txt >/dev/null
grep -q "PRIVATE KEY" log.txt && fail "key material in the log"
grep -rq "PRIVATE KEY" f/registry.db s/inventory.db && fail "key material in a database"
ok "no key material in logs or databases"
finish
