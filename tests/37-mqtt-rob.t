#!/usr/bin/env bash
# MQTT-ROB-001 and brokers that misbehave on purpose.
#  - mosquitto (plain and TLS) survives every abuse: pass, with each reaction recorded;
#  - a broker that dies on a five-byte remaining length, and one that wedges: fail, naming it;
#  - brokers that send garbage, an unknown CONNACK code, a PUBLISH flood, nothing at all, or
#    close mid-handshake: every broker case ends with a verdict and a reason within its
#    deadline, none is `error`, no refusal is read into what is not one, and the journal stays
#    whole (keur report rewrites the reports from it).
. "$(dirname "$0")/lib.sh"
plan 32

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
chmod 644 "$TMP/passwd"
make_tls rob
M=$(freeport); T=$(freeport)
start_mosquitto plain "listener $M 127.0.0.1
allow_anonymous false
password_file $TMP/passwd"
start_mosquitto tls "listener $T 127.0.0.1
allow_anonymous false
password_file $TMP/passwd
cafile $TMP/rob-ca.pem
certfile $TMP/rob-server.pem
keyfile $TMP/rob-server.key"

dut() { # dut NAME PORT [EXTRA-ATTRIBUTES]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="%s" %s>\n    <account username="a" password="b"/>\n  </mqtt>\n</dut>\n' \
		"$1" "$2" "${TIMEOUT:-1}" "${3:-}" > "$TMP/$1.xml"
}
ID='username="lab-test" password="pw-only-for-tests"'

dut plain "$M" "$ID"
dut tls "$T" "tls=\"true\" ca-file=\"$TMP/rob-ca.pem\" $ID"
dut noid "$M"
rob() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MQTT-ROB-001 > "$TMP/$1.tap" 2>/dev/null; }
RUNS=()
rob plain & RUNS+=($!)
rob tls & RUNS+=($!)
rob noid & RUNS+=($!)
for mode in fragile wedge; do
	serve_peer "$mode" "$PEER" serve "$mode" 60
	dut "$mode" "$PORT"
	rob "$mode" & RUNS+=($!)
done
CASES=MQTT-AUTH-001,MQTT-AUTH-002,MQTT-TLS-002,MQTT-TLS-003,MQTT-TLS-004,MQTT-ACL-001,MQTT-ACL-002,MQTT-ACL-003,MQTT-ID-001,MQTT-ROB-001,CRED-DEFAULT-001,CRED-BRUTE-001
declare -A PP
for mode in garbage badcode flood silent close; do
	serve_peer "$mode" "$PEER" serve "$mode" 150
	PP[$mode]=$BG
	extra=""; [ $mode = close ] && extra='tls="true"'
	TIMEOUT=0.25 dut "h-$mode" "$PORT" "username=\"u\" password=\"p\" $extra"
	{ "$KEUR" run --dut "$TMP/h-$mode.xml" --out "$TMP/out-h-$mode" --only "$CASES" > "$TMP/h-$mode.tap" 2>"$TMP/h-$mode.err"; echo $? > "$TMP/h-$mode.rc"; } & RUNS+=($!)
done
wait "${RUNS[@]}"
for mode in garbage badcode flood silent close; do stop_pid "${PP[$mode]}"; done

is "$(verdict_of "$TMP/plain.tap" MQTT-ROB-001)" pass "mosquitto keeps answering after every abuse -> pass"
like "$(cat "$TMP/plain.tap")" "answered after each of 8 abuses" "and says how many it survived"
R=$TMP/out-plain/evidence/MQTT-ROB-001/reactions.txt
is "$(grep -c '^  [a-z0-9-]* ' "$R" 2>/dev/null)" 8 "reactions.txt has one line per abuse"
like "$(cat "$R" 2>/dev/null)" "utf8-client-id +closed the connection" "and records that mosquitto closes on an invalid UTF-8 client id"
is "$(verdict_of "$TMP/tls.tap" MQTT-ROB-001)" pass "the same over TLS -> pass"
is "$(verdict_of "$TMP/noid.tap" MQTT-ROB-001)" inconc "no admitted identity: the in-session abuses cannot be sent -> inconc, not pass"
is "$(verdict_of "$TMP/fragile.tap" MQTT-ROB-001)" fail "a broker that dies on a bad remaining length -> fail"
like "$(cat "$TMP/fragile.tap")" "stopped answering after bad-remaining-length" "and names the packet that killed it"
is "$(verdict_of "$TMP/wedge.tap" MQTT-ROB-001)" fail "a broker that wedges (up, but silent) -> fail"
like "$(cat "$TMP/wedge.tap")" "no CONNACK within 1000 ms" "and says the probe got no CONNACK"
for mode in garbage badcode flood silent close; do
	f=$TMP/h-$mode.tap
	is "$(grep -c '^  verdict: ' "$f")" 12 "$mode: all 12 cases end with a verdict"
	is "$(grep -c '^  verdict: error' "$f")" 0 "$mode: none of them is error (no crash, no deadline hit)"
	ok "$(grep -qE '^[013]$' "$TMP/h-$mode.rc"; echo $?)" "$mode: keur exits 0, 1 or 3 (exit $(cat "$TMP/h-$mode.rc"))"
done
for c in CRED-DEFAULT-001 CRED-BRUTE-001 MQTT-ACL-002; do
	is "$(verdict_of "$TMP/h-garbage.tap" $c)" inconc "garbage: $c is inconc: a closed connection is no refusal without a control"
done
is "$(verdict_of "$TMP/h-badcode.tap" CRED-DEFAULT-001)" inconc "CONNACK 0x42: not read as a refusal of the login -> inconc"
is "$(verdict_of "$TMP/h-flood.tap" MQTT-ACL-002)" inconc "flood: no SUBACK is no evidence that \$SYS is hidden -> inconc"
is "$(verdict_of "$TMP/h-close.tap" MQTT-TLS-002)" inconc "closes every handshake: no TLS version can be judged -> inconc, not pass"
"$KEUR" report "$TMP/out-h-flood" >/dev/null 2>&1
is $? 0 "the journal of the flood run is whole: keur report rewrites the reports from it"
done_testing
