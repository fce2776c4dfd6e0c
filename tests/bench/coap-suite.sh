#!/usr/bin/env bash
# Benchmark: the CoAP suite against the reference device on loopback.
#  1. Robustness throughput: COAP-ROB-001's 2000 seeded mutations with a liveness probe every 50,
#     in messages per second, against plain request/response round trips to the same device in
#     the same run: a loop of one GET after another on one socket (tests/peer coap-rtt) and a
#     loop of coap-client-openssl processes (what a shell script with libcoap's client achieves).
#  2. The whole CoAP suite (DISC, AUTH, AMP, SEC, REPLAY, ROB, BLOCK, and CRED-DEFAULT over
#     DTLS-PSK) against one device with plain CoAP and DTLS: total time and each case's share.
# ROUNDS rounds (default 3), medians printed; asserts nothing.
#   bash tests/bench/coap-suite.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-3}
command -v coap-client-openssl >/dev/null || { echo "bench: coap-client-openssl is missing (apt-get install libcoap3-bin)" >&2; exit 2; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=unused" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
printf 'bench-psk-key' > "$TMP/psk"
P=$(freeport); S=$(freeport)
start_simdev plain --id bench --lan 127.0.0.1 --coap-port "$P" --coaps-port 0 --modbus-port 0 \
	--mqtt-host 127.0.0.1 --mqtt-port "$(freeport)" --mqtt-ca "$TMP/ca.pem"
P2=$(freeport)
start_simdev both --id bench2 --lan 127.0.0.1 --coap-port "$P2" --coaps-port "$S" --modbus-port 0 \
	--psk-identity lab --psk-key-file "$TMP/psk" --mqtt-host 127.0.0.1 --mqtt-port "$(freeport)" --mqtt-ca "$TMP/ca.pem"
RES='<resource path="/sensors/temp"/><resource path="/actuators/relay" safe-value="1"/><resource path="/setpoint" safe-value="21.5"/><resource path="/config"/><resource path="/diag"/>'
printf '<dut xmlns="urn:keur:dut:1" id="bench">\n  <coap uri="coap://127.0.0.1:%s/" timeout="2">%s</coap>\n</dut>\n' "$P" "$RES" > "$TMP/plain.xml"
printf '<dut xmlns="urn:keur:dut:1" id="bench2">\n  <coap uri="coaps://127.0.0.1:%s/" plain-port="%s" psk-identity="lab" psk-key-file="%s" timeout="2">%s</coap>\n</dut>\n' \
	"$S" "$P2" "$TMP/psk" "$RES" > "$TMP/both.xml"

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s%N; }
rob=(); rtt=(); cli=(); whole=()
for r in $(seq "$ROUNDS"); do
	rm -rf "$TMP/rob"
	"$KEUR" run --dut "$TMP/plain.xml" --out "$TMP/rob" --only COAP-ROB-001 > "$TMP/rob.tap" 2>/dev/null
	rob+=("$(awk -F'\t' '/mutations of a valid GET/ { split($3, a, " "); print a[1] }' "$TMP/rob/evidence/COAP-ROB-001/reactions.txt")")
	rtt+=("$("$PEER" coap-rtt "$P" 5000 | awk '{ print $3 }')")
	s=$(now)
	for _ in $(seq 200); do coap-client-openssl -B 2 -m get "coap://127.0.0.1:$P/sensors/temp" > /dev/null 2>&1; done
	e=$(now)
	cli+=("$(awk -v ns=$((e - s)) 'BEGIN { printf "%.0f", 200 / (ns / 1e9) }')")
	rm -rf "$TMP/whole"
	s=$(now)
	"$KEUR" run --dut "$TMP/both.xml" --out "$TMP/whole" \
		--only COAP-DISC-001,COAP-AUTH-001,COAP-AMP-001,COAP-SEC-001,COAP-REPLAY-001,COAP-ROB-001,COAP-BLOCK-001,CRED-DEFAULT-001 \
		> "$TMP/whole.tap" 2>/dev/null
	e=$(now)
	whole+=($(( (e - s) / 1000000 )))
done
R=$(printf '%s\n' "${rob[@]}" | median); T=$(printf '%s\n' "${rtt[@]}" | median); C=$(printf '%s\n' "${cli[@]}" | median)
echo "CoAP robustness throughput against keur-simdev on loopback, median of $ROUNDS rounds:"
printf '  %-58s %8s msg/s\n' "keur COAP-ROB-001 mutations (probe every 50)" "$R"
printf '  %-58s %8s req/s\n' "plain round trips, one socket (tests/peer coap-rtt)" "$T"
printf '  %-58s %8s req/s\n' "plain round trips, coap-client-openssl processes" "$C"
awk -v r="$R" -v t="$T" 'BEGIN { printf "  robustness / round-trip rate: %.2f (target: at least 0.5)\n", r / t }'
echo
echo "The whole CoAP suite against one device (plain + DTLS-PSK), median of $ROUNDS rounds: $(printf '%s\n' "${whole[@]}" | median) ms"
echo "  last round, by case (verdict, ms):"
awk '/^(not )?ok [0-9]+ - / { id = $4 } /^  verdict:/ { v = $2 } /^  duration_ms:/ { printf "    %-18s %-7s %7d\n", id, v, $2 }' "$TMP/whole.tap"
