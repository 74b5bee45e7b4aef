#!/usr/bin/env bash
# Issue 13 item 5: every input from outside has a size limit and a memory bound. Each command runs
# with its address space limited to 256 MB and is refused with the check named (exit 1), never
# aborted or killed: an endless bundle, an alias-bomb policy, a 200 MB MUD file, and the rest.
source "$(dirname "$0")/lib.sh"

# AddressSanitizer reserves terabytes of address space up front, so an ASan build cannot run under
# `ulimit -v`: there only the refusals are checked.
if [ -n "${ASAN_OPTIONS:-}" ] || grep -q libasan <(ldd "$G" 2>/dev/null) || grep -q __asan_init <(nm "$G" 2>/dev/null); then
  echo "note: sanitizer build, no address-space limit"
  limited() { "$@"; }
else
  limited() { (ulimit -v 262144 && exec "$@"); }
fi

"$G" factory init --state f --name "Acme" --masa-url "https://localhost:1" >/dev/null
"$G" factory make --state f --model th-1 --count 1 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
d1=$(cat serials.txt)

# The limit itself leaves room for the real work: a genuine bundle, policy and MUD file pass.
limited "$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null || fail "a genuine bundle under the limit"
cat > good.yaml <<'YAML'
default: {action: allow}
rules:
  - name: cameras
    match: {model: &cams [cam-1, cam-2]}
    action: allow
  - {name: more-cameras, match: {model: *cams}, action: allow, segment: cameras}
YAML
limited "$G" site policy set --state s good.yaml >/dev/null || fail "a genuine policy under the limit"
limited "$G" mud check "$GH_TESTS/vectors/mud/rfc8520-example.json" >/dev/null || fail "a genuine MUD file under the limit"
ok "genuine inputs pass under a 256 MB address-space limit"

# Bundles: an endless device, an endless pipe, a large file; nothing imported.
expect_refused bundle.size limited "$G" site import --state s /dev/zero
expect_refused bundle.size limited "$G" site import --state s <(yes -- "-----BEGIN CMS-----")
truncate -s 200M big-bundle.pem
expect_refused bundle.size limited "$G" site import --state s big-bundle.pem
rm -f big-bundle.pem

# Policies: the alias bomb (206 KB that a reader following aliases sees as ten million values),
# nested aliases, an endless file. None is installed; the genuine policy stays.
python3 - > bomb.yaml <<'PY'
print("rules:")
print("  - name: r0\n    action: allow\n    match:\n      serial: &s [" + ",".join("s%d" % i for i in range(10000)) + "]")
for r in range(1, 1000):
    print("  - {name: r%d, action: allow, match: {serial: *s}}" % r)
PY
[ "$(stat -c %s bomb.yaml)" -lt 300000 ] || fail "the bomb is not small"
expect_refused policy.size limited "$G" site policy set --state s bomb.yaml
python3 - > laughs.yaml <<'PY'
print("rules:\n  - {name: a, action: allow, match: {serial: &a [x,x,x,x,x,x,x,x,x,x]}}")
for i, c in enumerate("bcdefghij"):
    prev = "abcdefghij"[i]
    print("  - {name: %s, action: allow, match: {serial: &%s [%s]}}" % (c, c, ",".join(["*" + prev] * 10)))
PY
expect_refused policy.size limited "$G" site policy set --state s laughs.yaml
expect_refused policy.size limited "$G" site policy set --state s /dev/zero
cmp -s good.yaml s/policy.yaml || fail "a refused policy replaced the installed one"
# A bomb placed as the policy file itself: the site refuses to load it (evidence log) and keeps
# answering with the policy it runs.
cp bomb.yaml s/policy.yaml
limited "$G" site policy check --state s "$d1" >/dev/null || fail "site policy check with a bomb on disk"
"$G" site events --state s --json | jq -e '[.[] | select(.kind=="policy.reload" and .reason=="policy.size")] | length >= 1' >/dev/null \
  || fail "the refused policy file is not in the evidence log"
ok "a policy file on disk beyond the limits is refused and recorded (policy.size)"
truncate -s 2M s/policy.yaml
expect_refused policy.size limited "$G" site policy show --state s
cp good.yaml s/policy.yaml

# MUD files: 200 MB on disk (sparse), 200 MB streamed as one JSON string, too many values.
truncate -s 200M big-mud.json
expect_refused mud.size limited "$G" mud check big-mud.json
rm -f big-mud.json
expect_refused mud.size limited "$G" mud check <({ printf '{"ietf-mud:mud": {"systeminfo": "'; head -c 200M /dev/zero | tr '\0' a; printf '"}}'; })
# Within the bytes, too many values or too deep a nesting: the file is invalid, its one problem
# mud.size (mud check lists a file's problems, then refuses it as mud.invalid).
python3 -c 'print("[" + ",".join(["0"] * 120000) + "]")' > many.json
python3 -c 'print("{\"x\": " + "[" * 100 + "]" * 100 + "}")' > deep.json
for f in many.json deep.json; do
  expect_refused mud.invalid limited "$G" mud check "$f"
  out=$(limited "$G" mud check "$f" 2>&1) || true
  printf '%s' "$out" | grep -q '\[mud.size\]' || fail "$f: not refused as mud.size: $out"
done
expect_refused mud.size limited "$G" factory publish-mud --state f --model th-1 --file /dev/zero

# Certificates and lists from outside.
expect_refused cert.size limited "$G" site trust add --state s /dev/zero
expect_refused cert.size limited "$G" site import --state s b.pem --trust-anchor /dev/zero
expect_refused cert.size limited "$G" factory sell --state f --serial "$d1" --owner-cert /dev/zero --bundle x.pem
expect_refused serials.size limited "$G" factory sell --state f --serials-from /dev/zero --owner-cert s/domain-ca.pem --bundle x.pem
finish
