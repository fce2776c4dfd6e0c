#!/usr/bin/env bash
# A broker is judged on the MQTT versions it speaks.  keur finds them out once per run, before
# the MQTT cases, and report.xml names them.  Brokers: mosquitto (3.1, 3.1.1 and 5.0) with
# passwords and an ACL; the test peer in front of it speaking 3.1 and 3.1.1 only (it closes every
# 5.0 CONNECT without a CONNACK, as many embedded brokers do), or 5.0 only; the peer in front of
# a mosquitto that takes any password; and the peer's 3.1.1-only slow broker for a resumed run.
. "$(dirname "$0")/lib.sh"
plan 29

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
mosquitto_passwd -b "$TMP/passwd" alice 'alice-pw-for-tests' >/dev/null 2>&1
printf 'user lab-test\ntopic readwrite lab/#\n\nuser alice\ntopic readwrite alice/#\n' > "$TMP/strict.acl"
chmod 644 "$TMP/passwd" "$TMP/strict.acl"
S=$(freeport); A=$(freeport)
start_mosquitto strict "listener $S 127.0.0.1
allow_anonymous false
password_file $TMP/passwd
acl_file $TMP/strict.acl"
start_mosquitto anyone "listener $A 127.0.0.1
allow_anonymous true"
serve_peer old "$PEER" mqtt-only 3,4 "$S" 300; OLD=$PORT; old_pid=$BG
serve_peer new "$PEER" mqtt-only 5 "$S" 300; NEW=$PORT
serve_peer lax "$PEER" mqtt-only 3,4 "$A" 300; LAX=$PORT

ID='username="lab-test" password="pw-only-for-tests"'
ALICE='<account username="alice" password="alice-pw-for-tests"/>'
CASES=MQTT-AUTH-001,MQTT-AUTH-002,MQTT-TLS-001,MQTT-ACL-001,MQTT-ACL-002,MQTT-ACL-003,MQTT-ID-001,CRED-DEFAULT-001,CRED-BRUTE-001,MQTT-ROB-001
run() { # run NAME PORT CASES IDENTITY-ATTRIBUTES [MORE-ATTRIBUTES]: TAP in $TMP/NAME.tap, exit code in $rc
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="2" %s %s>%s</mqtt>\n</dut>\n' \
		"$1" "$2" "$4" "${5:-}" "$ALICE" > "$TMP/$1.xml"
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$3" > "$TMP/$1.tap" 2> "$TMP/$1.err"
	rc=$?
}
verdicts() { # verdicts NAME: "CASE verdict" per case of the run
	for c in ${CASES//,/ }; do echo "$c $(verdict_of "$TMP/$1.tap" "$c")"; done
}
reason_of() { # reason_of NAME CASE
	awk -v id="$2" '$0 ~ "^(not )?ok [0-9]+ - " id " " { hit = 1; next } hit && /^  reason: / { print; exit }' "$TMP/$1.tap"
}

run all "$S" "$CASES" "$ID"
like "$(cat "$TMP/all.tap")" "^# MQTT versions of mqtt://127.0.0.1:$S: spoken: 3.1 3.1.1 5.0; not spoken: none found" \
	"mosquitto: the run says it speaks 3.1, 3.1.1 and 5.0"
like "$(reason_of all MQTT-AUTH-002)" "MQTT 3.1:.*MQTT 3.1.1:.*MQTT 5.0:" "mosquitto: MQTT-AUTH-002 is judged on all three"

# 3.1 and 3.1.1 only: nothing about 5.0 may decide or blur a verdict.
run old "$OLD" "$CASES" "$ID"
like "$(cat "$TMP/old.tap")" "^# MQTT versions of mqtt://127.0.0.1:$OLD: spoken: 3.1 3.1.1; not spoken: 5.0" \
	"3.1.1-only broker: the run says it speaks 3.1 and 3.1.1, not 5.0"
is "$(verdict_of "$TMP/old.tap" MQTT-AUTH-002)" pass "3.1.1-only broker that refuses a wrong password: MQTT-AUTH-002 passes"
like "$(reason_of old MQTT-AUTH-002)" "2 endpoint/version combination.*MQTT 3.1: CONNACK 0x05.*MQTT 3.1.1: CONNACK 0x05" \
	"and it names the versions it was judged on"
if reason_of old MQTT-AUTH-002 | grep -q '5\.0'; then ok 1 "and 5.0 is not in its reason"; else ok 0 "and 5.0 is not in its reason"; fi
grep -q 'MQTT 5.0' "$TMP/out-old/evidence/MQTT-AUTH-001/transcript.txt" "$TMP/out-old/evidence/MQTT-AUTH-002/transcript.txt"
is $? 1 "no 5.0 CONNECT is tried in the authentication cases"
is "$(grep -c ' inconc$' <(verdicts old))" 0 "no MQTT case is inconc on the 3.1.1-only broker"
is "$(verdicts old)" "$(verdicts all)" "every MQTT case has the verdict it has on mosquitto itself"
xmllint --noout --schema "$TOP/reports/report.xsd" "$TMP/out-old/report.xml" 2>/dev/null; ok $? "report.xml is valid"
like "$(cat "$TMP/out-old/report.xml")" "<mqtt-versions endpoint=\"mqtt://127.0.0.1:$OLD\" spoken=\"3.1 3.1.1\" not-spoken=\"5.0\">" \
	"report.xml names the versions spoken and not spoken"
like "$(cat "$TMP/out-old/report.xml")" "5.0 not spoken \(connection closed before CONNACK, while 3.1.1 is answered\)" \
	"and says how it told"
like "$(cat "$TMP/out-old/report.html")" "speaks 3.1 3.1.1, not 5.0" "report.html shows them too"
is "$(grep -c '^mqtt-versions ' "$TMP/out-old/journal")" 1 "the versions were found out once for the run"

# The probe's evidence is signed with the rest and checked by keur verify.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/lab.key" -out "$TMP/lab.pem" \
	-days 2 -subj /CN=versions-test >/dev/null 2>&1
"$KEUR" sign "$TMP/out-old" --key "$TMP/lab.key" --cert "$TMP/lab.pem" >/dev/null 2>&1
"$KEUR" verify "$TMP/out-old" >/dev/null 2>&1; ok $? "the signed report verifies"
echo tampered >> "$TMP/out-old/evidence/MQTT-VERSIONS/versions.txt"
"$KEUR" verify "$TMP/out-old" > "$TMP/verify.txt" 2>&1
is $? 1 "a changed probe evidence file fails keur verify"
like "$(cat "$TMP/verify.txt")" "evidence/MQTT-VERSIONS/versions.txt: changed" "naming the file"

# 3.1.1-only and taking any password: the wrong password is found on the versions it speaks.
run lax "$LAX" MQTT-AUTH-002 "$ID"
is "$(verdict_of "$TMP/lax.tap" MQTT-AUTH-002)" fail "3.1.1-only broker that takes a wrong password: MQTT-AUTH-002 fails"
like "$(reason_of lax MQTT-AUTH-002)" "MQTT 3.1.1: a wrong password for user 'lab-test' was accepted" "naming the version"

# A wrong identity in the DUT description is still the description's fault, on the versions spoken.
run badid "$OLD" MQTT-AUTH-002 'username="lab-test" password="not-the-password"'
is "$(verdict_of "$TMP/badid.tap" MQTT-AUTH-002)" inconc "identity refused on every version spoken: inconc"
like "$(reason_of badid MQTT-AUTH-002)" "MQTT 3.1.1: the declared test identity 'lab-test' was not admitted .*check the DUT description" \
	"naming the DUT description"
if reason_of badid MQTT-AUTH-002 | grep -q '5\.0'; then ok 1 "and not 5.0, which the broker does not speak"; else ok 0 "and not 5.0, which the broker does not speak"; fi

# Declared 5.0 only, but the broker speaks 3.1.1: judged on what it speaks.
run decl5 "$OLD" MQTT-AUTH-002 "$ID" 'versions="5.0"'
is "$(verdict_of "$TMP/decl5.tap" MQTT-AUTH-002)" pass "declared 5.0 on a 3.1.1-only broker: judged on 3.1 and 3.1.1, pass"

# 5.0 only: the cases that speak one version speak 5.0.
run new "$NEW" "$CASES" "$ID"
like "$(cat "$TMP/new.tap")" "^# MQTT versions of mqtt://127.0.0.1:$NEW: spoken: 5.0; not spoken: 3.1 3.1.1" \
	"5.0-only broker: the run says so"
is "$(verdicts new)" "$(verdicts all)" "every MQTT case has the verdict it has on mosquitto itself"
like "$(reason_of new MQTT-AUTH-002)" "1 endpoint/version combination.*MQTT 5.0: CONNACK 0x8[67]" "MQTT-AUTH-002 judged on 5.0 alone"

# A run stopped after its first case and resumed: the versions are not found out again.
serve_peer slow "$PEER" serve slow 120; SLOW=$PORT
printf '<dut xmlns="urn:keur:dut:1" id="slow">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="2" %s/>\n</dut>\n' \
	"$SLOW" "$ID" > "$TMP/slow.xml"
"$KEUR" run --dut "$TMP/slow.xml" --out "$TMP/out-slow" --only MQTT-AUTH-001,CRED-BRUTE-001 > "$TMP/slow.tap" 2>/dev/null &
kpid=$!
poll_until 20 grep -qs '^case id=MQTT-AUTH-001' "$TMP/out-slow/journal"
kill -TERM "$kpid"; wait "$kpid" 2>/dev/null
"$KEUR" run --resume "$TMP/out-slow" > "$TMP/slow2.tap" 2>/dev/null
is "$(grep -c '^mqtt-versions ' "$TMP/out-slow/journal") $(grep -c '^resume ' "$TMP/out-slow/journal")" "1 1" \
	"a resumed run keeps the versions its journal holds"
like "$(cat "$TMP/out-slow/report.xml")" "spoken=\"3.1.1\" not-spoken=\"3.1 5.0\"" "and reports them"

stop_pid "$old_pid"
kill -0 "$old_pid" 2>/dev/null; is $? 1 "the 3.1.1-only peer this test started is stopped by its PID"
done_testing
