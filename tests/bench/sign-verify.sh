#!/usr/bin/env bash
# Benchmark: keur verify against xmlsec1 --verify on the same signed report, in the same run.
#  A run of the broker demo's profile (csr-label, all 43 cases) against a real mosquitto on
#  loopback gives a full-size report.xml with its transcripts as evidence; the lab's EC P-256
#  key signs it.  keur verify does more (schema, chain, every evidence hash); xmlsec1 checks the
#  signature and chain only.  ROUNDS rounds (default 20) of each, medians in ms; asserts nothing.
#   bash tests/bench/sign-verify.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-20}
command -v xmlsec1 > /dev/null || { echo "bench: xmlsec1 is missing" >&2; exit 2; }
# The demo's accreditation body and lab (EC P-256): $TMP/ca.pem, $TMP/lab.key, $TMP/lab.pem.
. "$TOP/hw/demo/signing.sh"
demo_signing_key "$TMP" "$TMP/ca.pem" || exit 2
M=$(freeport)
start_mosquitto open "listener $M 127.0.0.1
allow_anonymous true"
printf '<dut xmlns="urn:keur:dut:1" id="bench">\n  <mqtt role="broker" host="127.0.0.1" port="%s" username="t" password="t" timeout="2"/>\n</dut>\n' "$M" > "$TMP/dut.xml"
"$KEUR" run --profile "$TOP/profiles/csr-label.xml" --dut "$TMP/dut.xml" --out "$TMP/run" > /dev/null 2>&1
t=$(date +%s%N)
"$KEUR" sign "$TMP/run" --key "$TMP/lab.key" --cert "$TMP/lab.pem" > /dev/null || { echo "bench: keur sign failed" >&2; exit 1; }
sign_ms=$(( ($(date +%s%N) - t) / 1000000 ))
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for _ in $(seq "$ROUNDS"); do
	t=$(date +%s%N); "$KEUR" verify "$TMP/run" --ca "$TMP/ca.pem" > /dev/null || echo "bench: keur verify refused" >&2
	echo $(( ($(date +%s%N) - t) / 1000000 )) >> "$TMP/keur"
	t=$(date +%s%N); xmlsec1 --verify --trusted-pem "$TMP/ca.pem" "$TMP/run/report.xml" > /dev/null 2>&1 || echo "bench: xmlsec1 refused" >&2
	echo $(( ($(date +%s%N) - t) / 1000000 )) >> "$TMP/xmlsec"
done
files=$(grep -c '<evidence ' "$TMP/run/report.xml")
echo "sign-verify: report.xml $(stat -c %s "$TMP/run/report.xml") bytes, $(grep -c '<case id=' "$TMP/run/report.xml") cases, $files evidence files; $ROUNDS rounds"
echo "sign-verify: keur sign            ${sign_ms} ms (once)"
echo "sign-verify: keur verify --ca     $(median < "$TMP/keur") ms median (schema, signature, chain, journal and $files evidence hashes)"
echo "sign-verify: xmlsec1 --verify     $(median < "$TMP/xmlsec") ms median (signature and chain)"
