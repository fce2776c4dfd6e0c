#!/usr/bin/env bash
# MQTT-AUTH-001/002 end to end on real mosquitto brokers (plain TCP and TLS, MQTT 3.1.1 and 5.0)
# and on peers that misbehave: silent, closing at once, not listening.
. "$(dirname "$0")/lib.sh"
plan 30

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
chmod 644 "$TMP/passwd"
make_tls a || { echo "Bail out! openssl could not make test certificates"; exit 1; }
make_tls other || { echo "Bail out! openssl could not make test certificates"; exit 1; }

# Broker 1: anonymous on (the misconfiguration), a password file for the test identity.
p1=$(freeport)
start_mosquitto open "listener $p1 127.0.0.1
allow_anonymous true
password_file $TMP/passwd"
# Broker 2: no anonymous access; a plain and a TLS listener.
p2=$(freeport); p2t=$(freeport)
start_mosquitto closed "allow_anonymous false
password_file $TMP/passwd
listener $p2 127.0.0.1
listener $p2t 127.0.0.1
cafile $TMP/a-ca.pem
certfile $TMP/a-server.pem
keyfile $TMP/a-server.key"
# Broker 3: anonymous on and no password file: any password at all is taken.
p3=$(freeport)
start_mosquitto anyone "listener $p3 127.0.0.1
allow_anonymous true"

dut() { # dut NAME BODY
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <identity vendor="Eclipse" model="mosquitto"/>\n%s\n</dut>\n' "$1" "$2" > "$TMP/$1.xml"
}
ID='username="lab-test" password="pw-only-for-tests"'

run() { # run NAME: keur's MQTT-AUTH cases on DUT NAME; TAP in $TMP/NAME.tap, exit code in $rc
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MQTT-AUTH-001,MQTT-AUTH-002 > "$TMP/$1.tap" 2> "$TMP/$1.err"
	rc=$?
}

dut open "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$p1\" $ID timeout=\"3\"/>"
run open
is "$(verdict_of "$TMP/open.tap" MQTT-AUTH-001)" fail "open broker: anonymous CONNECT accepted -> fail"
is "$(verdict_of "$TMP/open.tap" MQTT-AUTH-002)" pass "open broker: wrong password still refused -> pass"
is "$rc" 1 "open broker: exit 1"
like "$(cat "$TMP/open.tap")" "MQTT 3.1.1: anonymous CONNECT accepted.*MQTT 5.0: anonymous CONNECT accepted" "both protocol versions were tried and named"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/out-open/junit.xml" 2>/dev/null; ok $? "junit.xml valid"
xmllint --noout "$TMP/out-open/report.xml"; ok $? "report.xml well-formed"
grep -rq 'pw-only-for-tests' "$TMP/out-open"; is $? 1 "the test password appears nowhere in the output directory"
grep -q 'password \*\*\*' "$TMP/out-open/evidence/MQTT-AUTH-002/transcript.txt"; ok $? "transcripts show *** for the password"

dut closed "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$p2\" $ID timeout=\"3\"/>
  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$p2t\" tls=\"true\" ca-file=\"$TMP/a-ca.pem\" $ID timeout=\"3\"/>"
run closed
is "$(verdict_of "$TMP/closed.tap" MQTT-AUTH-001)" pass "closed broker (TCP and TLS): anonymous refused -> pass"
is "$(verdict_of "$TMP/closed.tap" MQTT-AUTH-002)" pass "closed broker (TCP and TLS): wrong password refused -> pass"
is "$rc" 0 "closed broker: exit 0"
like "$(cat "$TMP/closed.tap")" "6 endpoint/version combination" "six combinations judged: TCP and TLS, each in 3.1, 3.1.1 and 5.0"
like "$(cat "$TMP/closed.tap")" "mqtts://127.0.0.1:$p2t MQTT 5.0: CONNACK 0x87" "over TLS with MQTT 5.0: reason code 0x87"

dut wrongca "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$p2t\" tls=\"true\" ca-file=\"$TMP/other-ca.pem\" $ID timeout=\"3\"/>"
run wrongca
is "$(verdict_of "$TMP/wrongca.tap" MQTT-AUTH-001)" inconc "TLS with a CA that did not sign the broker: inconc, not pass"
like "$(cat "$TMP/wrongca.tap")" "TLS handshake failed" "and says the TLS handshake failed"

dut anyone "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$p3\" $ID versions=\"3.1.1\" timeout=\"3\"/>"
run anyone
is "$(verdict_of "$TMP/anyone.tap" MQTT-AUTH-002)" fail "broker that takes any password: wrong password accepted -> fail"
grep -q 'MQTT 5.0' "$TMP/out-anyone/evidence/MQTT-AUTH-002/transcript.txt"; is $? 1 "versions=\"3.1.1\": MQTT 5.0 was not tried"

# Misbehaving peers, each within the case's deadline, each with a reason.
serve_peer silent "$PEER" serve silent 60; silent_pid=$BG; ps=$PORT
serve_peer close "$PEER" serve close 60; pc=$PORT
pn=$(freeport)

dut silent "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" $ID timeout=\"1\"/>"
run silent
is "$(verdict_of "$TMP/silent.tap" MQTT-AUTH-001)" inconc "accepts TCP and says nothing: inconc"
like "$(cat "$TMP/silent.tap")" "no CONNACK within 1000 ms" "and says no CONNACK came"
is "$(verdict_of "$TMP/silent.tap" MQTT-AUTH-002)" inconc "silent broker: the test identity is not admitted either: inconc"
is "$rc" 3 "silent broker: exit 3 (inconclusive)"

dut closing "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$pc\" timeout=\"1\"/>"
run closing
is "$(verdict_of "$TMP/closing.tap" MQTT-AUTH-001)" inconc "closes at once, no test identity: inconc"
like "$(cat "$TMP/closing.tap")" "closed before CONNACK.*cannot tell a refusal from a broken listener" "and says why it cannot decide"

dut nobody "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$pn\" timeout=\"1\"/>"
start=$(date +%s%N)
run nobody
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(verdict_of "$TMP/nobody.tap" MQTT-AUTH-001)" inconc "nothing listening: inconc"
like "$(cat "$TMP/nobody.tap")" "TCP connect failed: Connection refused" "and says the connection was refused"
[ "$ms" -lt 10000 ]; ok $? "nothing listening: decided quickly (${ms} ms)"

# A DUT whose exchanges cannot all fit in the case's deadline: the case stops in time and says
# what it did not try, instead of being killed (deadline 60 s x 0.1 = 6 s; 8 exchanges of 1 s).
dut slowpoke "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" timeout=\"1\"/>
  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" tls=\"true\" timeout=\"1\"/>
  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" versions=\"5.0\" timeout=\"1\"/>
  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" versions=\"3.1.1\" timeout=\"1\"/>
  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$ps\" versions=\"3.1.1\" timeout=\"1\"/>"
"$KEUR" run --dut "$TMP/slowpoke.xml" --out "$TMP/out-slowpoke" --only MQTT-AUTH-001 --deadline-scale 0.1 > "$TMP/slowpoke.tap" 2>/dev/null
is "$(verdict_of "$TMP/slowpoke.tap" MQTT-AUTH-001)" inconc "too many slow exchanges for the deadline: inconc, not a killed case"
like "$(cat "$TMP/slowpoke.tap")" "deadline left no time for [0-9]+ endpoint/version combination" "and it says what was not tried"
"$KEUR" run --dut "$TMP/slowpoke.xml" --out "$TMP/never" --deadline-scale 0 > /dev/null 2>&1
is $? 2 "--deadline-scale 0 is a usage error"

stop_pid "$silent_pid"
kill -0 "$silent_pid" 2>/dev/null; is $? 1 "the silent peer this test started is stopped by its PID"
done_testing
