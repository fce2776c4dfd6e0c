#!/usr/bin/env bash
# make demo's script: keur audits the bundled misconfigured mosquitto, finds anonymous access,
# writes its reports, and stops the broker it started.
. "$(dirname "$0")/lib.sh"
plan 7

before=$(ls -d /tmp/keur-demo.* 2>/dev/null | wc -l)
KEUR_DEMO_OUT=$TMP/demo bash "$TOP/hw/demo/run-demo.sh" > "$TMP/demo.tap" 2> "$TMP/demo.err"
is $? 0 "the demo runs to its end"
like "$(cat "$TMP/demo.tap")" "^not ok 1 - MQTT-AUTH-001" "TAP on screen: the open broker fails MQTT-AUTH-001"
like "$(cat "$TMP/demo.tap")" "ok 2 - MQTT-AUTH-002" "and passes MQTT-AUTH-002"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/demo/junit.xml" 2>/dev/null; ok $? "junit.xml written and valid"
v=$(xmllint --xpath 'string(//*[local-name()="requirement"][@id="EN303645-5.5-5"]/@verdict)' "$TMP/demo/report.xml")
is "$v" fail "report.xml: EN 303 645 5.5-5 fails"
pid=$(sed -n 's/^demo: mosquitto (PID \([0-9]*\)).*/\1/p' "$TMP/demo.err")
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; ok $? "the demo's broker (PID ${pid:-?}) is stopped"
is "$(ls -d /tmp/keur-demo.* 2>/dev/null | wc -l)" "$before" "the demo leaves no work directory behind"
done_testing
