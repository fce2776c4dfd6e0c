#!/usr/bin/env bash
# COAP-SEC-001, COAP-REPLAY-001 and CRED-DEFAULT-001 over DTLS-PSK, against the reference device
# (strict, --flaw no-tls, --flaw default-password, a certificate from the wrong CA) and against
# libcoap's own example server with a PSK (coap-server-openssl -k), which serves everything in
# plain CoAP on the port beside its DTLS port; and a DTLS device on mbed TLS (tests/peer-dtls)
# with its replay window on and off.
. "$(dirname "$0")/lib.sh"
plan 23

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=lab CA" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
	-keyout "$TMP/other.key" -out "$TMP/other.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=device -keyout "$TMP/dev.key" \
	-out "$TMP/dev.csr" 2>/dev/null
echo "subjectAltName=IP:127.0.0.1" > "$TMP/dev.ext"
openssl x509 -req -in "$TMP/dev.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
	-extfile "$TMP/dev.ext" -out "$TMP/dev.pem" 2>/dev/null
printf 'lab-secret-key' > "$TMP/psk"

device() { # device NAME SIMDEV-FLAGS...: sets PLAIN_NAME and DTLS_NAME
	local name=$1 plain dtls
	shift
	plain=$(freeport)
	dtls=$(freeport)
	start_simdev "$name" --id "$name" --lan 127.0.0.1 --coap-port "$plain" --coaps-port "$dtls" --modbus-port 0 \
		--psk-identity lab --psk-key-file "$TMP/psk" --coap-cert "$TMP/dev.pem" --coap-key "$TMP/dev.key" \
		--coap-ca "$TMP/ca.pem" --mqtt-host 127.0.0.1 --mqtt-port "$(freeport)" --mqtt-ca "$TMP/ca.pem" "$@"
	eval "PLAIN_$name=$plain DTLS_$name=$dtls"
}
dut() { # dut NAME DTLS-PORT PLAIN-PORT CA EXTRA-ATTRIBUTES
	cat > "$TMP/$1.xml" <<-EOF
	<dut xmlns="urn:keur:dut:1" id="$1">
	  <coap uri="coaps://127.0.0.1:$2/" plain-port="$3" ca-file="$4" timeout="2" $5>
	    <resource path="/sensors/temp"/><resource path="/setpoint" safe-value="21.5"/>
	    <resource path="/actuators/relay" safe-value="1"/><resource path="/config"/><resource path="/diag"/>
	  </coap>
	</dut>
	EOF
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$2" > "$TMP/$1.tap" 2>/dev/null; }
CASES=COAP-SEC-001,COAP-REPLAY-001,CRED-DEFAULT-001
PSK="psk-identity=\"lab\" psk-key-file=\"$TMP/psk\""

device strict
device strict2
device notls --flaw no-tls
device admin --flaw default-password
dut strict "$DTLS_strict" "$PLAIN_strict" "$TMP/ca.pem" "$PSK"
dut strict-otherca "$DTLS_strict" "$PLAIN_strict" "$TMP/other.pem" "$PSK"
dut nokey "$DTLS_strict" "$PLAIN_strict" "$TMP/ca.pem" ""
dut notls "$DTLS_notls" "$PLAIN_notls" "$TMP/ca.pem" "$PSK"
dut admin "$DTLS_admin" "$PLAIN_admin" "$TMP/ca.pem" "$PSK"
dut dtlsonly "$DTLS_strict2" "$(freeport)" "$TMP/ca.pem" "$PSK"
CS=$(freeport)
while ! "$PEER" udp-free $((CS + 1)) 2>/dev/null; do CS=$(freeport); done
bg coap-server-openssl -A 127.0.0.1 -p "$CS" -k cs-secret >/dev/null 2>&1
poll_until 5 bash -c "coap-client-openssl -B 1 -u any -k cs-secret -m get coaps://127.0.0.1:$((CS + 1))/ 2>/dev/null | grep -q libcoap"
cs_up=$?
cat > "$TMP/cs.xml" <<EOF2
<dut xmlns="urn:keur:dut:1" id="cs">
  <coap uri="coaps://127.0.0.1:$((CS + 1))/" plain-port="$CS" psk-identity="keur" psk-key="cs-secret" timeout="1">
    <resource path="/time"/><resource path="/async"/><resource path="/example_data" safe-value="keur"/>
  </coap>
</dut>
EOF2
declare -A PD
for m in window:replay nowindow:noreplay; do
	n=${m%%:*}
	serve_peer "$n" "$PEER_DTLS" lab pd-secret "${m#*:}" 120
	PD[$n]=$BG
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <coap uri="coaps://127.0.0.1:%s/" psk-identity="lab" psk-key="pd-secret" timeout="2"><resource path="/value" safe-value="1"/></coap>\n</dut>\n' \
		"$n" "$PORT" > "$TMP/$n.xml"
done
RUNS=()
{ run strict "$CASES"; run strict-otherca COAP-SEC-001; run nokey COAP-REPLAY-001; } & RUNS+=($!)
run notls COAP-SEC-001 & RUNS+=($!)
run admin CRED-DEFAULT-001 & RUNS+=($!)
run dtlsonly COAP-ROB-001,COAP-BLOCK-001 & RUNS+=($!)
run cs COAP-SEC-001,COAP-REPLAY-001 & RUNS+=($!)
run window COAP-REPLAY-001 & RUNS+=($!)
run nowindow COAP-REPLAY-001 & RUNS+=($!)
wait "${RUNS[@]}"
stop_pid "${PD[window]}"; stop_pid "${PD[nowindow]}"

is "$(verdict_of "$TMP/strict.tap" COAP-SEC-001)" pass "DTLS 1.2 only, sound suites, nothing in plain, a sound certificate: COAP-SEC-001 passes"
like "$(cat "$TMP/strict.tap")" "DTLS 1.2 accepted, 1.0 refused.*refuses wrong PSKs.*chains to the declared CA" "and says what it checked"
is "$(verdict_of "$TMP/strict.tap" COAP-REPLAY-001)" pass "a replayed DTLS record is dropped: COAP-REPLAY-001 passes"
like "$(cat "$TMP/out-strict/evidence/COAP-REPLAY-001/replay.txt")" 'wrote "21.5".*replayed [0-9]+ bytes.*after "[0-9.]+"' "replay.txt shows the write, the replay and the value after it"
is "$(verdict_of "$TMP/strict.tap" CRED-DEFAULT-001)" pass "no default login opens a DTLS-PSK session: CRED-DEFAULT-001 passes"
is "$(coap -m get -u lab -k lab-secret-key "coaps://127.0.0.1:$DTLS_strict/setpoint")" "21.0" "keur left the setpoint as it found it"
is "$(verdict_of "$TMP/strict-otherca.tap" COAP-SEC-001)" fail "a certificate that does not chain to the declared CA: COAP-SEC-001 fails"
like "$(cat "$TMP/strict-otherca.tap")" "certificate: does not chain to the declared CA" "and says so"
is "$(verdict_of "$TMP/notls.tap" COAP-SEC-001)" fail "--flaw no-tls: plain CoAP serves the resources: COAP-SEC-001 fails"
like "$(cat "$TMP/notls.tap")" "serves 5 resource\\(s\\) without DTLS: /sensors/temp" "and names them"
is "$(verdict_of "$TMP/admin.tap" CRED-DEFAULT-001)" fail "--flaw default-password: CRED-DEFAULT-001 fails"
like "$(cat "$TMP/admin.tap")" "DTLS-PSK 'admin'/'admin'" "and names the identity and key"
is "$(verdict_of "$TMP/dtlsonly.tap" COAP-ROB-001),$(verdict_of "$TMP/dtlsonly.tap" COAP-BLOCK-001)" pass,pass "no plain CoAP: COAP-ROB-001 and COAP-BLOCK-001 run inside DTLS and pass"
like "$(cat "$TMP/out-dtlsonly/evidence/COAP-ROB-001/reactions.txt")" "coaps://127.0.0.1:$DTLS_strict2"$'\t'"version 0" "the malformed messages went inside the DTLS session"
is "$(verdict_of "$TMP/nokey.tap" COAP-REPLAY-001)" inconc "no PSK declared: COAP-REPLAY-001 is inconc, not pass"
ok $cs_up "coap-server-openssl answers DTLS-PSK on 127.0.0.1:$((CS + 1))"
is "$(verdict_of "$TMP/cs.tap" COAP-SEC-001)" fail "coap-server serves its resources in plain beside DTLS: COAP-SEC-001 fails"
like "$(cat "$TMP/cs.tap")" "127.0.0.1:$CS serves [0-9]+ resource\\(s\\) without DTLS: .*/example_data" "and names /example_data"
is "$(verdict_of "$TMP/cs.tap" COAP-REPLAY-001)" pass "OpenSSL's replay window in coap-server drops the replayed record: COAP-REPLAY-001 passes"
is "$(verdict_of "$TMP/window.tap" COAP-REPLAY-001)" pass "mbed TLS with its replay window: COAP-REPLAY-001 passes"
is "$(verdict_of "$TMP/nowindow.tap" COAP-REPLAY-001)" fail "mbed TLS with anti-replay off: COAP-REPLAY-001 fails"
like "$(cat "$TMP/nowindow.tap")" 'a replayed DTLS record was acted on \(the value went back to \\"1\\"\)' "and says the value came back"
like "$(grep 'put back "0" again' "$TMP/out-nowindow/evidence/COAP-REPLAY-001/transcript.txt")" '-> 204' "and keur put the old value back"
done_testing
