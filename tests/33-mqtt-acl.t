#!/usr/bin/env bash
# Access control between identities on mosquitto brokers: MQTT-ACL-001/002/003 and MQTT-ID-001.
# Brokers: open (anonymous, no ACL), strict (each identity kept to its own topics), leaky (the
# test identity may read $SYS), wide (the test identity reads # and writes into alice's topics)
# and strict with use_username_as_clientid (no client id takeover).
. "$(dirname "$0")/lib.sh"
plan 22

mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' >/dev/null 2>&1
mosquitto_passwd -b "$TMP/passwd" alice 'alice-pw-for-tests' >/dev/null 2>&1
printf 'user lab-test\ntopic readwrite lab/#\n\nuser alice\ntopic readwrite alice/#\n' > "$TMP/strict.acl"
printf 'user lab-test\ntopic readwrite lab/#\ntopic read $SYS/#\n' > "$TMP/leaky.acl"
printf 'user lab-test\ntopic read #\ntopic write alice/#\n\nuser alice\ntopic readwrite alice/#\n' > "$TMP/wide.acl"
chmod 644 "$TMP/passwd" "$TMP"/*.acl
O=$(freeport); S=$(freeport); L=$(freeport); W=$(freeport); U=$(freeport)
start_mosquitto open "listener $O 127.0.0.1
allow_anonymous true"
auth() { printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\nacl_file %s\n%s' "$1" "$TMP/passwd" "$TMP/$2.acl" "${3:-}"; }
start_mosquitto strict "$(auth "$S" strict)"
start_mosquitto leaky "$(auth "$L" leaky)"
start_mosquitto wide "$(auth "$W" wide)"
start_mosquitto uid "$(auth "$U" strict 'use_username_as_clientid true')"

run() { # run NAME PORT CASES [IDENTITY-ATTRIBUTES [ACCOUNT-ELEMENT]]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="2" %s>%s</mqtt>\n</dut>\n' \
		"$1" "$2" "${4:-}" "${5:-}" > "$TMP/$1.xml"
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$3" > "$TMP/$1.tap" 2>/dev/null
}
ID='username="lab-test" password="pw-only-for-tests"'
ALICE='<account username="alice" password="alice-pw-for-tests"/>'
ALL=MQTT-ACL-001,MQTT-ACL-002,MQTT-ACL-003,MQTT-ID-001

run open "$O" "$ALL" "" "$ALICE"
is "$(verdict_of "$TMP/open.tap" MQTT-ACL-002)" fail "open broker: anonymous reads \$SYS -> fail"
like "$(cat "$TMP/open.tap")" "the broker says it is 'mosquitto version 2" "and the version it leaked is named"
is "$(verdict_of "$TMP/open.tap" MQTT-ACL-001)" fail "open broker: anonymous on # reads alice's messages -> fail"
like "$(cat "$TMP/open.tap")" "anonymous subscribing to # receives the messages of account 'alice'" "and says who read what"
is "$(verdict_of "$TMP/open.tap" MQTT-ACL-003)" fail "open broker: anonymous publishes into alice's topic -> fail"
is "$(verdict_of "$TMP/open.tap" MQTT-ID-001)" fail "open broker: anonymous takes alice's client id -> fail"

run strict "$S" "$ALL" "$ID" "$ALICE"
is "$(verdict_of "$TMP/strict.tap" MQTT-ACL-002)" pass "ACL keeps the test identity to lab/#: \$SYS hidden -> pass"
like "$(cat "$TMP/strict.tap")" "granted, but nothing delivered" "and it says the subscription was granted but empty"
is "$(verdict_of "$TMP/strict.tap" MQTT-ACL-001)" pass "strict ACL: # and +/# bring the test identity nothing of alice's -> pass"
is "$(verdict_of "$TMP/strict.tap" MQTT-ACL-003)" pass "strict ACL: the test identity's publish never reaches alice -> pass"
is "$(verdict_of "$TMP/strict.tap" MQTT-ID-001)" fail "strict ACL, but mosquitto lets lab-test take alice's client id -> fail"
like "$(cat "$TMP/strict.tap")" "test identity 'lab-test' connecting with client id '[^']*' disconnects account 'alice'" "and says whom it knocked off"

run uid "$U" MQTT-ID-001 "$ID" "$ALICE"
is "$(verdict_of "$TMP/uid.tap" MQTT-ID-001)" pass "use_username_as_clientid: the takeover fails -> pass"

run leaky "$L" MQTT-ACL-002 "$ID"
is "$(verdict_of "$TMP/leaky.tap" MQTT-ACL-002)" fail "ACL lets the low-privilege identity read \$SYS -> fail"
like "$(cat "$TMP/leaky.tap")" "as the test identity 'lab-test' reads \\\$SYS/#" "and names the identity"

run wide "$W" MQTT-ACL-001,MQTT-ACL-003 "$ID" "$ALICE"
is "$(verdict_of "$TMP/wide.tap" MQTT-ACL-001)" fail "the test identity may read #: alice's messages leak -> fail"
is "$(verdict_of "$TMP/wide.tap" MQTT-ACL-003)" fail "the test identity may write alice/#: its publish reaches alice -> fail"

run nobody "$S" MQTT-ACL-002
is "$(verdict_of "$TMP/nobody.tap" MQTT-ACL-002)" inconc "no identity admitted: inconc, not pass"
run noacct "$S" MQTT-ACL-001,MQTT-ACL-003 "$ID"
is "$(verdict_of "$TMP/noacct.tap" MQTT-ACL-001)" inconc "no <account> declared: ACL-001 inconc, not pass"
like "$(cat "$TMP/noacct.tap")" "declares no <account>" "and says what to declare"
# alice may not read bob/#: without a working control keur cannot tell a tight ACL from silence
run nocontrol "$S" MQTT-ACL-001 "$ID" '<account username="alice" password="alice-pw-for-tests" topic="bob/#"/>'
is "$(verdict_of "$TMP/nocontrol.tap" MQTT-ACL-001)" inconc "the account cannot read its declared topic: inconc, not pass"
grep -rq "alice-pw-for-tests" "$TMP"/out-*; is $? 1 "the account's password appears nowhere in any output directory"
done_testing
