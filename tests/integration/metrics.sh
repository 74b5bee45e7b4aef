#!/usr/bin/env bash
# The site's /metrics (issue 17, item 3) with real processes: masa serve and site serve with the
# REST API listener; two devices onboard by BRSKI, one the site never bought is refused, an
# operator quarantines one from the CLI (another process: the evidence log carries it). /metrics
# is scraped over TLS with curl --cacert (also at /api/v1/metrics), `promtool check metrics`
# accepts it, and the series say what happened: onboardings by protocol and outcome, the refusal
# under its check, devices by state, LDevIDs expiring ahead, step latencies, policy decisions and
# the servers' connections and limits. With --metrics-role viewer a token is needed. Skipped (77)
# where promtool (Debian's prometheus package) is not installed.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "skipped: no promtool (Debian package prometheus)"; exit 77; }

mport=$(free_port)
"$G" factory init --state f --name "Acme" --masa-url "https://127.0.0.1:$mport" >/dev/null
"$G" factory make --state f --model cam-1 --count 3 --out d > serials.txt
s1=$(sed -n 1p serials.txt); s2=$(sed -n 2p serials.txt); s3=$(sed -n 3p serials.txt)
"$G" site init --state s --name "Site A" >/dev/null
sed -n 1,2p serials.txt > sold.txt
"$G" factory sell --state f --serials-from sold.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
start_server MASA "$G" masa serve --state f --listen "127.0.0.1:$mport"
# LDevIDs for 10 days: inside the 30-day window, outside the 7-day one.
start_server SITE "$G" site serve --state s --listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --no-mud --mirror-interval 0 --ldevid-seconds 864000
reg=$(sed -n 's/^registrar listening on //p' "$T/SITE.out")
api=$(sed -n 's/^api listening on //p' "$T/SITE.out")
base=${api%/api/v1/}
case "$base" in https://127.0.0.1:*) ;; *) fail "no API URL: $(cat "$T/SITE.out")" ;; esac

# scrape URL FILE [curl args]: the body to FILE, the status on stdout.
scrape() {
  local url=$1 out=$2; shift 2
  curl -sS --cacert s/domain-ca.pem -o "$out" -w '%{http_code}' "$@" "$url"
}
# value FILE SERIES: the sample's value ("" when the series is absent).
value() { awk -v s="$2 " 'index($0, s) == 1 { print substr($0, length(s) + 1) }' "$1"; }
# expect FILE SERIES VALUE
expect() {
  local got
  got=$(value "$1" "$2")
  [ "$got" = "$3" ] || fail "$2 is '${got}', expected $3 (in $1)"
}
check() { promtool check metrics < "$1" > "$1.promtool" 2>&1 || fail "promtool: $(cat "$1.promtool")"; }

[ "$(scrape "$base/metrics" before.txt)" = 200 ] || fail "GET /metrics: $(cat before.txt)"
check before.txt
expect before.txt 'gatehouse_onboardings_total{protocol="brski",outcome="ok"}' 0
expect before.txt 'gatehouse_devices{state="expected"}' 2
ok "/metrics over TLS without a token, verified with the domain CA; promtool accepts it"

for s in $s1 $s2; do
  "$G" device onboard --state "d/$s" --brski "$reg" --timeout 20 >/dev/null || fail "$s did not onboard"
done
expect_refused policy.unknown-device "$G" device onboard --state "d/$s3" --brski "$reg" --timeout 2
"$G" site quarantine --state s "$s2" --reason "metrics test" >/dev/null
[ "$(scrape "$base/metrics" after.txt)" = 200 ] || fail "GET /metrics: $(cat after.txt)"
check after.txt
expect after.txt 'gatehouse_onboardings_total{protocol="brski",outcome="ok"}' 2
expect after.txt 'gatehouse_onboardings_total{protocol="brski",outcome="refused"}' 1
expect after.txt 'gatehouse_onboardings_total{protocol="dpp",outcome="ok"}' 0
expect after.txt 'gatehouse_refusals_total{kind="brski.voucher-request",check="policy.unknown-device"}' 1
ok "onboardings: brski ok 2, refused 1; the refusal counted under its check policy.unknown-device"

expect after.txt 'gatehouse_devices{state="onboarded"}' 1
expect after.txt 'gatehouse_devices{state="quarantined"}' 1
expect after.txt 'gatehouse_devices{state="expected"}' 0
expect after.txt 'gatehouse_quarantines_total' 1
expect after.txt 'gatehouse_ldevids_expiring{within="30d"}' 2
expect after.txt 'gatehouse_ldevids_expiring{within="7d"}' 0
ok "devices by state (the CLI's quarantine included), LDevIDs expiring within 30 days 2, within 7 days 0"

for step in brski_voucher_request est_enroll; do
  expect after.txt "gatehouse_step_duration_seconds_count{step=\"$step\",outcome=\"ok\"}" 2
  expect after.txt "gatehouse_step_duration_seconds_bucket{step=\"$step\",outcome=\"ok\",le=\"+Inf\"}" 2
  sum=$(value after.txt "gatehouse_step_duration_seconds_sum{step=\"$step\",outcome=\"ok\"}")
  awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 60) }' || fail "$step took $sum s in all"
done
refused=$(value after.txt 'gatehouse_step_duration_seconds_count{step="brski_voucher_request",outcome="refused"}')
[ "${refused:-0}" -ge 1 ] || fail "the refused voucher request was not timed"
expect after.txt 'gatehouse_policy_decisions_total{protocol="brski",rule="default",decision="allow"}' 2
ok "latency histograms per step (voucher request, enrollment; the refusal too) and policy decisions by rule"

accepted=$(value after.txt 'gatehouse_server_connections_accepted_total{server="registrar"}')
[ "${accepted:-0}" -ge 3 ] || fail "registrar connections accepted: '$accepted'"
expect after.txt 'gatehouse_server_max_connections{server="registrar"}' 512
expect after.txt 'gatehouse_server_max_workers{server="api"}' 24
[ -n "$(value after.txt 'gatehouse_server_connections_open{server="api"}')" ] || fail "no API server series"
start=$(value after.txt process_start_time_seconds)
now=$(date +%s)
awk -v s="$start" -v n="$now" 'BEGIN { exit !(s > n - 600 && s <= n + 1) }' || fail "start time $start"
fds=$(value after.txt process_open_fds)
[ "${fds:-0}" -gt 3 ] || fail "open fds '$fds'"
ok "servers' connections and limits (registrar, api), process start time and descriptors"

[ "$(scrape "${api}metrics" v1.txt)" = 200 ] || fail "GET /api/v1/metrics"
expect v1.txt 'gatehouse_onboardings_total{protocol="brski",outcome="ok"}' 2
[ "$(curl -sS --cacert s/domain-ca.pem -o /dev/null -w '%{content_type}' "$base/metrics")" = "text/plain; version=0.0.4; charset=utf-8" ] \
  || fail "content type"
ok "/api/v1/metrics is the same; Content-Type text/plain; version=0.0.4"

# Token protection on request: a second API listener on the same site.
viewer=$("$G" site operator add vera --state s --role viewer 2>/dev/null)
expect_usage "$G" site serve --state s --api-listen 127.0.0.1:0 --metrics-role admin
start_server GUARD "$G" site serve --state s --api-listen 127.0.0.1:0 --no-mud --mirror-interval 0 \
  --metrics-role viewer
guard=$(sed -n 's/^api listening on //p' "$T/GUARD.out")
guard=${guard%/api/v1/}
[ "$(scrape "$guard/metrics" g.txt)" = 401 ] && jq -e '.error.check == "api.auth"' g.txt >/dev/null \
  || fail "no token: $(cat g.txt)"
[ "$(scrape "$guard/metrics" g.txt -H "Authorization: Bearer $viewer")" = 200 ] || fail "viewer: $(cat g.txt)"
check g.txt
ok "--metrics-role viewer: no token is 401 api.auth, a viewer's token scrapes"
finish
