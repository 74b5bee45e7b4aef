#!/usr/bin/env bash
# The evidence an auditor checks (issue 16, item 5): the site's log exported with a checkpoint of
# its RFC 9162 Merkle tree signed by the site, verified offline with the site's public key alone;
# an entry changed, removed, repeated or reordered, an entry changed together with its leaf hash,
# a checkpoint signed by another key, and a log rewritten under an earlier checkpoint are each
# refused with the check and the entry named. A device's own export carries inclusion proofs.
source "$(dirname "$0")/lib.sh"
"$G" factory init --state f --name "Acme" --masa-url-placeholder >/dev/null
"$G" factory make --state f --model m-1 --count 3 --out d > serials.txt
"$G" site init --state s --name "Example Site" >/dev/null
"$G" factory sell --state f --serials-from serials.txt --owner-cert s/domain-ca.pem --bundle b.pem >/dev/null
"$G" site import --state s b.pem --trust-anchor f/pki/root.pem >/dev/null
s1=$(head -1 serials.txt)
"$G" site quarantine --state s "$s1" --reason "audit test" >/dev/null
"$G" site release --state s "$s1" >/dev/null
KEY=s/evidence-signer.pem

"$G" site evidence export --state s --out e1.jsonl --json > x1.json
n=$(jq -r .tree_size x1.json)
[ "$n" -ge 8 ] || fail "too few entries: $(cat x1.json)"
"$G" site evidence verify e1.jsonl --key "$KEY" --json > v1.json || fail "verify: $(cat v1.json)"
[ "$(jq -r .entries v1.json)" = "$n" ] || fail "entries: $(cat v1.json)"
jq -e '.kinds["lifecycle-documentation"] > 0 and .kinds["trust-establishment"] > 0' v1.json >/dev/null || fail "kinds: $(cat v1.json)"
head -1 e1.jsonl | jq -e '.controls["AU-9(3)"] and .controls["IA-5(2)"] and .controls["CM-8"]' >/dev/null || fail "controls"
ok "export of $n entries verified offline against the site's key, grouped by kind, mapped to SP 800-53"

tamper() {  # tamper NAME PYTHON-EXPR-ON-lines
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
name, expr = sys.argv[1], sys.argv[2]
lines = open('e1.jsonl').read().split('\n')[:-1]
exec(expr)
open(name, 'w').write('\n'.join(lines) + '\n')
PY
}
tamper changed.jsonl 'lines[4] = lines[4].replace("\"ok\"", "\"OK\"", 1)'
expect_refused evidence.changed "$G" site evidence verify changed.jsonl --key "$KEY"
tamper removed.jsonl 'del lines[5]'
expect_refused evidence.removed "$G" site evidence verify removed.jsonl --key "$KEY"
tamper repeated.jsonl 'lines.insert(5, lines[4])'
expect_refused evidence.reordered "$G" site evidence verify repeated.jsonl --key "$KEY"
tamper reordered.jsonl 'lines[3], lines[4] = lines[4], lines[3]'
expect_refused evidence.reordered "$G" site evidence verify reordered.jsonl --key "$KEY"
tamper truncated.jsonl 'del lines[-1]'
expect_refused evidence.removed "$G" site evidence verify truncated.jsonl --key "$KEY"
# A forger who also recomputes the leaf hash: the block hashes under the signed root catch it.
tamper rehashed.jsonl '
import json, hashlib
j = json.loads(lines[4]); j["entry"]["reason"] = "nothing happened"
j["leaf"] = hashlib.sha256(b"\x00" + json.dumps(j["entry"], separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
lines[4] = json.dumps(j, separators=(",", ":"), sort_keys=True)'
expect_refused evidence.changed "$G" site evidence verify rehashed.jsonl --key "$KEY"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out other.pem 2>/dev/null
expect_refused evidence.checkpoint "$G" site evidence verify e1.jsonl --key other.pem
ok "changed, removed, repeated, reordered, truncated, re-hashed entries and another key are each refused, naming the entry"

# A device's own export: inclusion proofs per entry.
"$G" site evidence export --state s --serial "$s1" --out s1.jsonl
"$G" site evidence verify s1.jsonl --key "$KEY" --json > vs.json || fail "verify filtered: $(cat vs.json)"
jq -e '.filtered and .entries > 2' vs.json >/dev/null || fail "filtered: $(cat vs.json)"
sed -n 2p s1.jsonl | jq -e '.proof | length > 0' >/dev/null || fail "no inclusion proof"
expect_refused device.unknown "$G" site evidence export --state s --serial NOPE-1
ok "$s1's entries alone, each with its inclusion proof in the signed tree, verified"

# The next export proves it extends the previous checkpoint (consistency proof).
"$G" site quarantine --state s "$s1" --reason "second audit" >/dev/null
"$G" site evidence export --state s --out e2.jsonl
head -1 e2.jsonl | jq -e '.previous_checkpoint and (.consistency | length > 0)' >/dev/null || fail "no consistency proof"
"$G" site evidence verify e2.jsonl --key "$KEY" >/dev/null || fail "verify e2"
ok "a later export carries the previous checkpoint and a consistency proof from it"

# History rewritten in the database: the next export refuses to sign over it.
sqlite3 s/inventory.db "UPDATE events SET reason='rewritten' WHERE id=(SELECT MIN(id) FROM events)"
expect_refused evidence.consistency "$G" site evidence export --state s --out e3.jsonl
ok "an entry rewritten in the store under a signed checkpoint is refused at the next export"
finish
