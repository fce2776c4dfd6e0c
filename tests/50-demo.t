#!/usr/bin/env bash
# make demo's scripts.  Broker mode: keur audits the bundled misconfigured mosquitto, finds
# anonymous access, writes its reports and stops its broker.  Lab mode (root): a good and a
# flawed reference device side by side with different verdicts; the lab is gone afterwards.
. "$(dirname "$0")/lib.sh"
plan 13

# Its work directory in one of this test's own, so that demos run beside it do not count.
mkdir "$TMP/tmpdir"
TMPDIR=$TMP/tmpdir KEUR_DEMO=broker KEUR_DEMO_OUT=$TMP/demo bash "$TOP/hw/demo/run-demo.sh" > "$TMP/demo.tap" 2> "$TMP/demo.err"
is $? 0 "broker demo: runs to its end"
is "$(verdict_of "$TMP/demo.tap" MQTT-AUTH-001)" fail "broker demo: TAP on screen, the open broker fails MQTT-AUTH-001"
is "$(verdict_of "$TMP/demo.tap" MQTT-AUTH-002)" pass "broker demo: and passes MQTT-AUTH-002"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/demo/junit.xml" 2>/dev/null; ok $? "broker demo: junit.xml written and valid"
v=$(xmllint --xpath 'string(//*[local-name()="requirement"][@id="EN303645-5.5-5"]/@verdict)' "$TMP/demo/report.xml")
is "$v" fail "broker demo: report.xml has EN 303 645 5.5-5 failing"
like "$(cat "$TMP/demo.err")" "verify: .*/report.xml is intact and signed" "broker demo: the report is signed and keur verify accepts it"
pid=$(sed -n 's/^demo: mosquitto (PID \([0-9]*\)).*/\1/p' "$TMP/demo.err")
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; ok $? "broker demo: its broker (PID ${pid:-?}) is stopped"
is "$(ls "$TMP/tmpdir" | wc -l)" 0 "broker demo: no work directory left behind"

if [ "$(id -u)" -ne 0 ]; then
	for i in 1 2 3 4 5; do echo "ok $((T_N + i)) # SKIP the lab demo needs root"; done
	exit 0
fi
# A lab name of its own, so that a lab engineer's demo lab and other lab tests can be up beside it.
LN=$(lab_name d)
KEUR_DEMO=lab KEUR_DEMO_OUT=$TMP/lab KEUR_DEMO_LAB=$LN bash "$TOP/hw/demo/run-demo.sh" > "$TMP/lab.tap" 2> "$TMP/lab.err"
is $? 0 "lab demo: runs to its end"
like "$(cat "$TMP/lab.err")" "MODBUS-WRITE-001 +pass +fail" "lab demo: the side-by-side summary shows different verdicts"
like "$(cat "$TMP/lab.err")" "exit code +0 +1" "lab demo: good device exit 0, flawed device exit 1"
[ -s "$TMP/lab/dev0/report.xml" ] && [ -s "$TMP/lab/dev1/report.xml" ]; ok $? "lab demo: reports for both devices"
! ip netns list | grep -q "^keur-$LN-"; ok $? "lab demo: the lab is removed afterwards"
done_testing
