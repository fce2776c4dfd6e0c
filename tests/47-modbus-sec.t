#!/usr/bin/env bash
# MODBUS-SEC-001 against Modbus/TCP Security fronts on loopback: the project's own front
# (OpenSSL through Python's ssl module, with the role check), strict and with one defect each,
# and socat's OpenSSL listener (certificates checked, no roles at all) — each in front of the
# reference device's plain Modbus port.  keur makes its client certificates from the lab CA.
. "$(dirname "$0")/lib.sh"
plan 14

make_tls lab
m=$(freeport)
start_simdev back --id back --coap-port 0 --coaps-port 0 --modbus-port "$m" --state "$TMP/back.state"
PY=/usr/bin/python3
front() { # front NAME MODE: the project's front in MODE; its port in $PORT
	serve_peer "$1" "$PY" "$TOP/tests/peers/mbtls-front.py" --cert "$TMP/lab-server.pem" --key "$TMP/lab-server.key" \
		--ca "$TMP/lab-ca.pem" --backend "$m" --mode "$2" --seconds 120
}
dut() { # dut NAME PORT EXTRA-ATTRIBUTES
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <modbus host="127.0.0.1" port="%s" tls-port="%s" ca-file="%s" ca-key-file="%s" unit="1" timeout="2" %s/>\n</dut>\n' \
		"$1" "$m" "$2" "$TMP/lab-ca.pem" "$TMP/lab-ca.key" "$3" > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MODBUS-SEC-001 > "$TMP/$1.tap" 2>"$TMP/$1.err"; rc=$?; }
reason() { awk '/^  reason: / { print; exit }' "$TMP/$1.tap"; }
ROLES='safe-register="0" write-role="operator" read-role="viewer"'

front strict strict
dut strict "$PORT" "$ROLES"
run strict
is "$(verdict_of "$TMP/strict.tap" MODBUS-SEC-001)" pass "strict front: lab CA only, roles enforced -> pass"
like "$(cat "$TMP/out-strict/evidence/MODBUS-SEC-001/transcript.txt")" "FC06 register 0 := [0-9]+ \\(its own value\\) with role \"viewer\": exception 01" \
	"the read-only role's write got exception 01"
like "$(cat "$TMP/out-strict/evidence/MODBUS-SEC-001/transcript.txt")" "a read by a client without a certificate: (the handshake failed|the connection was closed|the request could not be sent)" "no certificate: refused at or right after the handshake"
like "$(cat "$TMP/out-strict/evidence/MODBUS-SEC-001/transcript.txt")" "TLS 1.0 offered alone: refused" "TLS 1.0 alone is refused"
is "$rc" 0 "exit 0"

front ign ignore-role
dut ign "$PORT" "$ROLES"
run ign
is "$(verdict_of "$TMP/ign.tap" MODBUS-SEC-001)" fail "roles not checked -> fail"
like "$(reason ign)" "without the role extension was served a read" "the role-less certificate got in"
like "$(reason ign)" "read-only role .*viewer.* was allowed to write register 0" "and the read-only role wrote"

front open no-client-auth
dut open "$PORT" "$ROLES"
run open
is "$(verdict_of "$TMP/open.tap" MODBUS-SEC-001)" fail "no client certificate asked for -> fail"
like "$(reason open)" "without a certificate was served a read" "the reason says a client without a certificate was served"

front old tls10
dut old "$PORT" "$ROLES"
run old
like "$(reason old)" "TLS 1.0 is accepted" "TLS 1.0 accepted -> named in the reason"

# socat as the TLS front (certificates checked, no idea of roles): a peer nobody here wrote.
s=$(freeport)
bg socat "openssl-listen:$s,bind=127.0.0.1,reuseaddr,fork,cert=$TMP/lab-server.pem,key=$TMP/lab-server.key,cafile=$TMP/lab-ca.pem,verify=1" "tcp:127.0.0.1:$m" 2> "$TMP/socat.log"
poll_until 5 "$PEER" wait-port "$s" 200 || { echo "Bail out! socat did not listen"; exit 1; }
dut socat "$s" "$ROLES"
run socat
is "$(verdict_of "$TMP/socat.tap" MODBUS-SEC-001)" fail "socat: certificates checked but roles are not -> fail"
like "$(reason socat)" "without the role extension was served a read" "the reason names the missing role check"

dut nokey "$PORT" "$ROLES"
sed -i 's/ ca-key-file="[^"]*"//' "$TMP/nokey.xml"
run nokey
is "$(verdict_of "$TMP/nokey.tap" MODBUS-SEC-001)" inconc "no lab CA key to make certificates with -> inconc"

done_testing
