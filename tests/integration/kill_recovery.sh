#!/usr/bin/env bash
# Killing `factory make --count 10000` at any moment and running it again yields no duplicate
# serial and no IDevID without its record (issue 2).
source "$(dirname "$0")/lib.sh"

"$G" factory init --state f --name "Crash Devices" --masa-url-placeholder >/dev/null
for delay in 0.3 0.9 1.7 0.05 2.5; do
  "$G" factory make --state f --model c1 --count 10000 --out d >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
# A last, complete run.
"$G" factory make --state f --model c1 --count 300 --out d >/dev/null 2>log.txt

db=f/registry.db
made=$(sqlite3 "$db" "select count(*) from devices where state='made'")
reserved=$(sqlite3 "$db" "select count(*) from devices where state='reserved'")
scrapped=$(sqlite3 "$db" "select count(*) from devices where state='scrapped'")
echo "made=$made reserved=$reserved scrapped=$scrapped"
[ "$reserved" -eq 0 ] || fail "$reserved devices left reserved"
[ "$made" -ge 300 ] || fail "expected at least 300 made devices"
[ "$(sqlite3 "$db" "select count(*) - count(distinct serial) from devices")" -eq 0 ] || fail "duplicate serials"

# Every image directory is a made device, with the IDevID the registry recorded.
ls d > dirs.txt
grep -q '^\.partial' dirs.txt && fail "partial images left behind"
[ "$(wc -l < dirs.txt)" -eq "$made" ] || fail "$(wc -l < dirs.txt) images for $made made devices"
sqlite3 "$db" "select serial from devices where state='made' order by serial" > made.txt
diff made.txt dirs.txt >/dev/null || fail "images and made records differ"
# Spot-check the IDevID on disk is the one on record, for a sample across the runs.
for s in $(awk 'NR % 97 == 1' made.txt); do
  on_disk=$(openssl x509 -in "d/$s/bootstrap/idevid.pem" -noout -fingerprint -sha256)
  recorded=$(sqlite3 "$db" "select idevid_pem from devices where serial='$s'" | openssl x509 -noout -fingerprint -sha256)
  [ "$on_disk" = "$recorded" ] || fail "$s: IDevID on disk is not the recorded one"
done
# No IDevID serialNumber appears twice across all images.
# One openssl process reads every certificate of every image.
sed 's|.*|d/&/bootstrap/idevid.pem|' made.txt | xargs cat > all.pem
openssl crl2pkcs7 -nocrl -certfile all.pem | openssl pkcs7 -print_certs -noout | grep -o 'serialNumber = [^,]*' > subjects.txt
[ "$(wc -l < subjects.txt)" -eq "$made" ] || fail "$(wc -l < subjects.txt) IDevID subjects for $made devices"
[ "$(sort subjects.txt | uniq -d | wc -l)" -eq 0 ] || fail "duplicate IDevID serialNumbers"
ok "after 5 kills: $made made, $scrapped scrapped, none reserved, no duplicates, every image recorded"
finish
