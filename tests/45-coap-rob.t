#!/usr/bin/env bash
# COAP-ROB-001 and COAP-BLOCK-001 against the reference device (strict, --flaw crash-on-malformed)
# and libcoap's example server; then every CoAP case against hostile CoAP peers (tests/peer coap
# MODE): silent, garbage, a wrong token, a flood of responses, and one that wedges on the first
# malformed message.  Each case ends with a verdict and a reason inside its deadline, no error.
. "$(dirname "$0")/lib.sh"
plan 19

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=unused" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
dut() { # dut NAME PORT [TIMEOUT]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <coap uri="coap://127.0.0.1:%s/" timeout="%s"><resource path="/sensors/temp"/><resource path="/setpoint" safe-value="21.5"/></coap>\n</dut>\n' "$1" "$2" "${3:-1}" > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$2" > "$TMP/$1.tap" 2>/dev/null; echo $? > "$TMP/$1.rc"; }
ROB=COAP-ROB-001,COAP-BLOCK-001

coap_device strict
dut strict "$PORT_strict"
before=$(coap -m get "coap://127.0.0.1:$PORT_strict/setpoint")
coap_device crash --flaw crash-on-malformed
CRASHED=$BG
dut crash "$PORT_crash"
CS=$(freeport)
bg coap-server-openssl -A 127.0.0.1 -p "$CS" >/dev/null 2>&1
poll_until 5 bash -c "coap-client-openssl -B 1 -m get coap://127.0.0.1:$CS/ 2>/dev/null | grep -q libcoap"
dut cs "$CS"
ALL=COAP-DISC-001,COAP-AUTH-001,COAP-AMP-001,COAP-SEC-001,COAP-ROB-001,COAP-BLOCK-001
# hostile peers: silent, garbage and wrongtoken never give keur a valid answer to wait for
declare -A ONLY=([silent]=$ALL [garbage]=$ALL [wrongtoken]=$ALL [flood]=COAP-AMP-001,COAP-ROB-001 [wedge]=COAP-ROB-001)
declare -A TO=([silent]=0.25 [garbage]=0.25 [wrongtoken]=0.25 [flood]=1 [wedge]=1)
declare -A PEERPID
for mode in silent garbage wrongtoken flood wedge; do
	serve_peer "$mode" "$PEER" coap "$mode" 120
	PEERPID[$mode]=$BG
	dut "$mode" "$PORT" "${TO[$mode]}"
done
RUNS=()
run strict "$ROB" & RUNS+=($!)
run crash COAP-ROB-001 & RUNS+=($!)
run cs "$ROB" & RUNS+=($!)
for mode in silent garbage wrongtoken flood wedge; do run "$mode" "${ONLY[$mode]}" & RUNS+=($!); done
wait "${RUNS[@]}"
# The crashing device aborts on purpose: reap it with stderr closed, so bash does not report it.
{ wait "$CRASHED"; } 2>/dev/null
for mode in silent garbage wrongtoken flood wedge; do stop_pid "${PEERPID[$mode]}"; done

is "$(verdict_of "$TMP/strict.tap" COAP-ROB-001)" pass "the reference device survives 18 kinds of malformed message and 2000 mutations"
is "$(grep -c $'\t' "$TMP/out-strict/evidence/COAP-ROB-001/reactions.txt")" 20 "reactions.txt: a header, 18 abuses and the mutation run"
like "$(grep 'critical' "$TMP/out-strict/evidence/COAP-ROB-001/reactions.txt")" $'\t4\\.02\t' "an unknown critical option is answered 4.02"
is "$(verdict_of "$TMP/strict.tap" COAP-BLOCK-001)" pass "the reference device survives block-wise abuse"
is "$(coap -m get "coap://127.0.0.1:$PORT_strict/setpoint")" "$before" "the setpoint is what it was ($before)"
is "$(verdict_of "$TMP/crash.tap" COAP-ROB-001)" fail "--flaw crash-on-malformed: COAP-ROB-001 fails"
like "$(cat "$TMP/crash.tap")" "stopped answering after Uri-Path bytes that are no UTF-8" "and names the message that killed it"
is "$(verdict_of "$TMP/cs.tap" COAP-ROB-001)" pass "libcoap's coap-server survives the malformed messages and answers 4.02"
is "$(verdict_of "$TMP/cs.tap" COAP-BLOCK-001)" pass "and the block-wise abuse"
in_time() { # in_time MODE: no case of MODE's run took longer than its deadline, and none is error
	! grep -q '^not ok.* # error\|verdict: error' "$TMP/$1.tap" &&
		[ "$(grep -c '^\(not \)\?ok ' "$TMP/$1.tap")" = 6 ] &&
		awk '/duration_ms:/ { if ($2 > 180000) bad = 1 } END { exit bad }' "$TMP/$1.tap"
}
for mode in silent garbage; do
	ok "$(in_time $mode && echo 0 || echo 1)" "peer coap $mode: six verdicts, none error, each inside its deadline"
	is "$(grep -c 'verdict: inconc' "$TMP/$mode.tap")" 6 "peer coap $mode: nothing keur can read, so all six are inconc, none pass"
done
ok "$(in_time wrongtoken && echo 0 || echo 1)" "peer coap wrongtoken: six verdicts, none error, each inside its deadline"
is "$(verdict_of "$TMP/wrongtoken.tap" COAP-DISC-001)" inconc "an answer with another token is no answer: COAP-DISC-001 is inconc"
is "$(verdict_of "$TMP/flood.tap" COAP-AMP-001)" fail "50 responses to one request: COAP-AMP-001 fails"
like "$(cat "$TMP/flood.tap")" "answered a request with an unknown critical option with 2.05" "and COAP-ROB-001 sees the unknown critical option served"
is "$(verdict_of "$TMP/wedge.tap" COAP-ROB-001)" fail "a peer that stops answering after one malformed message: COAP-ROB-001 fails"
like "$(cat "$TMP/wedge.tap")" "stopped answering after version 0" "and names the message"
done_testing
