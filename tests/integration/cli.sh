#!/usr/bin/env bash
# The CLI explains itself (issue 17, item 4), tried as a new user would: factory init wants a real
# MASA URL and says where things are; listings are JSON arrays; bad usage exits 2 and a found
# problem 1; site events filters, follows and refuses an unknown serial; tables have headers and
# readable times; network errors name the peer and say refused or timed out; device connect stays
# off this host's interfaces; lab status finds the lab; progress only on a terminal (factory make,
# site import); a command's --help ends with an example; no escapes.
source "$(dirname "$0")/lib.sh"
here=$(pwd -P)
esc=$'\x1b'

# --- factory init: no made-up MASA URL unless asked for; says where the root and the URL are.
expect_usage "$G" factory init --state f0 --name "Acme"
out=$("$G" factory init --state f0 --name "Acme" 2>&1) || true
grep -q -- "--masa-url-placeholder" <<< "$out" || fail "the refusal does not say how to get a placeholder: $out"
[ ! -e f0 ] || fail "a refused factory init left state behind"
expect_usage "$G" factory init --state f0 --name "Acme" --masa-url http://masa.example.com
expect_usage "$G" factory init --state f0 --name "Acme" --masa-url https://masa.example.com --masa-url-placeholder
mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://127.0.0.1:$mport" > init.out
grep -qx "MASA URL in every IDevID: https://127.0.0.1:$mport" init.out || fail "factory init does not print the MASA URL: $(cat init.out)"
grep -qF "manufacturer root: $here/f/pki/root.pem (SHA256:" init.out || fail "factory init does not print the root's path: $(cat init.out)"
"$G" factory init --state fp --name "Placeholder Devices" --masa-url-placeholder | grep -q "placeholder" || fail "no placeholder note"
ok "factory init refuses a missing MASA URL (exit 2) unless --masa-url-placeholder; prints the MASA URL and the root's absolute path"

# --- A site with four devices (the tests below need a populated inventory and log).
"$G" factory make --state f --model th-1 --count 4 --out d --json > made.json 2> make.err
jq -e 'type == "array" and length == 4 and all(has("serial") and has("image") and has("dpp_uri"))' made.json >/dev/null \
  || fail "factory make --json is not one array: $(cat made.json)"
[ ! -s make.err ] || fail "factory make wrote to stderr that is not a terminal: $(cat make.err)"
jq -r '.[].serial' made.json > serials.txt
s1=$(sed -n 1p serials.txt); s2=$(sed -n 2p serials.txt); s3=$(sed -n 3p serials.txt); s4=$(sed -n 4p serials.txt)
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem > import.out 2> import.err
grep -q "^imported bundle from Acme: 4 new" import.out || fail "site import: $(cat import.out import.err)"
[ ! -s import.err ] || fail "site import wrote to stderr that is not a terminal: $(cat import.err)"
ok "factory make --json: one array; factory make and site import: nothing on a non-terminal stderr"

# --- One JSON shape per listing: an array, empty or not.
for cmd in "site devices --state s" "site events --state s" "factory devices --state f" \
           "site attest show --state s --serial $s1" "site campaign status --state s" \
           "site operator list --state s"; do
  # shellcheck disable=SC2086
  "$G" $cmd --json | jq -e 'type == "array"' >/dev/null || fail "$cmd --json is not an array: $("$G" $cmd --json)"
done
ok "site devices, site events, factory devices, site attest show, site campaign status, site operator list: --json is an array"
"$G" site events --state s --serial NOPE-1 --json 2> err.json >/dev/null && fail "an unknown serial was listed"
jq -e '.error.check == "inventory.unknown"' err.json >/dev/null || fail "--json error: $(cat err.json)"
ok "with --json the error is JSON too"

# --- Usage errors exit 2: bad URL schemes, malformed addresses, values out of range.
expect_usage "$G" device onboard --state "d/$s1" --brski http://127.0.0.1:1
expect_usage "$G" device onboard --state "d/$s1" --dpp not-an-address
expect_usage "$G" device run --state "d/$s1" --site ftp://site.example
expect_usage "$G" device renew --state "d/$s1" --site site.example
expect_usage "$G" site trust add --state s f/pki/root.pem --masa-url http://masa.example
expect_usage "$G" factory make --state f --model th-1 --count 1 --out d --mud-url http://mud.example/x.json
expect_usage "$G" factory make --state f --model th-1 --count 0 --out d
expect_usage "$G" device onboard --state "d/$s1" --brski https://127.0.0.1:1 --timeout 0
expect_usage "$G" device dpp listen --state "d/$s1" --port 70000
expect_usage "$G" bench brski --devices 0
expect_usage "$G" site events --state s --since yesterday
expect_usage "$G" site assets check --state s --fail-on everything

# --- site assets check: exit 1 on a problem, --fail-on chooses which.
printf '{"at": %s, "leases": [{"mac": "02:00:5e:00:99:99", "ip": "10.77.0.99"}]}\n' "$(date +%s)" > s/router-view.json
expect_refused assets.problems "$G" site assets check --state s
{ "$G" site assets check --state s --json 2>/dev/null || true; } | jq -e '.unknown | length == 1' >/dev/null \
  || fail "the report is not printed with the exit status"
"$G" site assets check --state s --fail-on address_drift,mud_violations >/dev/null || fail "--fail-on: a kind not found failed"
"$G" site assets check --state s --fail-on none >/dev/null || fail "--fail-on none failed"
expect_refused assets.problems "$G" site assets check --state s --fail-on mud_violations,unknown
ok "site assets check exits 1 on a problem of the kinds --fail-on names (default any)"

# --- Tables: a header row, readable UTC times; text from anyone made terminal-safe.
"$G" site retire --state s "$s3" --reason "${esc}[31mred${esc}[0m" >/dev/null
"$G" site events --state s > events.txt
head -1 events.txt | grep -qE '^TIME +SERIAL +KIND +OUTCOME +REASON$' || fail "site events header: $(head -1 events.txt)"
sed -n 2p events.txt | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}Z  ' || fail "site events time: $(sed -n 2p events.txt)"
grep -qF '\x1b[31mred\x1b[0m' events.txt || fail "the escape in the reason is not shown as text: $(grep "$s3" events.txt)"
"$G" site devices --state s | head -1 | grep -qE '^SERIAL +MODEL +MANUFACTURER +STATE +UPDATED$' || fail "site devices header"
"$G" factory devices --state f | head -1 | grep -qE '^SERIAL +MODEL +STATE +OWNER +DECLARATION +MADE$' || fail "factory devices header"
"$G" factory devices --state f | grep "$s1" | grep -qE ' [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z$' || fail "factory devices time"
ok "site events, site devices, factory devices: header rows, times as 2026-12-06 04:05:06Z, control characters shown as \\xNN"

# --- site events --since / --kind / --serial / --follow.
n_all=$("$G" site events --state s --json | jq length)
[ "$("$G" site events --state s --since 10m --json | jq length)" -eq "$n_all" ] || fail "--since 10m"
[ "$("$G" site events --state s --since 2000-01-01T00:00:00Z --json | jq length)" -eq "$n_all" ] || fail "--since RFC 3339"
[ "$("$G" site events --state s --since 2099-01-01T00:00:00Z --json | jq length)" -eq 0 ] || fail "--since in the future"
"$G" site events --state s --kind 'bundle.*' --json | jq -e 'length >= 1 and all(.kind | startswith("bundle."))' >/dev/null || fail "--kind glob"
"$G" site events --state s --kind device --json | jq -e 'length == 5 and all(.kind | startswith("device."))' >/dev/null || fail "--kind prefix"
"$G" site events --state s --kind device.ret --json | jq -e 'length == 1 and .[0].kind == "device.retired"' >/dev/null || fail "--kind prefix"
"$G" site events --state s --kind 'nothing*,device.ret*' --serial "$s3" --json | jq -e 'length == 1' >/dev/null || fail "--kind list with --serial"
expect_refused inventory.unknown "$G" site events --state s --serial NOPE-1
"$G" site events --state s --follow --kind device.retired --json > follow.out 2> follow.err &
fpid=$!
cleanup_hooks+=("kill $fpid 2>/dev/null")
sleep 1
"$G" site retire --state s "$s4" --reason "followed" >/dev/null
for _ in $(seq 40); do grep -q followed follow.out && break; sleep 0.1; done
kill -TERM "$fpid"
rc=0; wait "$fpid" || rc=$?
[ "$rc" -eq 0 ] || fail "site events --follow did not end cleanly on SIGTERM ($rc): $(cat follow.err)"
jq -se 'length == 2 and .[0].serial == "'"$s3"'" and .[1].serial == "'"$s4"'" and .[1].reason == "followed"' follow.out >/dev/null \
  || fail "--follow: $(cat follow.out)"
ok "site events: --since (RFC 3339 or 10m), --kind (glob, prefix, list), an unknown serial refused, --follow prints new entries until SIGTERM"

# --- Network errors name the peer and say refused or timed out; a Retry-After past the timeout.
dead=$(free_port)
out=$("$G" device onboard --state "d/$s1" --brski "https://127.0.0.1:$dead" --timeout 1 2>&1 >/dev/null) && fail "onboarded to nothing"
grep -qF "127.0.0.1:$dead" <<< "$out" && grep -q "refused" <<< "$out" || fail "a refused connection: $out"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(60)' > silent.port &
spid=$!
cleanup_hooks+=("kill $spid 2>/dev/null")
for _ in $(seq 50); do [ -s silent.port ] && break; sleep 0.1; done
sport=$(cat silent.port)
out=$("$G" device onboard --state "d/$s1" --brski "https://127.0.0.1:$sport" --timeout 2 2>&1 >/dev/null) && fail "onboarded to a silent peer"
grep -qF "127.0.0.1:$sport" <<< "$out" && grep -q "timed out" <<< "$out" || fail "a silent peer: $out"
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0
out=$("$G" device onboard --state "d/$s1" --brski "$SITE_URL" --timeout 5 2>&1 >/dev/null) && fail "onboarded without a MASA"
grep -q "Retry-After" <<< "$out" && grep -q "30 s" <<< "$out" && grep -q "timeout of 5 s" <<< "$out" || fail "Retry-After past the timeout: $out"
ok "network errors: '$(tail -1 <<< "$out" | cut -c1-150)...'"

# --- device connect: never on this host's interface without --iface.
expect_usage "$G" device connect --state "d/$s1"
out=$("$G" device connect --state "d/$s1" 2>&1) || true
grep -q -- "--iface" <<< "$out" || fail "the refusal does not name --iface: $out"
if [ "$(id -u)" -eq 0 ] && ip netns add "gh-cli-$$" 2>/dev/null; then
  cleanup_hooks+=("ip netns del gh-cli-$$ 2>/dev/null")
  rc=0; ip netns exec "gh-cli-$$" "$G" device connect --state "d/$s1" >/dev/null 2>connect.err || rc=$?
  # (past the --iface check: refused because the device is not onboarded; no supplicant runs)
  [ "$rc" -eq 1 ] || fail "device connect in a namespace of its own: exit $rc, $(cat connect.err)"
  ok "device connect: --iface required on the host (exit 2); eth0 assumed in a namespace of the device's own"
else
  ok "device connect: --iface required on the host (exit 2)"
fi

# --- lab status names the lab's directory absolutely (a lab that is not up here).
rec=/run/gatehouse-lab/dir
if [ -s "$rec" ] && [ -e "$(cat "$rec")/lab.json" ]; then
  "$G" lab status --dir nolab --json | jq -e --arg d "$(cat "$rec")" '.dir == $d' >/dev/null || fail "lab status does not find the lab that is up"
  ok "lab status --dir elsewhere finds the lab that is up"
else
  expect_refused lab.down "$G" lab status --dir nolab
  out=$("$G" lab status --dir nolab 2>&1) || true
  grep -qF "$here/nolab" <<< "$out" || fail "lab status does not name the directory absolutely: $out"
  ok "lab status: no lab, named by its absolute path"
  # A lab record cut short or edited by hand is shown with "?" for what it lacks, not a crash.
  mkdir -p cutlab
  echo '{"namespaces":[{"name":"gh-router","addresses":[7]}],"devices":[1],"hosts":"x","dashboard":{}}' > cutlab/lab.json
  out=$("$G" lab status --dir cutlab 2>&1) || fail "lab status on a record cut short: $out"
  grep -q '^gh-router  ?  ? $' <<< "$out" && grep -q '^device ? in ? (?)' <<< "$out" \
    || fail "lab status on a record cut short: $out"
  ok "lab status: a record cut short is shown with ? for what it lacks"
fi

# --- Progress on a terminal only, serials still one a line.
"$G" factory make --state f --model th-1 --count 2 --out d2 > made2.txt 2> make2.err
[ "$(wc -l < made2.txt)" -eq 2 ] && [ ! -s make2.err ] || fail "factory make without a terminal: $(cat made2.txt make2.err)"
# (script is util-linux's, in every Debian: bsdutils is essential)
script -qec "'$G' factory make --state f --model th-1 --count 2 --out d3" /dev/null > tty.out
grep -q "making devices: 2/2" tty.out || fail "no progress line on a terminal: $(cat -v tty.out)"
# (the bundle imported above, again: verified whole, every device unchanged)
script -qec "'$G' site import --state s b.pem" /dev/null > tty-import.out
grep -q "verifying devices: 4/4 (100%)" tty-import.out && grep -q "importing devices: 4/4" tty-import.out \
  || fail "no site import progress on a terminal: $(cat -v tty-import.out)"
grep -q "imported bundle from Acme: 0 new, 0 updated, 4 unchanged" tty-import.out \
  || fail "site import's result on a terminal: $(cat -v tty-import.out)"
ok "progress (count, rate, ETA) on a terminal's stderr only: factory make, site import"

# --- A command's --help ends with an example of it (tests/unit/cli/commands_test.cpp checks that
# every example parses); internal commands are not listed.
for cmd in "site serve" "site import" "factory init"; do
  # shellcheck disable=SC2086
  "$G" $cmd --help > help.out || fail "$cmd --help"
  [ "$(tail -2 help.out | head -1)" = "example:" ] && tail -1 help.out | grep -q "^  gatehouse $cmd --state /var/lib/gatehouse/" \
    || fail "$cmd --help does not end with an example: $(cat help.out)"
done
"$G" site serve --help | tail -1 | grep -qx "  gatehouse site serve --state /var/lib/gatehouse/site --listen 0.0.0.0:8443 --api-listen 127.0.0.1:8444" \
  || fail "site serve's example: $("$G" site serve --help | tail -1)"
"$G" router --help | grep -q "dhcp-event" && fail "router --help lists an internal command"
ok "site serve, site import, factory init: --help ends with an example section"

# --- No escape sequence anywhere when the output is not a terminal.
{
  "$G" --help; "$G" site --help; "$G" factory make --help; "$G" site events --state s
  "$G" site devices --state s; "$G" factory devices --state f; "$G" site devices show --state s "$s3" --history
  "$G" site assets check --state s --fail-on none; "$G" site events --state s --serial NOPE 2>&1 || true
} > all.out 2>&1
grep -q "$esc" all.out && fail "an escape sequence in non-terminal output: $(grep -n "$esc" all.out | cat -v | head -3)"
ok "no ANSI escapes in help, tables, reports or errors when the output is not a terminal"

finish
