#!/usr/bin/env bash
# make demo's scripts.  Broker mode: keur audits the bundled misconfigured mosquitto, finds
# anonymous access, writes its reports and stops its broker.  Lab mode (root): a good and a
# flawed reference device side by side with different verdicts; the lab is gone afterwards.
. "$(dirname "$0")/lib.sh"
plan 36

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
	for i in $(seq 28); do echo "ok $((T_N + i)) # SKIP the lab demo needs root"; done
	exit 0
fi
# `make demo` as a newcomer runs it: from a copy of this tree in a directory only root can enter
# (a clone in /root), on a terminal's worth of output.  The demo's lab lives in this test's
# directory: note this test as its owner, so that the reaper of another lab test leaves it alone.
lab_begin
# A lab name of its own, so that a lab engineer's demo lab and other lab tests can be up beside it.
LN=$(lab_name d)
home=$TMP/home
mkdir -m 700 "$home"
tar -C "$TOP" --exclude=./.git --exclude=./keur-out --exclude=./build/fuzz -cf - . | tar -C "$home" -xf -
KEUR_DEMO=lab KEUR_DEMO_LAB=$LN make -C "$home" demo > "$TMP/lab.out" 2>&1
rc=$?
is "$rc" 0 "lab demo: make demo in a 0700 directory runs to its end"
[ "$rc" = 0 ] || tail -n 30 "$TMP/lab.out" | sed 's/^/#   /'
out=$(sed -n 's|^demo: reports and labels, per device: \(.*\)/dev0/ and .*|\1|p' "$TMP/lab.out")
ncases=$(grep -c '^  verdict: ' "$out/dev0/results.tap" 2>/dev/null)
[ "${ncases:-0}" -gt 30 ]; ok $? "lab demo: dev0's run has its cases (${ncases:-none})"
for d in dev0 dev1; do
	is "$(grep -cE "^  $d +[A-Z]+-[A-Z0-9-]+ +(pass|fail|inconc|error|na) +[0-9]+\.[0-9] s\$" "$TMP/lab.out")" "$ncases" \
		"lab demo: one line per finished case of $d, with its verdict and seconds"
done
! grep -qE '^(not )?ok [0-9]|^  ---|^  verdict:' "$TMP/lab.out"; ok $? "lab demo: no TAP or YAML on the terminal"
lines=$(wc -l < "$TMP/lab.out")
[ "$lines" -lt 150 ]; ok $? "lab demo: the whole of make demo prints $lines lines, under 150"
like "$(cat "$TMP/lab.out")" "MODBUS-WRITE-001 +pass +fail" "lab demo: the side-by-side summary shows different verdicts"
like "$(cat "$TMP/lab.out")" "verdict of en303645 +level substantial +none" "lab demo: EN 303 645: the good device reaches substantial, the flawed one nothing"
like "$(cat "$TMP/lab.out")" "verdict of csr-label +level substantial +none" "lab demo: the CSR label, judged in the same run, side by side"
like "$(cat "$TMP/lab.out")" "verdict of en18031-1 +none +none" "lab demo: EN 18031-1: the good device's documentation falls short too"
like "$(cat "$TMP/lab.out")" "verdict of uk-psti +met +not met" "lab demo: UK PSTI: met by the good device, not by the flawed one"
like "$(cat "$TMP/lab.out")" "exit code +1 +1" "lab demo: the exit codes are the worst over the profiles"
is "$(grep -c '^case ' "$out/dev0/journal")" "$ncases" "lab demo: one run of four profiles runs each case once"
like "$(cat "$TMP/lab.out")" "label: works-offline +Yes +No" "lab demo: and the labels side by side"
# The documentation: each device's pack reviewed with the demo's review file; the good device's
# level earned by tests plus review, the flawed one's gaps recorded as fails.
sattr() { xmllint --xpath "string(//*[local-name()='summary']/@$2)" "$out/$1/report.xml" 2>/dev/null; }
t0=$(sattr dev0 decided-by-keur) r0=$(sattr dev0 reviewed) t1=$(sattr dev1 decided-by-keur) r1=$(sattr dev1 reviewed)
[ "${r0:-0}" -gt 10 ] && [ "${t0:-0}" -gt 10 ] && [ "$(sattr dev0 awaiting-review)" = 0 ]
ok $? "lab demo: dev0's report is complete: $t0 requirements tested, $r0 reviewed, none awaiting review"
like "$(cat "$TMP/lab.out")" "requirements +$t0 tested, $r0 reviewed +$t1 tested, $r1 reviewed" \
	"lab demo: the summary says N tested, M reviewed for each device"
lv() { xmllint --xpath "string(/*/*[local-name()='levels']/@reached)" "$out/$1/report.xml" 2>/dev/null; }
is "$(lv dev0)" substantial "lab demo: the good device reaches level substantial, by tests plus review"
like "$(cat "$TMP/lab.out")" "label: level +substantial +none" "lab demo: and its label says so"
rf=$(xmllint --xpath "count(//*[local-name()='requirement'][@decided-by='assessor'][@verdict='fail'])" "$out/dev1/report.xml")
[ "${rf:-0}" -gt 0 ] && [ "$(xmllint --xpath "string(//*[local-name()='requirement'][@id='EN303645-5.2-1']/@verdict)" "$out/dev1/report.xml")" = fail ]
ok $? "lab demo: the flawed device's pack has gaps the review records as fails ($rf, among them no disclosure policy)"
is "$(xmllint --xpath "string(//*[local-name()='requirement'][@id='EN303645-5.2-1']/*[local-name()='review']/@assessor)" "$out/dev0/report.xml")" \
	"demo assessor" "lab demo: reviewed by demo assessor"
is "$(xmllint --xpath "string(//*[local-name()='assessment']//*[@id='UK-PSTI-2-reporting']/*[local-name()='review']/@recorded-for)" "$out/dev0/report.xml")" \
	"en303645 EN303645-5.2-1" "lab demo: the review of EN 303 645 5.2-1 decides UK PSTI's reporting requirement, the same"
"$KEUR" verify "$out/dev0" --ca "$out/demo-ca.pem" > "$TMP/v0.out" 2>&1; ok $? "lab demo: dev0's signed report verifies"
doc=$(find "$out/dev0/evidence/REVIEW" -type f | head -n 1)
echo "changed after signing" >> "$doc"
"$KEUR" verify "$out/dev0" --ca "$out/demo-ca.pem" > "$TMP/v1.out" 2>&1
is "$?" 1 "lab demo: a reviewed document changed after signing: keur verify refuses the report"
like "$(cat "$TMP/v1.out")" "$(basename "$doc")" "lab demo: naming the document"
tail -n 7 "$TMP/lab.out" > "$TMP/lab.last"
grep -qE "^demo: reports and labels, per device: $(re "$home")/keur-out/demo-[0-9TZ]+/dev0/ and " "$TMP/lab.last" &&
	grep -q "label-en303645.svg label-csr-label.svg label-en18031-1.svg label-uk-psti.svg" "$TMP/lab.last"
ok $? "lab demo: its last lines say where the reports and labels are"
[ -s "$out/dev0/report.xml" ] && [ -s "$out/dev1/report.xml" ] && [ -s "$out/dev1/label-uk-psti.svg" ] && [ -s "$out/dev0/label-en303645.svg" ]
ok $? "lab demo: reports and labels for both devices, there"
[ -s "$out/dev0.tap" ] && grep -q '^  verdict: ' "$out/dev0.tap"; ok $? "lab demo: the TAP with its YAML stays in a file"
! ip netns list | grep -q "^keur-$LN-" && [ ! -e "$home/keur-out/demo-lab" ]; ok $? "lab demo: the lab is removed afterwards"
done_testing
