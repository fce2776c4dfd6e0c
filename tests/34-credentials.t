#!/usr/bin/env bash
# CRED-DEFAULT-001 and CRED-BRUTE-001 on real mosquitto brokers (one that takes a Mirai login,
# one with only the lab's identity), and on test peers that lock out or slow down wrong logins.
. "$(dirname "$0")/lib.sh"
plan 10

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
mosquitto_passwd -b "$TMP/passwd" root xc3511 >/dev/null 2>&1
mosquitto_passwd -c -b "$TMP/clean" lab-test 'pw-only-for-tests' >/dev/null 2>&1
chmod 644 "$TMP/passwd" "$TMP/clean"
M=$(freeport); C=$(freeport)
start_mosquitto mirai "listener $M 127.0.0.1
allow_anonymous false
password_file $TMP/passwd"
start_mosquitto clean "listener $C 127.0.0.1
allow_anonymous false
password_file $TMP/clean"

dut() { printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" username="lab-test" password="pw-only-for-tests" timeout="2"/>\n</dut>\n' "$1" "$2" > "$TMP/$1.xml"; }
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only CRED-DEFAULT-001,CRED-BRUTE-001 > "$TMP/$1.tap" 2>/dev/null; }

dut mirai "$M"; run mirai
is "$(verdict_of "$TMP/mirai.tap" CRED-DEFAULT-001)" fail "a broker with the Mirai login root/xc3511 fails CRED-DEFAULT-001"
like "$(cat "$TMP/mirai.tap")" "'root'/'xc3511'" "and the pair is named"
dut clean "$C"; run clean
is "$(verdict_of "$TMP/clean.tap" CRED-DEFAULT-001)" pass "a broker with only the lab's identity passes CRED-DEFAULT-001"
like "$(cat "$TMP/clean.tap")" "all 75 well-known default logins refused" "all 75 pairs were tried"
is "$(verdict_of "$TMP/clean.tap" CRED-BRUTE-001)" fail "mosquitto neither locks out nor slows down: CRED-BRUTE-001 fails"
like "$(cat "$TMP/clean.tap")" "40 wrong passwords for 'lab-test' in [0-9.]+ s \\([0-9]+ attempts/s\\)" "and reports the rate achieved"
grep -rq 'pw-only-for-tests' "$TMP/out-clean"; is $? 1 "the lab's own password appears nowhere in the output"

for mode in lockout slow; do
	serve_peer "$mode" "$PEER" serve "$mode" 60
	dut "$mode" "$PORT"
	"$KEUR" run --dut "$TMP/$mode.xml" --out "$TMP/out-$mode" --only CRED-BRUTE-001 > "$TMP/$mode.tap" 2>/dev/null
done
is "$(verdict_of "$TMP/lockout.tap" CRED-BRUTE-001)" pass "a broker that locks out after five wrong logins passes CRED-BRUTE-001"
is "$(verdict_of "$TMP/slow.tap" CRED-BRUTE-001)" pass "a broker that slows wrong logins down passes CRED-BRUTE-001"
like "$(cat "$TMP/slow.tap")" "median [0-9]+ ms at first, [0-9]+ ms after 40 attempts" "and says how much slower"
done_testing
