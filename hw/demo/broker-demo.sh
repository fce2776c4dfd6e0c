#!/usr/bin/env bash
# The broker demo: keur audits a bundled, deliberately misconfigured mosquitto broker (anonymous
# access on, a password file for the lab's test identity) on a free loopback port.
# Stops exactly the broker it started, by PID.  KEUR_DEMO_OUT sets the output directory.
set -u
. "$(dirname "$0")/where.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/keur-demo.XXXXXX")
chmod 755 "$work"
broker=

cleanup() {
	if [ -n "$broker" ] && kill -0 "$broker" 2>/dev/null; then
		kill "$broker" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$broker" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$keur" ] || { echo "demo: $keur is missing; $missing" >&2; exit 2; }
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)	# /usr/sbin is not on every PATH
[ -x "$mosquitto" ] || { echo "demo: mosquitto is not installed; run 'make deps'" >&2; exit 2; }

mosquitto_passwd -c -b "$work/passwd" lab-test demo-only-secret >/dev/null 2>&1
mosquitto_passwd -b "$work/passwd" kitchen demo-kitchen-secret >/dev/null 2>&1
chmod 644 "$work/passwd"
# A port nothing listens on; should another program take it first, mosquitto exits and the
# demo tries another (three times).
for try in 1 2 3; do
port=$(free_port) || { echo "demo: no free port" >&2; exit 2; }
cat > "$work/mosquitto.conf" <<CONF
# The misconfiguration keur should catch: anonymous clients are admitted.
listener $port 127.0.0.1
allow_anonymous true
password_file $work/passwd
persistence false
log_dest file $work/mosquitto.log
CONF
: > "$work/mosquitto.log"
chmod 666 "$work/mosquitto.log"	# started as root, mosquitto drops to its own user
"$mosquitto" -c "$work/mosquitto.conf" >/dev/null 2>&1 &
broker=$!
wait_port "$port" "$broker" && break
# It ended (the port was taken meanwhile) or did not listen within 5 s.
kill "$broker" 2>/dev/null
wait "$broker" 2>/dev/null
broker=
if [ "$try" -eq 3 ]; then
	echo "demo: mosquitto did not start on 127.0.0.1:$port:" >&2
	cat "$work/mosquitto.log" >&2 2>/dev/null
	exit 3
fi
done
cat > "$work/dut.xml" <<DUT
<?xml version="1.0"?>
<dut xmlns="urn:keur:dut:1" id="demo-mosquitto">
  <identity vendor="Eclipse" model="mosquitto (demo, misconfigured)" firmware="$("$mosquitto" -h 2>/dev/null | sed -n 's/^mosquitto version \([^ ]*\).*/\1/p')"/>
  <mqtt role="broker" host="127.0.0.1" port="$port" username="lab-test" password="demo-only-secret" timeout="3">
    <account username="kitchen" password="demo-kitchen-secret" topic="home/kitchen/#"/>
  </mqtt>
</dut>
DUT

# A demo accreditation body and the lab it certified, to sign the report (EC P-256, 2 days).
. "$here/signing.sh"
demo_signing_key "$work" "$work/ca.pem" || exit 3

out=${KEUR_DEMO_OUT:-$outbase/demo-$(date -u +%Y%m%dT%H%M%SZ)}
echo "demo: mosquitto (PID $broker) on 127.0.0.1:$port with anonymous access on; keur audits it:" >&2
echo >&2
# One run judged against three schemes: the CSR label, EN 18031-1 (the EU's RED) and the UK's PSTI.
"$keur" run --profile "$profiles/csr-label.xml" --profile "$profiles/en18031-1.xml" --profile "$profiles/uk-psti.xml" \
	--dut "$work/dut.xml" --out "$out" --operator "keur demo" \
	--sign-key "$work/lab.key" --sign-cert "$work/lab.pem"
rc=$?
echo >&2
case $rc in
1)
	echo "demo: as expected, keur found the broker admits anonymous clients (exit 1: a mandatory requirement failed)." >&2
	echo "demo: results: $out/results.tap, $out/junit.xml, $out/report.xml (signed), $out/oscal.xml," >&2
	echo "demo:          $out/report.html, a label per profile ($out/label-csr-label.svg, label-en18031-1.svg," >&2
	echo "demo:          label-uk-psti.svg), evidence in $out/evidence/" >&2
	cp "$work/ca.pem" "$out/demo-ca.pem"
	echo "demo: the signed report, checked as a regulator would (keur verify $out --ca $out/demo-ca.pem):" >&2
	"$keur" verify "$out" --ca "$out/demo-ca.pem" >&2 || { echo "demo: keur verify refused keur's own report: a bug" >&2; exit 1; }
	exit 0 ;;
0)
	echo "demo: keur passed a broker that admits anonymous clients: that is a bug in keur." >&2
	exit 1 ;;
*)
	echo "demo: keur could not complete the audit (exit $rc)." >&2
	exit "$rc" ;;
esac
