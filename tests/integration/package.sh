#!/usr/bin/env bash
# The Debian package (issue 17, packaging): CPack packages the binary under test, the systemd
# units and the /etc/default files exactly as `make package` does (cmake/Packaging.cmake), from a
# packaging-only configure of this source tree pointed at the binary (GATEHOUSE_PACKAGE_BINARY):
# nothing is compiled, so the test costs seconds, not the minutes of a second (Release) build.
# Then the .deb: its files, its conffiles and maintainer scripts, a stripped binary, Depends
# from dpkg-shlibdeps, no lintian errors, units that systemd-analyze verifies, and each unit's
# exposure score. Skipped (77) without dpkg-deb; without lintian or systemd-analyze it fails (make
# deps installs lintian, dpkg-dev and systemd).
source "$(dirname "$0")/lib.sh"
command -v dpkg-deb >/dev/null || { echo "skipped: no dpkg-deb"; exit 77; }
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps missing (make deps installs dpkg-dev)"
SRC=$(cd "$GH_TESTS/.." && pwd)
CMAKE=${GH_CMAKE:-cmake}
CPACK=${GH_CPACK:-cpack}
units="gatehouse-masa gatehouse-site gatehouse-router"

"$CMAKE" -S "$SRC" -B pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DGATEHOUSE_PACKAGE=ON -DGATEHOUSE_PACKAGE_BINARY="$G" -DGATEHOUSE_UI=OFF \
  -DGATEHOUSE_PACKAGE_UI="$(dirname "$G")/ui" > configure.log 2>&1 \
  || { cat configure.log >&2; fail "packaging configure"; }
"$CPACK" --config pkg/CPackConfig.cmake -B out > cpack.log 2>&1 || { cat cpack.log >&2; fail "cpack"; }
[ -z "$(find pkg -name '*.o' -print -quit)" ] || fail "cpack compiled something"
debs=(out/gatehouse_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in out/, got: $(ls out)"
deb=${debs[0]}
ok "cpack built $(basename "$deb") from the binary under test, compiling nothing"

dpkg-deb -c "$deb" > contents.txt
awk '{print $NF}' contents.txt > files.txt
for f in ./usr/bin/gatehouse ./usr/share/man/man1/gatehouse.1.gz \
  ./usr/share/doc/gatehouse/copyright ./usr/share/doc/gatehouse/changelog.Debian.gz \
  ./usr/share/gatehouse/ui/index.html; do
  grep -qxF "$f" files.txt || fail "$f not in the package: $(cat files.txt)"
done
for u in $units; do
  grep -qxF "./lib/systemd/system/$u.service" files.txt || fail "no $u.service in the package"
  grep -qxF "./etc/default/$u" files.txt || fail "no /etc/default/$u in the package"
done
grep -q '^-rwxr-xr-x root/root .*\./usr/bin/gatehouse$' contents.txt || fail "the binary is not root's 0755"
ok "the package holds /usr/bin/gatehouse, its manual page, the three units, their defaults, copyright, changelog"

dpkg-deb -e "$deb" control
for u in $units; do grep -qxF "/etc/default/$u" control/conffiles || fail "/etc/default/$u not a conffile"; done
for s in postinst prerm postrm; do
  [ -x "control/$s" ] || fail "no executable $s"
  sh -n "control/$s" || fail "$s: syntax"
done
grep -q 'adduser --quiet --system' control/postinst || fail "postinst makes no system user"
grep -q 'purge' control/postrm || fail "postrm does nothing on purge"
ok "conffiles name the three defaults files; postinst, prerm, postrm are valid shell"

depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "Depends is empty"
for d in libc6 libssl3 adduser; do
  printf '%s' "$depends" | grep -q "\b$d\b" || fail "Depends lacks $d: $depends"
done
[[ "$(dpkg-deb -f "$deb" Recommends)" == *hostapd* ]] || fail "hostapd not recommended"
ok "Depends (dpkg-shlibdeps and the tools): $depends"

dpkg-deb -x "$deb" root
readelf -S root/usr/bin/gatehouse > sections.txt
grep -q '\.symtab\|\.debug_\|\.comment' sections.txt && fail "the binary keeps symbols or .comment"
root/usr/bin/gatehouse --help > /dev/null || fail "the packaged binary does not run"
ok "the packaged binary is stripped (no .symtab, .debug_*, .comment) and runs"

# The packaged binary finds the packaged dashboard (usr/share/gatehouse/ui from usr/bin) with no
# --ui-dir: the same page as the build's.
root/usr/bin/gatehouse site init --state s --name "Package Site" >/dev/null
start_server PKGSITE root/usr/bin/gatehouse site serve --state s --listen 127.0.0.1:0 \
  --api-listen 127.0.0.1:0 --no-mud --mirror-interval 0
for _ in $(seq 100); do grep -q "^dashboard at" "$T/PKGSITE.out" && break; sleep 0.05; done
dash=$(sed -n 's/^dashboard at //p' "$T/PKGSITE.out")
case "$dash" in https://127.0.0.1:*/ui/) ;; *) fail "the packaged site serve has no dashboard: $(cat "$T/PKGSITE.out")" ;; esac
curl -sf --cacert s/domain-ca.pem "$dash" -o served.html || fail "GET $dash failed"
cmp -s served.html root/usr/share/gatehouse/ui/index.html || fail "$dash is not the packaged index.html"
ok "the packaged site serve serves the packaged dashboard at $dash"

# (scripts/deps.sh installs lintian for make test: its absence is a failure, not a check quietly
# left out)
command -v lintian >/dev/null || fail "lintian is not installed (bash scripts/deps.sh)"
lintian --tag-display-limit 0 "$deb" > lintian.txt 2>&1 || true
grep -q '^E: ' lintian.txt && fail "lintian errors: $(grep '^E: ' lintian.txt)"
ok "lintian: no errors ($(grep -c '^W: ' lintian.txt) warnings)"

command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (bash scripts/deps.sh)"
# ExecStart= must name an executable that exists: the copies point at the extracted binary;
# Documentation=man:gatehouse(1) is looked up in the extracted manual pages.
mkdir units
for u in $units; do
  sed "s|/usr/bin/gatehouse|$T/root/usr/bin/gatehouse|" "root/lib/systemd/system/$u.service" \
    > "units/$u.service"
  grep -q "^EnvironmentFile=/etc/default/$u$" "units/$u.service" || fail "$u: no EnvironmentFile"
done
(cd units && MANPATH="$T/root/usr/share/man" systemd-analyze verify ./*.service) > verify.txt 2>&1 || fail "systemd-analyze verify: $(cat verify.txt)"
[ -s verify.txt ] && fail "systemd-analyze verify complains: $(cat verify.txt)"
ok "systemd-analyze verify accepts the three units"
# Exposure scores (0 best, 10 worst): masa and site run with no capabilities, the router agent
# with CAP_NET_ADMIN and CAP_NET_RAW; a change that opens a unit up fails here.
for u in $units; do
  score=$(cd units && systemd-analyze security --offline=yes "./$u.service" 2>/dev/null \
    | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  [ -n "$score" ] || fail "$u: no exposure score"
  limit=2.0
  [ "$u" = gatehouse-router ] && limit=3.0
  awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }' || fail "$u: exposure $score above $limit"
  ok "$u: exposure level $score (at most $limit)"
done
finish
