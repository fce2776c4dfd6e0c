#!/usr/bin/env bash
# OFFLINE-LOCAL/RECOVER/POWER-001 and NET-PORTS-001 against the simulated lab (needs root): the
# reference device passes; dies-offline fails LOCAL, no-reconnect fails RECOVER, extra-port
# fails NET-PORTS, each naming what it found; a keur killed during a cut leaves the uplink cut,
# and the next run puts it back before its first case.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_begin
LN=$(lab_name t71)
plan 21

L=$TMP/lab
trap '[ -f "$L/lab.state" ] && "$KEUR" lab down --dir "$L" >/dev/null 2>&1; cleanup' EXIT
# dev3, a second good device, is the one whose keur is killed mid-cut, beside the other runs.
"$KEUR" lab up --dir "$L" --name "$LN" --duts 4 --flaw 1:dies-offline --flaw 2:no-reconnect --flaw 2:extra-port \
	> "$TMP/up.out" 2>&1
is $? 0 "keur lab up: a good device, one that dies offline, one that never reconnects and opens a port, and a good one"
wan_up() { ip -n "keur-$LN-dut$1" link show wan0 | grep -q "state UP"; }
wan_down() { ip -n "keur-$LN-dut$1" link show wan0 | grep -q "state DOWN"; }

# The three devices in parallel (each run takes about a minute), and beside them a fourth whose
# keur is killed mid-cut.
run() {
	local i=$1 only=$2
	"$KEUR" run --dut "$L/dev$i.xml" --lab "$L/lab.xml" --out "$TMP/r$i" --only "$only" --no-progress \
		> "$TMP/r$i.tap" 2> "$TMP/r$i.err" < /dev/null
}
run 0 NET-PORTS-001,OFFLINE-LOCAL-001,OFFLINE-RECOVER-001,OFFLINE-POWER-001 & p0=$!
run 1 OFFLINE-LOCAL-001,OFFLINE-POWER-001 & p1=$!
run 2 NET-PORTS-001,OFFLINE-RECOVER-001,OFFLINE-POWER-001 & p2=$!

# keur killed during a cut: the case dies with it and the uplink stays cut; the resumed run
# puts it back before anything else, and runs the case again.
"$KEUR" run --dut "$L/dev3.xml" --lab "$L/lab.xml" --out "$TMP/k" --only OFFLINE-LOCAL-001 --no-progress \
	> "$TMP/k.tap" 2>&1 < /dev/null & kp=$!
poll_until 30 wan_down 3; ok $? "the case cut dev3's uplink"
kill -KILL "$kp"; wait "$kp" 2>/dev/null
sleep 1
wan_down 3; ok $? "keur killed: the uplink is still cut"
"$KEUR" run --resume "$TMP/k" --no-progress > "$TMP/k2.tap" 2>&1 < /dev/null & rp=$!
poll_until 10 wan_up 3; ok $? "the resumed run put it back"
wait "$rp"
is "$(verdict_of "$TMP/k2.tap" OFFLINE-LOCAL-001)" pass "and finished the case"

wait $p0 $p1 $p2
v() { verdict_of "$TMP/r$1.tap" "$2"; }
r() { grep -A6 "$2" "$TMP/r$1.tap" | grep reason; }
is "$(v 0 NET-PORTS-001) $(v 0 OFFLINE-LOCAL-001) $(v 0 OFFLINE-RECOVER-001) $(v 0 OFFLINE-POWER-001)" "pass pass pass pass" \
	"the reference device passes NET-PORTS and the three OFFLINE cases"
like "$(r 0 OFFLINE-LOCAL-001)" "all 5 functions kept working .*not reached from inside namespace keur-$LN-dut0" \
	"LOCAL names how the cut was confirmed"
grep -q "ip -n keur-$LN-dut0 link set wan0 down" "$TMP/r0/evidence/OFFLINE-LOCAL-001/fixtures.txt"; ok $? "the cut itself is in the evidence"
grep -q ',offline,relay-on,ok,1,' "$TMP/r0/evidence/OFFLINE-LOCAL-001/probes.csv"; ok $? "the relay's effect was read back over CoAP offline"
like "$(r 0 OFFLINE-RECOVER-001)" "back with telemetry [0-9.]+ s after the uplink returned" "RECOVER reports the time it took"
like "$(r 0 OFFLINE-POWER-001)" "every function worked after [0-9.]+ s, the cloud session with telemetry after [0-9.]+ s; 1 persistent value kept" \
	"POWER reports its return and the setpoint that survived"
like "$(r 0 NET-PORTS-001)" "65535 TCP ports scanned, open as declared: 502; .*answering as declared: 5683" "NET-PORTS lists what it scanned"
is "$(v 1 OFFLINE-LOCAL-001)" fail "dies-offline: LOCAL fails"
like "$(r 1 OFFLINE-LOCAL-001)" "with the uplink cut: 'read-temperature' failed [0-9]+ of [0-9]+ probes, first at \\+[0-9.]+ s" \
	"naming the function, how often and from when"
is "$(v 1 OFFLINE-POWER-001)" pass "dies-offline: POWER passes once it is back on line"
is "$(v 2 OFFLINE-RECOVER-001)" fail "no-reconnect: RECOVER fails"
like "$(r 2 OFFLINE-RECOVER-001)" "did not come back with telemetry within 30 s" "saying it did not come back"
is "$(v 2 OFFLINE-POWER-001)" pass "no-reconnect: a fresh start still connects (POWER passes)"
is "$(v 2 NET-PORTS-001)" fail "extra-port: NET-PORTS fails"
like "$(r 2 NET-PORTS-001)" "TCP 2323 is open and not declared; it answers .*debug shell" "naming the port and what answers there"
wan_up 0 && wan_up 1 && wan_up 2; ok $? "every uplink is back up after the runs"

done_testing
