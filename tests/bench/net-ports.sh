#!/usr/bin/env bash
# Benchmark: NET-PORTS-001's scan against nmap's TCP connect scan, in the same run.
#  The reference device on loopback (Modbus on a port of its own; with --flaw extra-port, a
#  second TCP service).  keur: the case's wall time for all 65535 TCP ports and its 44 UDP
#  probes (UDP rounds included), from the case's duration in the journal; nmap: `nmap -sT -p-`
#  (TCP only, connect scan, no root needed, -T4) and `nmap -sU` over keur's UDP list (root).
#  ROUNDS rounds (default 3), medians printed; asserts nothing.
#   bash tests/bench/net-ports.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-3}
command -v nmap > /dev/null || { echo "bench: nmap is missing" >&2; exit 2; }
MB=$(freeport)
EX=$(freeport)
start_simdev sd --id bench --coap-port 0 --coaps-port 0 --modbus-port "$MB" --extra-port "$EX" --flaw extra-port \
	--state "$TMP/sd.state"
printf '<dut xmlns="urn:keur:dut:1" id="bench">\n  <modbus host="127.0.0.1" port="%s" unit="1"/>\n</dut>\n' "$MB" > "$TMP/dut.xml"
UDP=$(sed -n 's/^\t"\(.*\)"$/\1/p; s/^\t"\(.*\)";$/\1/p' "$TOP/suites/net_ports.c" | tr -d '\n')
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s%N; }
for r in $(seq "$ROUNDS"); do
	rm -rf "$TMP/out"
	"$KEUR" run --dut "$TMP/dut.xml" --out "$TMP/out" --only NET-PORTS-001 > "$TMP/k.tap" 2>/dev/null
	sed -n 's/^case id=NET-PORTS-001 .*duration-ms=\([0-9]*\).*/\1/p' "$TMP/out/journal" >> "$TMP/keur"
	grep -q "TCP $EX is open and not declared" "$TMP/k.tap" || echo "bench: keur did not find port $EX" >&2
	t=$(now); nmap -n -Pn -sT -T4 -p- 127.0.0.1 > "$TMP/n.out" 2>&1; echo $(( ($(now) - t) / 1000000 )) >> "$TMP/nmap"
	grep -q "^$EX/tcp *open" "$TMP/n.out" || echo "bench: nmap did not find port $EX" >&2
	if [ "$(id -u)" = 0 ]; then
		t=$(now); nmap -n -Pn -sU -T4 -p "$UDP" 127.0.0.1 > /dev/null 2>&1; echo $(( ($(now) - t) / 1000000 )) >> "$TMP/nmapu"
	fi
done
printf 'NET-PORTS-001 on loopback, median of %d rounds\n' "$ROUNDS"
printf '  keur NET-PORTS-001 (65535 TCP + UDP list) %6d ms\n' "$(median < "$TMP/keur")"
printf '  nmap -sT -T4 -p- (TCP only)               %6d ms\n' "$(median < "$TMP/nmap")"
[ -s "$TMP/nmapu" ] && printf '  nmap -sU -T4 (keur'"'"'s UDP list)             %6d ms\n' "$(median < "$TMP/nmapu")"
exit 0
