#!/usr/bin/env bash
# COAP-DISC-001 and COAP-AUTH-001 against the reference device (strict and --flaw open-write) and
# against libcoap's own example server (coap-server-openssl, which lets anyone PUT /time and
# /example_data).  Every write keur makes is to a declared safe value or without a payload, and
# what changed is put back.
. "$(dirname "$0")/lib.sh"
plan 20

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=unused" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
dut() { # dut NAME PORT RESOURCES-XML [TIMEOUT]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <coap uri="coap://127.0.0.1:%s/" timeout="%s">%s</coap>\n</dut>\n' "$1" "$2" "${4:-2}" "$3" > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "${2:-COAP-DISC-001,COAP-AUTH-001}" > "$TMP/$1.tap" 2>/dev/null; }
ALL='<resource path="/sensors/temp"/><resource path="/actuators/relay" safe-value="1"/><resource path="/setpoint" safe-value="21.5"/><resource path="/config"/><resource path="/diag"/>'
NODIAG='<resource path="/sensors/temp"/><resource path="/actuators/relay" safe-value="1"/><resource path="/setpoint" safe-value="21.5"/><resource path="/config"/>'

coap_device strict
coap_device amp --flaw amplifier
coap_device open --flaw open-write
dut strict "$PORT_strict" "$ALL"
dut strict-nodiag "$PORT_strict" "$NODIAG"
dut strict-amp "$PORT_strict" "$ALL"
dut amp "$PORT_amp" "$ALL"
dut open "$PORT_open" "$ALL"
before=$(coap -m get "coap://127.0.0.1:$PORT_open/setpoint")
CS=$(freeport)
bg coap-server-openssl -A 127.0.0.1 -p "$CS" >/dev/null 2>&1
poll_until 5 bash -c "coap-client-openssl -B 1 -m get coap://127.0.0.1:$CS/ 2>/dev/null | grep -q libcoap"
cs_up=$?
dut cs "$CS" "" 1
dut cs-amp "$CS" "" 1
dut nobody "$(freeport)" "$ALL"
RUNS=()
{ run strict; run strict-nodiag; } & RUNS+=($!)
run strict-amp COAP-AMP-001 & RUNS+=($!)
run amp COAP-AMP-001 & RUNS+=($!)
run open & RUNS+=($!)
{ run cs; run cs-amp COAP-AMP-001; } & RUNS+=($!)
run nobody & RUNS+=($!)
wait "${RUNS[@]}"

is "$(verdict_of "$TMP/strict.tap" COAP-DISC-001)" pass "every resource the device lists is declared: COAP-DISC-001 passes"
is "$(verdict_of "$TMP/strict.tap" COAP-AUTH-001)" pass "the device refuses writes without DTLS: COAP-AUTH-001 passes"
like "$(cat "$TMP/strict.tap")" "refused all 20 unauthenticated writes on 5 resource" "and says how many writes it refused"
is "$(verdict_of "$TMP/strict-nodiag.tap" COAP-DISC-001)" fail "/diag listed but not declared: COAP-DISC-001 fails"
like "$(cat "$TMP/strict-nodiag.tap")" "lists undeclared resource\\(s\\): /diag" "and names it"
is "$(verdict_of "$TMP/strict-amp.tap" COAP-AMP-001)" pass "the device's answers stay within 3 times the request: COAP-AMP-001 passes"
is "$(grep -c $'\t' "$TMP/out-strict-amp/evidence/COAP-AMP-001/amplification.txt")" 19 "amplification.txt: a header and 3 requests for each of 6 resources"
is "$(verdict_of "$TMP/amp.tap" COAP-AMP-001)" fail "--flaw amplifier: COAP-AMP-001 fails"
like "$(cat "$TMP/amp.tap")" "amplifies by [0-9.]+ without an Echo challenge \\(worst: GET /diag: 10[0-9][0-9] bytes back" "and names the worst resource and its factor"
is "$(verdict_of "$TMP/open.tap" COAP-AUTH-001)" fail "--flaw open-write: COAP-AUTH-001 fails"
like "$(cat "$TMP/open.tap")" "unauthenticated PUT /setpoint answered 2.04, and reading it back gives .*21.5" "and proves the change by reading it back"
is "$(coap -m get "coap://127.0.0.1:$PORT_open/setpoint")" "$before" "keur put the setpoint back ($before)"
ok $cs_up "coap-server-openssl answers on 127.0.0.1:$CS"
is "$(verdict_of "$TMP/cs.tap" COAP-DISC-001)" fail "coap-server lists resources, none declared: COAP-DISC-001 fails"
like "$(cat "$TMP/cs.tap")" "declares none: /, /time, /async, /example_data" "and lists them"
is "$(verdict_of "$TMP/cs.tap" COAP-AUTH-001)" fail "coap-server takes an unauthenticated PUT: COAP-AUTH-001 fails"
like "$(cat "$TMP/cs.tap")" "unauthenticated PUT /example_data answered 2.04" "and names the resource"
like "$(coap -m get "coap://127.0.0.1:$CS/example_data")" "^a123456789" "keur put /example_data back"
is "$(verdict_of "$TMP/cs-amp.tap" COAP-AMP-001)" fail "coap-server answers 21 bytes with about 1 KiB of example data: COAP-AMP-001 fails"
is "$(verdict_of "$TMP/nobody.tap" COAP-DISC-001)" inconc "nothing listens: COAP-DISC-001 is inconc, not pass"
done_testing
