#!/usr/bin/env bash
# NET-PORTS-001 on a DUT at 127.0.0.1, an address the lab machine shares with its other programs
# (issue 31): the reference device with a declared Modbus port and an undeclared debug shell,
# beside unrelated listeners of this test (TCP and UDP).  Without <local-process> the undeclared
# ports are inconc, never fail; with the device's pid file the case fails for its own port only,
# naming the process, and notes the others as not the DUT's; a good device passes beside an
# unrelated listener; a declaration that names no running process is inconc; a malformed
# <local-process> is one loader line naming file and line.
. "$(dirname "$0")/lib.sh"
plan 32

# The flawed device runs under a wrapper shell (not exec'd), so that its pid file names the
# parent and the device counts as its descendant.
bad_mb=$(freeport); bad_x=$(freeport)
rm -f "$TMP/bad.ready"
bg bash -c '"$@"; exit $?' wrapper "$SIMDEV" --ready-file "$TMP/bad.ready" --id bad --coap-port 0 --coaps-port 0 \
	--modbus-port "$bad_mb" --state "$TMP/bad.state" --flaw extra-port --extra-port "$bad_x" 2> "$TMP/bad.log"
wrapper=$BG
poll_until 5 test -s "$TMP/bad.ready" || { echo "Bail out! keur-simdev bad did not start: $(tail -3 "$TMP/bad.log")"; exit 1; }
bad_pid=$(cat "/proc/$wrapper/task/$wrapper/children" 2>/dev/null | awk '{ print $1 }')
[ -n "$bad_pid" ] || { echo "Bail out! no child of the wrapper shell $wrapper"; exit 1; }
PIDS+=("$bad_pid")
echo "$wrapper" > "$TMP/bad.pid"

mbdev good
good_pid=$BG
echo "$good_pid" > "$TMP/good.pid"

# Programs of the lab machine that are not the DUT: a TCP listener and a UDP service.
serve_peer other "$PEER" serve close 120; other_pid=$BG; other=$PORT
serve_peer otherudp "$PEER" coap garbage 120; otherudp_pid=$BG; otherudp=$PORT
closed=$(freeport); closed_udp=$(freeport)
bash -c 'exit 0' & dead=$!; wait "$dead"

# dut NAME MODBUS-PORT SCAN-TCP SCAN-UDP [MORE-XML]
dut() {
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <modbus host="127.0.0.1" port="%s"/>\n  <ports scan-tcp="%s" scan-udp="%s"/>\n%s\n</dut>\n' \
		"$1" "$2" "$3" "$4" "${5:-}" > "$TMP/$1.xml"
}
all_tcp="$bad_mb,$bad_x,$other,$closed"
all_udp="$otherudp,$closed_udp"
dut noproc "$bad_mb" "$all_tcp" "$all_udp"
dut pidfile "$bad_mb" "$all_tcp" "$all_udp" '  <local-process pid-file="bad.pid"/>'
dut good "$good_mb" "$good_mb,$closed" "$closed_udp" '  <local-process pid-file="good.pid"/>'
dut goodbeside "$good_mb" "$good_mb,$other,$closed" "$all_udp" '  <local-process pid-file="good.pid"/>'
dut dead "$good_mb" "$good_mb,$other" "$closed_udp" "  <local-process pid-file=\"$TMP/dead.pid\"/>"
echo "$dead" > "$TMP/dead.pid"
dut nofile "$good_mb" "$good_mb" "$closed_udp" '  <local-process pid-file="no-such.pid"/>'
dut nounit "$good_mb" "$good_mb" "$closed_udp" '  <local-process unit="keur-no-such-unit"/>
  <local-process pid-file="good.pid"/>'

# The runs side by side; TAP in $TMP/NAME.tap, the exit code in $TMP/NAME.rc.
RUNS=()
for n in noproc pidfile good goodbeside dead nofile nounit; do
	{ "$KEUR" run --dut "$TMP/$n.xml" --out "$TMP/out-$n" --only NET-PORTS-001 --no-progress \
		> "$TMP/$n.tap" 2> "$TMP/$n.err" < /dev/null; echo $? > "$TMP/$n.rc"; } &
	RUNS+=($!)
done
wait "${RUNS[@]}"
v() { verdict_of "$TMP/$1.tap" NET-PORTS-001; }
r() { sed -n 's/^  reason: //p' "$TMP/$1.tap" | head -n 1; }
ev() { cat "$TMP/out-$1/evidence/NET-PORTS-001/ports.txt" "$TMP/out-$1/evidence/NET-PORTS-001/transcript.txt" 2>/dev/null; }

# No process declared: the machine's ports and the DUT's cannot be told apart.
is "$(v noproc)" inconc "no <local-process>: undeclared ports on 127.0.0.1 are inconc, not fail"
is "$(cat "$TMP/noproc.rc")" 3 "no <local-process>: exit 3 (inconclusive)"
like "$(r noproc)" "127\.0\.0\.1 is an address of this machine: keur cannot tell the DUT's ports from the machine's \(" \
	"the reason names the shared address as the cause"
like "$(r noproc)" "TCP $bad_x[ ,)]" "and the device's undeclared port"
like "$(r noproc)" "TCP $other[ ,)]" "and the unrelated listener's port"
like "$(r noproc)" "UDP $otherudp[ ,)]" "and the unrelated UDP service"
like "$(r noproc)" "declare the DUT's processes \(<local-process pid-file=" "and says what to declare"
like "$(ev noproc)" "tcp $bad_x open NOT DECLARED .*
  held by PID $bad_pid \(keur-simdev\)" "ports.txt: who holds the device's undeclared port"
like "$(ev noproc)" "tcp $other open NOT DECLARED .*
  held by PID $other_pid \(peer\)" "ports.txt: who holds the unrelated port"

# The device's pid file (its wrapper's; the device is a descendant): its own port fails.
is "$(v pidfile)" fail "pid file declared: the device's undeclared port fails"
like "$(r pidfile)" "^\"?127\.0\.0\.1 TCP $bad_x is open and not declared; held by PID $bad_pid \(keur-simdev\); it answers .*debug shell" \
	"naming the port, the device's process (a descendant of the declared PID) and what answers"
r pidfile | grep -q "TCP $other\b"; is $? 1 "the unrelated listener's port is not in the reason"
r pidfile | grep -q "UDP $otherudp\b"; is $? 1 "nor the unrelated UDP service"
like "$(ev pidfile)" "127\.0\.0\.1 TCP $other: held by PID $other_pid \(peer\), not the DUT" "the transcript notes the unrelated port as not the DUT's"
like "$(ev pidfile)" "127\.0\.0\.1 UDP $otherudp: held by PID $otherudp_pid \(peer\), not the DUT" "and the UDP service"
like "$(ev pidfile)" "tcp $bad_mb open declared
  held by PID $bad_pid \(keur-simdev\), the DUT" "ports.txt: the declared port, held by the DUT"
like "$(ev pidfile)" "the DUT's processes: PID $wrapper $bad_pid" "the transcript lists the declared process and its descendant"

# A good device: pass, also with unrelated listeners inside the scan range.
is "$(v good)" pass "only declared ports on the device, the unrelated listener outside the range: pass"
is "$(v goodbeside)" pass "unrelated TCP and UDP listeners inside the range, held by others: pass"
like "$(r goodbeside)" "open but not the DUT's: TCP $other \(PID $other_pid \(peer\)\)" "the pass reason names the ports that are not the DUT's"
like "$(r goodbeside)" "UDP $otherudp \(PID $otherudp_pid \(peer\)\)" "the UDP one too"

# Declarations that cannot be checked: inconc, never a pass.
is "$(v dead)" inconc "a pid file naming a dead PID: inconc"
like "$(r dead)" "<local-process pid-file=\\\\\"$TMP/dead\.pid\\\\\"> \(line 4\) names no running process: PID $dead from .* is not running" \
	"naming the declaration, its line and the PID"
is "$(v nofile)" inconc "a pid file that does not exist: inconc"
like "$(r nofile)" "cannot read $TMP/no-such\.pid: No such file" "naming the file, resolved beside the DUT description"
is "$(v nounit)" inconc "a unit with no process (beside a good pid file): inconc"
like "$(r nounit)" "no process is in unit keur-no-such-unit\.service" "naming the unit"

# A malformed <local-process>: one line naming file and line, exit 2.
printf '<dut xmlns="urn:keur:dut:1" id="m">\n  <modbus host="127.0.0.1"/>\n  <local-process/>\n</dut>\n' > "$TMP/none.xml"
out=$("$KEUR" lint "$TMP/none.xml" 2>&1); rc=$?
is "$rc" 2 "<local-process> without an attribute: exit 2"
is "$out" "keur: $TMP/none.xml:3: <local-process> takes exactly one of pid-file, unit, cgroup, netns; found none" \
	"one line naming file and line"
printf '<dut xmlns="urn:keur:dut:1" id="m">\n  <modbus host="127.0.0.1"/>\n\n  <local-process pid-file="a.pid" netns="dut"/>\n</dut>\n' > "$TMP/two.xml"
out=$("$KEUR" lint "$TMP/two.xml" 2>&1); rc=$?
is "$rc" 2 "<local-process> with two attributes: exit 2"
is "$out" "keur: $TMP/two.xml:4: <local-process> takes exactly one of pid-file, unit, cgroup, netns; found pid-file and netns" \
	"one line naming file, line and both attributes"
"$KEUR" run --dut "$TMP/two.xml" --out "$TMP/never" > /dev/null 2>&1
is $? 2 "and keur run refuses it before any traffic"
done_testing
