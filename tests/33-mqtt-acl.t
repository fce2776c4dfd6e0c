#!/usr/bin/env bash
# MQTT-ACL-002 on mosquitto brokers: open ($SYS readable by anyone), an ACL that keeps the test
# identity to its own topics, and an ACL that lets the low-privilege identity read $SYS.
. "$(dirname "$0")/lib.sh"
plan 7

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
printf 'user lab-test\ntopic readwrite lab/#\n' > "$TMP/strict.acl"
printf 'user lab-test\ntopic readwrite lab/#\ntopic read $SYS/#\n' > "$TMP/leaky.acl"
chmod 644 "$TMP/passwd" "$TMP"/*.acl
O=$(freeport); S=$(freeport); L=$(freeport)
start_mosquitto open "listener $O 127.0.0.1
allow_anonymous true"
start_mosquitto strict "listener $S 127.0.0.1
allow_anonymous false
password_file $TMP/passwd
acl_file $TMP/strict.acl"
start_mosquitto leaky "listener $L 127.0.0.1
allow_anonymous false
password_file $TMP/passwd
acl_file $TMP/leaky.acl"

run() { # run NAME PORT [IDENTITY-ATTRIBUTES]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="2" %s/>\n</dut>\n' "$1" "$2" "${3:-}" > "$TMP/$1.xml"
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MQTT-ACL-002 > "$TMP/$1.tap" 2>/dev/null
}
ID='username="lab-test" password="pw-only-for-tests"'

run open "$O"
is "$(verdict_of "$TMP/open.tap" MQTT-ACL-002)" fail "open broker: anonymous reads \$SYS -> fail"
like "$(cat "$TMP/open.tap")" "the broker says it is 'mosquitto version 2" "and the version it leaked is named"
run strict "$S" "$ID"
is "$(verdict_of "$TMP/strict.tap" MQTT-ACL-002)" pass "ACL keeps the test identity to lab/#: \$SYS hidden -> pass"
like "$(cat "$TMP/strict.tap")" "granted, but nothing delivered" "and it says the subscription was granted but empty"
run leaky "$L" "$ID"
is "$(verdict_of "$TMP/leaky.tap" MQTT-ACL-002)" fail "ACL lets the low-privilege identity read \$SYS -> fail"
like "$(cat "$TMP/leaky.tap")" "as the test identity 'lab-test' reads \\\$SYS/#" "and names the identity"
run nobody "$S"
is "$(verdict_of "$TMP/nobody.tap" MQTT-ACL-002)" inconc "no identity admitted: inconc, not pass"
done_testing
