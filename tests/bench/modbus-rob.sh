#!/usr/bin/env bash
# Benchmark: MODBUS-ROB-001's throughput against libmodbus's own bandwidth-client.
#  For each server — pymodbus's (the one both clients can use in full), keur's reference device
#  and libmodbus's bandwidth-server-many-up — in the same run:
#   * keur: the requests per second of MODBUS-ROB-001's 1000 seeded mutations, liveness probes
#     (a new connection and a read every 50) included, as the case reports it;
#   * bandwidth-client: requests per second of its register-read loop (PEER_LOOPS requests of
#     125 registers each, one after another on one connection): the raw rate on this machine.
#  bandwidth-client cannot run against the reference device (its map is 16 coils and writes to
#  registers 1-121 are refused), and keur's mutations against bandwidth-server-many-up meet
#  libmodbus's habit of waiting its response timeout (0.5 s) before every exception: those two
#  cells say so instead of a figure.  ROUNDS rounds (default 3), medians printed; asserts nothing.
#   bash tests/bench/modbus-rob.sh [ROUNDS] [LOOPS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-3}
LOOPS=${2:-3000}
LX=$TOP/build/libmodbus-examples
bash "$TOP/tests/peers/libmodbus-examples.sh" "$LX" || exit 2
[ -r /usr/lib/python3/dist-packages/pymodbus/__init__.py ] || { echo "bench: python3-pymodbus is missing" >&2; exit 2; }

PM=$(freeport)
bg /usr/bin/python3 "$TOP/tests/peers/pymodbus-server.py" tcp "$PM" 2> "$TMP/pm.log"
poll_until 15 "$PEER" wait-port "$PM" 200 || { echo "bench: pymodbus did not start" >&2; exit 2; }
SD=$(freeport)
start_simdev sd --id bench --coap-port 0 --coaps-port 0 --modbus-port "$SD" --state "$TMP/sd.state"
BS=$(freeport)
PEER_PORT=$BS bg "$LX/bandwidth-server-many-up" > "$TMP/bs.log" 2>&1
poll_until 5 "$PEER" wait-port "$BS" 200 || { echo "bench: bandwidth-server-many-up did not start" >&2; exit 2; }

dut() { printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <modbus host="127.0.0.1" port="%s" unit="1" timeout="2" safe-register="%s"/>\n</dut>\n' "$1" "$2" "$3" > "$TMP/$1.xml"; }
dut pm "$PM" 10
dut sd "$SD" 100
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
rob() { # rob NAME: MODBUS-ROB-001's mutation rate
	rm -rf "$TMP/out-$1"
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MODBUS-ROB-001 > /dev/null 2>&1
	sed -n 's/.*mutation rate: .*(\([0-9]*\) requests\/s).*/\1/p' "$TMP/out-$1/evidence/MODBUS-ROB-001/transcript.txt"
}
bwc() { # bwc PORT: bandwidth-client's register reads per second
	PEER_PORT=$1 PEER_LOOPS=$LOOPS "$LX/bandwidth-client" tcp 2>/dev/null |
		awk -v n="$LOOPS" '/ms for/ { k++; if (k == 3) { printf "%.0f\n", n / ($2 / 1000) } }'
}
k_pm=(); b_pm=(); k_sd=(); b_bs=()
for r in $(seq "$ROUNDS"); do
	k_pm+=("$(rob pm)")
	b_pm+=("$(bwc "$PM")")
	k_sd+=("$(rob sd)")
	b_bs+=("$(bwc "$BS")")
	echo "# round $r: keur/pymodbus ${k_pm[-1]}  bandwidth-client/pymodbus ${b_pm[-1]}  keur/simdev ${k_sd[-1]}  bandwidth-client/libmodbus ${b_bs[-1]}" >&2
done
kp=$(printf '%s\n' "${k_pm[@]}" | median); bp=$(printf '%s\n' "${b_pm[@]}" | median)
printf '%-34s %18s %22s\n' "server (medians of $ROUNDS rounds)" "MODBUS-ROB-001 req/s" "bandwidth-client req/s"
printf '%-34s %18s %22s\n' "pymodbus 3.0 (python3-pymodbus)" "$kp" "$bp"
printf '%-34s %18s %22s\n' "keur-simdev (reference device)" "$(printf '%s\n' "${k_sd[@]}" | median)" "cannot run (map)"
printf '%-34s %18s %22s\n' "libmodbus bandwidth-server-many-up" "0.5 s per exception" "$(printf '%s\n' "${b_bs[@]}" | median)"
awk -v k="$kp" -v b="$bp" 'BEGIN { if (b > 0) printf "keur / raw against the same server (pymodbus): %.2f (target: at least 0.5)\n", k / b }'
