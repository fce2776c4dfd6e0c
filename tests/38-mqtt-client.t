#!/usr/bin/env bash
# MQTT-CLIENT-001..005: keur plays the broker for the reference device (a client DUT).  The
# lab description names where the device connects and the CA it trusts; each device here has a
# short back-off (--mqtt-backoff-max 2) so that it comes to keur quickly.
. "$(dirname "$0")/lib.sh"
plan 23

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=keur test lab CA" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
printf 'dev-secret-for-tests\n' > "$TMP/pw"
printf 'admin\n' > "$TMP/admin.pw"

# device NAME PASSWORD-FILE SIMDEV-FLAGS...: a reference device pointed at its own lab port,
# with a DUT description ($TMP/NAME.xml) and a lab description ($TMP/NAME-lab.xml, with the CA).
device() {
	local name=$1 pwf=$2 port
	shift 2
	port=$(freeport)
	printf '<lab xmlns="urn:keur:lab:1" id="%s">\n  <scope><allow host="127.0.0.1"/></scope>\n  <broker listen="127.0.0.1" port="%s" ca="%s" ca-key="%s"/>\n</lab>\n' \
		"$name" "$port" "$TMP/ca.pem" "$TMP/ca.key" > "$TMP/$name-lab.xml"
	printf '<lab xmlns="urn:keur:lab:1" id="%s">\n  <scope><allow host="127.0.0.1"/></scope>\n  <broker listen="127.0.0.1" port="%s"/>\n</lab>\n' \
		"$name" "$port" > "$TMP/$name-noca.xml"
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="client" client-id="%s" broker-host="127.0.0.1" tls="true" reconnect="3" timeout="2"/>\n</dut>\n' \
		"$name" "$name" > "$TMP/$name.xml"
	start_simdev "$name" --id "$name" --mqtt-host 127.0.0.1 --mqtt-port "$port" --mqtt-plain-port "$port" \
		--mqtt-ca "$TMP/ca.pem" --mqtt-user "$name" --mqtt-password-file "$pwf" --mqtt-backoff-max 2 \
		--lan 127.0.0.1 --coap-port 0 --coaps-port 0 --modbus-port 0 "$@"
}
run() { # run NAME LAB-SUFFIX CASES
	"$KEUR" run --dut "$TMP/$1.xml" --lab "$TMP/$1-$2.xml" --out "$TMP/out-$1-$2" --only "$3" > "$TMP/$1-$2.tap" 2>/dev/null
}
C=MQTT-CLIENT

device strict "$TMP/pw"
device strict5 "$TMP/pw"
device insecure "$TMP/pw" --flaw insecure-tls
device plain "$TMP/pw" --flaw no-tls
device anon "$TMP/pw" --flaw anonymous
device admin "$TMP/admin.pw"
device storm "$TMP/pw" --flaw reconnect-storm
device never "$TMP/pw" --flaw no-reconnect
sed "s/port=\"[0-9]*\"/port=\"$(freeport)\"/" "$TMP/strict-lab.xml" > "$TMP/strict-nobody.xml"
printf '<lab xmlns="urn:keur:lab:1" id="x">\n  <scope><allow host="127.0.0.1"/></scope>\n</lab>\n' > "$TMP/strict-bare.xml"
sed "s/port=\"[0-9]*\"/port=\"$(freeport)\"/" "$TMP/strict-lab.xml" > "$TMP/strict-mute.xml"
MP=$(sed -n 's/.*port="\([0-9]*\)".*/\1/p' "$TMP/strict-mute.xml")
bg bash -c "for i in \$(seq 40); do timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$MP && sleep 2' 2>/dev/null; sleep 0.2; done"
MUTE=$BG
RUNS=()
{ run strict lab $C-001,$C-002,$C-003,$C-004; run strict noca $C-001,$C-002; } & RUNS+=($!)
run strict5 lab $C-005 & RUNS+=($!)
run strict nobody $C-004 & RUNS+=($!)
run strict bare $C-001 & RUNS+=($!)
run strict mute $C-001 & RUNS+=($!)
run insecure lab $C-001,$C-002,$C-003 & RUNS+=($!)
run plain lab $C-001 & RUNS+=($!)
run anon lab $C-004 & RUNS+=($!)
run admin lab $C-004 & RUNS+=($!)
run storm lab $C-005 & RUNS+=($!)
run never lab $C-005 & RUNS+=($!)
wait "${RUNS[@]}"
stop_pid "$MUTE"

for n in 001 002 003; do
	is "$(verdict_of "$TMP/strict-lab.tap" $C-$n)" pass "a verifying device refuses keur's bad certificate: $C-$n passes"
done
like "$(cat "$TMP/strict-lab.tap")" "refused keur's expired certificate \\(.*certificate expired\\), and accepted keur's genuine one" "and the reason gives the DUT's alert and the control"
is "$(verdict_of "$TMP/strict-lab.tap" $C-004)" pass "the device logs in with its own user and password: $C-004 passes"
is "$(verdict_of "$TMP/strict5-lab.tap" $C-005)" pass "the device backs off between attempts: $C-005 passes"
like "$(cat "$TMP/strict5-lab.tap")" "backs off: 5 attempts, median [0-9]+ ms apart" "and reports the intervals"
grep -rq 'dev-secret-for-tests' "$TMP/out-strict-lab" "$TMP/out-strict5-lab"; is $? 1 "the password the device sent appears nowhere in the output"
is "$(verdict_of "$TMP/strict-noca.tap" $C-002)" inconc "no lab CA: $C-002 is inconc, not pass"
like "$(cat "$TMP/strict-noca.tap")" "no control: the lab gives no CA" "no lab CA: $C-001 says it had no control"
is "$(verdict_of "$TMP/strict-nobody.tap" $C-004)" inconc "no device at the lab address: inconc"
like "$(cat "$TMP/strict-nobody.tap")" "did not connect to keur's broker" "and it says the DUT never came"
like "$(cat "$TMP/strict-bare.tap")" "gives no broker address for client DUTs" "a lab without <broker>: inconc, naming what is missing"
like "$(cat "$TMP/strict-mute.tap")" "verdict: inconc" "a client that connects and sends nothing: $C-001 is inconc, not pass"
for n in 001 002 003; do
	is "$(verdict_of "$TMP/insecure-lab.tap" $C-$n)" fail "--flaw insecure-tls: $C-$n fails"
done
like "$(cat "$TMP/insecure-lab.tap")" "accepted keur's self-signed certificate for its broker and sent CONNECT" "and says the device sent CONNECT"
is "$(verdict_of "$TMP/plain-lab.tap" $C-001)" fail "--flaw no-tls: the device speaks plain MQTT: $C-001 fails"
is "$(verdict_of "$TMP/anon-lab.tap" $C-004)" fail "--flaw anonymous: $C-004 fails"
like "$(cat "$TMP/admin-lab.tap")" "well-known default, 'admin'/'admin'" "a device logging in as admin/admin: $C-004 names the default"
is "$(verdict_of "$TMP/storm-lab.tap" $C-005)" fail "--flaw reconnect-storm: $C-005 fails"
is "$(verdict_of "$TMP/never-lab.tap" $C-005)" fail "--flaw no-reconnect: $C-005 fails"
done_testing
