#!/usr/bin/env bash
# make deb: the Debian package builds, lintian finds nothing at its default level, it declares
# what keur needs; installed with apt on a clean Debian 12 (a minimal bookworm made here with
# debootstrap, as root), it pulls in what keur needs and keur runs from it: --version, lint of
# the installed profiles, a run against a broker; dpkg -r removes it.  Runs alone, after the
# other tests (make check-package), as it compiles keur once more.
. "$(dirname "$0")/lib.sh"
plan 18

version=$(changelog_version)
deb=keur_${version}_$(dpkg --print-architecture).deb
rm -f "$TOP/$deb"
make -s -C "$TOP" deb > "$TMP/deb.log" 2>&1
rc=$?
is "$rc" 0 "make deb (debhelper, then lintian --fail-on error,warning)"
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/deb.log" | tail -n 30
[ -s "$TOP/$deb" ]; ok $? "make deb writes $deb (the version of debian/changelog)"
lintian "$TOP/$deb" > "$TMP/lintian.txt" 2>&1
is "$(grep -cE '^[EW]: ' "$TMP/lintian.txt")" 0 "lintian: no error, no warning"
grep -E '^[EW]: ' "$TMP/lintian.txt" | sed 's/^/# /'

is "$(dpkg-deb -f "$TOP/$deb" Version)" "$version" "the package's version is keur's"
deps=$(dpkg-deb -f "$TOP/$deb" Depends)
for lib in libmosquitto1 libcoap3 libmodbus5 libxml2 libssl3 libcjson1 libxmlsec1-openssl iproute2 openssl; do
	[[ ",$deps," == *", $lib"[\ ,]* || ",$deps," == *",$lib"[\ ,]* ]] || lacking="${lacking:-} $lib"
done
is "${lacking:-}" "" "Depends: the shared libraries keur links (\${shlibs:Depends}) and the tools it calls"
dpkg-deb -c "$TOP/$deb" | awk '{ print $6 }' > "$TMP/contents"
for f in ./usr/bin/keur ./usr/bin/keur-simdev ./usr/share/keur/profiles/csr-label.xml ./usr/share/keur/schemas/profile.xsd \
	./usr/share/keur/demo/run-demo.sh ./usr/share/man/man1/keur.1.gz ./usr/share/man/man1/keur-simdev.1.gz \
	./usr/share/doc/keur/copyright; do
	grep -qx "$f" "$TMP/contents" || absent="${absent:-} $f"
done
is "${absent:-}" "" "the package holds the programs, profiles, schemas, demo, man pages, copyright"

# A clean Debian 12: debootstrap's minimal bookworm, with this machine's package sources.
skip_rest() {
	for _ in $(seq $((16 - T_N))); do T_N=$((T_N + 1)); echo "ok $T_N # skip $1"; done
	exit 0
}
[ "$(id -u)" = 0 ] || skip_rest "installing the package in a clean Debian 12 needs root"
command -v debootstrap > /dev/null || skip_rest "debootstrap is not installed"
C=$TMP/bookworm
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
debootstrap --variant=minbase bookworm "$C" "${mirror:-http://deb.debian.org/debian}" > "$TMP/debootstrap.log" 2>&1
is $? 0 "debootstrap: a minimal Debian 12 in a folder"
[ -f "$C/etc/debian_version" ] || skip_rest "no Debian to install into (debootstrap failed: $(tail -n 1 "$TMP/debootstrap.log"))"
# Its sources are this machine's (with the updates); no service a package installs is started.
rm -f "$C/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$C/etc/apt/sources.list.d/" 2>/dev/null
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$C/etc/apt/"
printf '#!/bin/sh\nexit 101\n' > "$C/usr/sbin/policy-rc.d" && chmod 755 "$C/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$C/etc/resolv.conf" 2>/dev/null
cp "$TOP/$deb" "$C/tmp/"
# in_chroot CMD...: in the clean Debian, with its own /proc in a mount namespace of its own,
# which ends with the command (nothing stays mounted under $TMP).
in_chroot() { unshare --mount --fork --pid --mount-proc="$C/proc" chroot "$C" "$@"; }
in_chroot keur --version > /dev/null 2>&1
isnt_there=$?
[ "$isnt_there" != 0 ]; ok $? "the clean Debian has no keur"
(in_chroot apt-get update -q && DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -q "/tmp/$deb") > "$TMP/apt.log" 2>&1
rc=$?
is "$rc" 0 "apt install ./$deb in the clean Debian pulls in what keur needs"
[ "$rc" = 0 ] || tail -n 20 "$TMP/apt.log" | sed 's/^/# /'
is "$(in_chroot keur --version 2>&1)" "keur $version" "installed: keur --version"
out=$(in_chroot sh -c 'keur lint /usr/share/keur/profiles/*.xml' 2>&1)
is "$(printf '%s\n' "$out" | grep -c ': ok: profile')" "$(ls "$TOP"/profiles/*.xml | wc -l)" "installed: keur lint on the installed profiles"

# A run against a broker (on this machine's loopback, which the chroot shares).
port=$(freeport)
start_mosquitto broker "listener $port 127.0.0.1
allow_anonymous true"
cat > "$C/tmp/dut.xml" <<X
<dut xmlns="urn:keur:dut:1" id="packaged">
  <identity vendor="Eclipse" model="mosquitto" firmware="2"/>
  <mqtt role="broker" host="127.0.0.1" port="$port" timeout="3"/>
</dut>
X
in_chroot keur run --profile csr-label --dut /tmp/dut.xml --only MQTT-AUTH-001,MQTT-AUTH-002 --out /tmp/run \
	> "$TMP/run.tap" 2> "$TMP/run.err"
is $? 1 "installed: keur run --profile csr-label on an anonymous broker: exit 1"
is "$(verdict_of "$TMP/run.tap" MQTT-AUTH-001)" fail "installed: MQTT-AUTH-001 fails on the anonymous broker"
xmllint --noout --schema "$TOP/reports/report.xsd" "$C/tmp/run/report.xml" 2> /dev/null; ok $? "installed: its report.xml is valid"
kuid=$(in_chroot getent passwd _keur | cut -d: -f3)
like "$kuid" "^[1-9][0-9]*$" "installed: the package made the system user _keur"
like "$(grep '^case id=MQTT-AUTH-001 ' "$C/tmp/run/journal")" " contain-uid=$kuid contain-caps=0 contain-nnp=1 " \
	"installed: keur run as root ran its cases as _keur, without capabilities"
gzip -dc "$C/usr/share/man/man1/keur.1.gz" 2> /dev/null | grep -q "^\.TH KEUR 1 .*keur $version"
ok $? "installed: keur(1), compressed, for this version"

DEBIAN_FRONTEND=noninteractive in_chroot dpkg -r keur > "$TMP/remove.log" 2>&1
[ ! -e "$C/usr/bin/keur" ] && [ ! -e "$C/usr/share/keur" ] && [ ! -e "$C/usr/share/man/man1/keur.1.gz" ]
ok $? "dpkg -r keur removes it: no program, no share/keur, no man page"
rm -f "$TOP/$deb"
done_testing
