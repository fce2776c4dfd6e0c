#!/usr/bin/env bash
# OFFLINE-LOCAL-001 through the lab's command and manual fixtures, on loopback: a bench whose cut
# and restore are shell commands (a managed switch, labgrid, a smart plug).  Commands that
# succeed, fail and hang; a cut that cannot be confirmed; an operator who is not there.  What
# each command printed is in the case's evidence.
. "$(dirname "$0")/lib.sh"
plan 25

mbdev d0
cat > "$TMP/dut.xml" <<X
<dut xmlns="urn:keur:dut:1" id="bench-plc">
  <modbus host="127.0.0.1" port="$d0_mb" unit="1"/>
  <function name="relay-state" protocol="modbus" read-coil="0"/>
  <function name="temperature" protocol="modbus" read-register="0"/>
  <offline window="3" interval="1"/>
</dut>
X
# lab NAME UPLINK-ATTRIBUTES: a lab description with that uplink fixture.
lab() {
	cat > "$TMP/$1.xml" <<X
<lab xmlns="urn:keur:lab:1" id="bench"><scope><allow host="127.0.0.1"/></scope>
  <uplink $2/>
</lab>
X
}
# local NAME: OFFLINE-LOCAL-001 with lab NAME; TAP in $TMP/NAME.tap, evidence in $TMP/NAME/.
local_case() {
	"$KEUR" run --dut "$TMP/dut.xml" --lab "$TMP/$1.xml" --out "$TMP/$1" --only OFFLINE-LOCAL-001 --no-progress \
		> "$TMP/$1.tap" 2> "$TMP/$1.err" < /dev/null
}
ev() { cat "$TMP/$1/evidence/OFFLINE-LOCAL-001/fixtures.txt" 2>/dev/null; }

# Commands that work, with a check that sees the cut: the functions are probed for the window.
lab ok "method=\"command\" off=\"echo port 7 down; touch $TMP/cut\" on=\"rm -f $TMP/cut\" check=\"test ! -e $TMP/cut\""
local_case ok
is "$(verdict_of "$TMP/ok.tap" OFFLINE-LOCAL-001)" pass "the command fixture cuts, the check confirms, the functions work: pass"
like "$(ev ok)" "port 7 down" "the cut command's output is in fixtures.txt"
ev ok | grep -A1 "uplink check command" | grep -q "exit 1"; ok $? "so is the check that confirmed the cut (exit 1: cut)"
[ ! -e "$TMP/cut" ]; ok $? "the uplink is restored after the case"
n=$(grep -c ',offline,' "$TMP/ok/evidence/OFFLINE-LOCAL-001/probes.csv")
[ "$n" -ge 6 ]; ok $? "every function was probed in each round of the window ($n probes in probes.csv)"
like "$(sed -n 2p "$TMP/ok/evidence/OFFLINE-LOCAL-001/probes.csv")" "^[0-9.]+,online,relay-state,ok,[01]," "each probe: time, phase, function, result, value"

# A cut command that fails: undecided, with its exit status and what it said.
lab fail "method=\"command\" off=\"echo switch refused; exit 4\" on=\"true\" check=\"true\""
local_case fail
is "$(verdict_of "$TMP/fail.tap" OFFLINE-LOCAL-001)" inconc "a cut command that fails: inconc"
like "$(grep reason "$TMP/fail.tap")" "uplink could not be cut" "saying the uplink could not be cut"
like "$(ev fail)" "switch refused" "and the command's words are in the evidence"
like "$(ev fail)" "exit 4" "with its exit status"

# A cut command that hangs: killed at the fixture's timeout, undecided, and quickly.
lab hang "method=\"command\" off=\"sleep 60\" on=\"true\" check=\"true\" timeout=\"1\""
start=$(date +%s)
local_case hang
took=$(( $(date +%s) - start ))
is "$(verdict_of "$TMP/hang.tap" OFFLINE-LOCAL-001)" inconc "a cut command that hangs: inconc"
[ "$took" -lt 15 ]; ok $? "killed at its 1 s timeout, not waited for ($took s)"
like "$(ev hang)" "killed after 1.0 s" "the evidence says it was killed"

# A cut that the check does not see: the functions are not judged.
lab nocheck "method=\"command\" off=\"true\" on=\"true\""
local_case nocheck
is "$(verdict_of "$TMP/nocheck.tap" OFFLINE-LOCAL-001)" inconc "no check command: the cut cannot be confirmed, inconc"
like "$(grep reason "$TMP/nocheck.tap")" "cannot confirm the cut" "saying so"
! grep -q ',offline,' "$TMP/nocheck/evidence/OFFLINE-LOCAL-001/probes.csv"; ok $? "and no offline probe was counted"

# A restore that fails stops the run: Bail out!, exit 3.
lab norestore "method=\"command\" off=\"touch $TMP/cut2\" on=\"echo still down; false\" check=\"test ! -e $TMP/cut2\""
"$KEUR" run --dut "$TMP/dut.xml" --lab "$TMP/norestore.xml" --out "$TMP/norestore" --only OFFLINE-LOCAL-001 --no-progress \
	> "$TMP/norestore.tap" 2>/dev/null < /dev/null
is $? 3 "a restore command that fails: exit 3"
like "$(cat "$TMP/norestore.tap")" "^Bail out! uplink restore failed: .*still down" "Bail out! with what the command said"
rm -f "$TMP/cut2"

# A manual fixture with nobody at a terminal: undecided, at once.
lab manual "method=\"manual\""
setsid -w "$KEUR" run --dut "$TMP/dut.xml" --lab "$TMP/manual.xml" --out "$TMP/manual" --only OFFLINE-LOCAL-001 --no-progress \
	> "$TMP/manual.tap" 2>/dev/null < /dev/null
is "$(verdict_of "$TMP/manual.tap" OFFLINE-LOCAL-001)" inconc "a manual fixture without a terminal: inconc"
like "$(ev manual)" "= uplink cut NOT DONE" "the cut that was never tried is recorded as such"
like "$(grep reason "$TMP/manual.tap")" "could not be cut" "with the reason"

# A hub with a local MQTT broker: the function publishes and reads back on it.  Offline it
# keeps working (pass); a "cut" that also stops the local broker (SIGSTOP by PID) fails it.
mp=$(freeport)
start_mosquitto hub "listener $mp 127.0.0.1
allow_anonymous true"
hub=$BG
cat > "$TMP/hub.xml" <<X
<dut xmlns="urn:keur:dut:1" id="hub">
  <mqtt role="broker" host="127.0.0.1" port="$mp"/>
  <function name="echo" protocol="mqtt" publish="hub/echo" subscribe="hub/echo" value="hello" expect="hello"/>
  <offline window="3" interval="1"/>
</dut>
X
hub_case() {
	"$KEUR" run --dut "$TMP/hub.xml" --lab "$TMP/$1.xml" --out "$TMP/$1" --only OFFLINE-LOCAL-001 --no-progress \
		> "$TMP/$1.tap" 2>/dev/null < /dev/null
}
lab hubok "method=\"command\" off=\"touch $TMP/hcut\" on=\"rm -f $TMP/hcut\" check=\"test ! -e $TMP/hcut\""
hub_case hubok
is "$(verdict_of "$TMP/hubok.tap" OFFLINE-LOCAL-001)" pass "an MQTT exchange on the hub's own broker keeps working offline: pass"
grep -q ',offline,echo,ok,hello,' "$TMP/hubok/evidence/OFFLINE-LOCAL-001/probes.csv"; ok $? "the message came back through the broker"
lab hubdies "method=\"command\" off=\"touch $TMP/hcut; kill -STOP $hub\" on=\"kill -CONT $hub; rm -f $TMP/hcut\" check=\"test ! -e $TMP/hcut\""
hub_case hubdies
is "$(verdict_of "$TMP/hubdies.tap" OFFLINE-LOCAL-001)" fail "a hub whose local broker stops with the uplink: fail"
like "$(grep reason "$TMP/hubdies.tap")" "'echo' failed" "naming the function"
