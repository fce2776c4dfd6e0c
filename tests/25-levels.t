#!/usr/bin/env bash
# Levels, waivers, docs requirements, applies-if and the label, on the runner's self-test cases
# (tests/selftest_suite.c), whose verdicts are known in advance: which level a run reaches,
# what holds the next one back, and what report.xml, TAP, JUnit and label.svg say about it.
. "$(dirname "$0")/lib.sh"
plan 47

D=$TOP/tests/data
# A profile: basic passes; substantial has a failing and an inconclusive requirement; high only
# a documentation review (mandatory: counted once a person reviewed it).  R-DOCS is a recommended
# documentation requirement: reviewed and shown, never counted.  $1 adds lines before </profile>
# (waivers, label), $2 after <title>.
profile() { # profile [EXTRA-AT-END [EXTRA-AFTER-TITLE]]
	cat <<EOF
<?xml version="1.0"?>
<profile xmlns="urn:keur:profile:1" id="lv" version="3">
  <title>level test</title>${2:-}
  <requirement id="R-BASIC" source="test 1" kind="mandatory" level="basic">
    <summary>Passes</summary> <check case="SELF-PASS-001"/>
  </requirement>
  <requirement id="R-MODBUS" source="test 2" kind="conditional" level="basic" applies-if="modbus">
    <summary>Only for Modbus devices; the self-test DUT has none</summary> <check case="SELF-FAIL-001"/>
  </requirement>
  <requirement id="R-SUB-FAIL" source="test 3" kind="mandatory" level="substantial">
    <summary>Fails</summary> <check case="SELF-FAIL-001"/>
  </requirement>
  <requirement id="R-SUB-OPEN" source="test 4" kind="mandatory" level="substantial">
    <summary>Cannot be decided</summary> <check case="SELF-INCONC-001"/>
  </requirement>
  <requirement id="R-SUB-REC" source="test 5" kind="recommended" level="substantial">
    <summary>Passes, only recommended</summary> <check case="SELF-PASS-001"/>
  </requirement>
  <requirement id="R-DOCS" source="test 6" kind="docs" obligation="recommended" level="basic">
    <summary>From the documents</summary>
  </requirement>
  <requirement id="R-HIGH" source="test 7" kind="docs" level="high">
    <summary>Penetration test by people</summary>
  </requirement>
  <level id="basic"/> <level id="substantial" includes="basic"/> <level id="high" includes="substantial"/>
${1:-}
</profile>
EOF
}
run() { # run NAME PROFILE-FILE [options]: exit code in $rc
	local name=$1 prof=$2
	shift 2
	"$SELF" run --profile "$prof" --dut "$TMP/dut.xml" --out "$TMP/$name" --no-progress "$@" \
		> "$TMP/$name.tap" 2> "$TMP/$name.err"
	rc=$?
}
xp() { xmllint --xpath "$2" "$TMP/$1/report.xml" 2>/dev/null; }
req() { xp "$1" "string(//*[local-name()='requirement'][@id='$2']/@verdict)"; }
lvl() { xp "$1" "string(//*[local-name()='levels']/@reached)"; }
why() { xp "$1" "string(//*[local-name()='levels']/*[@id='$2'])"; }
field() { xp "$1" "string(//*[local-name()='label']/*[@name='$2']/@value)"; }
svg() { xmllint --xpath "string(//*[local-name()='g'][@id='$2']/@data-value)" "$TMP/$1/label.svg" 2>/dev/null; }

sed 's|firmware="0"/>|firmware="0"/> <declares support-until="2031-12" market-date="2026-01"/>|' \
	"$D/self-dut.xml" > "$TMP/dut.xml"

profile > "$TMP/p1.xml"
run r1 "$TMP/p1.xml"
is "$rc" 1 "a failed mandatory requirement: exit 1"
is "$(lvl r1)" basic "level reached: basic (its counted requirements pass)"
like "$(why r1 substantial)" "held back by failed R-SUB-FAIL; not determined R-SUB-OPEN \\(inconclusive\\)" \
	"the report says which requirements held substantial back, failed and undecided apart"
like "$(why r1 high)" "held back by failed R-SUB-FAIL" "high includes substantial, so the same holds it back"
is "$(req r1 R-MODBUS)" na "applies-if: a requirement for Modbus devices is na on a DUT without Modbus"
like "$(xp r1 "string(//*[local-name()='requirement'][@id='R-MODBUS']/*[local-name()='not-applicable'])")" \
	"only where the DUT has a Modbus interface" "with the reason"
is "$(req r1 R-DOCS)" awaiting-review "a docs requirement nobody reviewed yet is awaiting review, not pass"
is "$(xp r1 "string(//*[local-name()='requirement'][@id='R-DOCS']/@decided-by)")" "nobody yet" \
	"and report.xml says nobody decided it yet"
like "$(cat "$TMP/r1.tap")" "# level reached: basic" "TAP ends with the level reached"
like "$(cat "$TMP/r1.tap")" "# level substantial not reached: held back by failed R-SUB-FAIL" "and what held the next back"
like "$(cat "$TMP/r1.err")" "level reached: basic" "the summary on stderr names the level"
is "$(xmllint --xpath "string(//*[local-name()='property'][@name='profile.level-reached']/@value)" "$TMP/r1/junit.xml")" basic \
	"junit.xml carries the level as a property"
like "$(cat "$TMP/r1/results.tap")" "# level reached: basic" "results.tap ends with the level too"

# Only an undecided requirement left: the level is still not reached, and undecided is not failed.
profile "" | sed 's|<check case="SELF-FAIL-001"/>|<check case="SELF-PASS-001"/>|' > "$TMP/p2.xml"
run r2 "$TMP/p2.xml"
is "$rc" 3 "only an inconclusive mandatory requirement left: exit 3"
is "$(lvl r2)" basic "level reached: basic"
like "$(why r2 substantial)" "^held back by not determined R-SUB-OPEN \\(inconclusive\\)$" "substantial held back by the undecided requirement alone"

# A waiver lets go of the failed requirement, visibly.
profile '<waiver requirement="R-SUB-FAIL" reason="fixed in firmware 2, verified on the bench" approved-by="J. de Vries, scheme owner"/>' |
	sed 's|<check case="SELF-INCONC-001"/>|<check case="SELF-PASS-001"/>|' > "$TMP/p3.xml"
run r3 "$TMP/p3.xml"
is "$rc" 3 "the failed requirement waived, the rest passing, the penetration test not reviewed: exit 3"
is "$(lvl r3)" substantial "level reached: substantial"
is "$(req r3 R-SUB-FAIL)" fail "the waived requirement keeps its own verdict, fail"
is "$(xp r3 "string(//*[local-name()='requirement'][@id='R-SUB-FAIL']/*[local-name()='waiver']/@approved-by)")" \
	"J. de Vries, scheme owner" "report.xml names who approved the waiver"
like "$(cat "$TMP/r3.tap")" "# waiver: R-SUB-FAIL is waived \\(approved by J. de Vries, scheme owner\\): fixed in firmware 2" \
	"TAP shows the waiver"
is "$(xmllint --xpath "string(//*[local-name()='property'][@name='waiver.R-SUB-FAIL']/@value)" "$TMP/r3/junit.xml")" \
	"fixed in firmware 2, verified on the bench" "JUnit shows the waiver"
like "$(cat "$TMP/r3/label.svg")" "1 requirement waived" "and so does the label"
like "$(why r3 high)" "held back by not determined 1 awaiting the assessor's review \\(R-HIGH\\)" \
	"a level of documentation review only waits for the assessor"
like "$(cat "$TMP/r3.err")" "1 requirement waits for the assessor's review: R-HIGH" "the summary names what waits"
# The assessor records the penetration test with its report: high is reached, exit 0.
echo "pen test report" > "$TMP/pentest.txt"
cat > "$TMP/rev.xml" <<EOF
<reviews xmlns="urn:keur:review:1">
  <review requirement="R-HIGH" verdict="pass" assessor="P. Tester" date="2026-01-15">
    <rationale>No finding above low in two days of testing</rationale>
    <document path="pentest.txt" title="Penetration test report"/>
  </review>
</reviews>
EOF
"$SELF" review "$TMP/r3" --with "$TMP/rev.xml" > "$TMP/r3r.out" 2> "$TMP/r3r.err"
is "$?" 0 "keur review records the penetration test: exit 0, every counted requirement passed"
is "$(lvl r3)" high "level reached: high, from a person's review with its report"
like "$(why r3 high)" "1 reviewed by the assessor" "and the level says how much rests on the review"

# --level basic: the level reached is at most basic, and the report says why.
run r4 "$TMP/p3.xml" --level basic
is "$(lvl r4) $rc" "basic 0" "--level basic reaches basic"
like "$(why r4 substantial)" "not assessed: the run was limited to --level basic" "higher levels: not assessed"

# Nothing passes at basic: no level; an undecided basic: not determined.
profile "" | sed '0,/SELF-PASS-001/s//SELF-FAIL-001/' > "$TMP/p5.xml"
run r5 "$TMP/p5.xml"
is "$(lvl r5)" none "a failed basic requirement: no level (none)"
profile "" | sed '0,/SELF-PASS-001/s//SELF-INCONC-001/' > "$TMP/p6.xml"
run r6 "$TMP/p6.xml"
is "$(lvl r6)" "not determined" "an undecided basic requirement: level not determined, not none"

# The label: fields from the requirements a profile names.
label='<label> <field name="automatic-updates" from-requirement="R-BASIC"/> <field name="supported-until" from-requirement="R-SUPPORT"/> <field name="works-offline" from-requirement="R-SUB-OPEN"/> </label>'
support='<requirement id="R-SUPPORT" source="t" kind="mandatory" level="basic"><summary>s</summary><check case="SELF-PASS-001"/></requirement>'
profile "$label" "$support" > "$TMP/p7.xml"
run r7 "$TMP/p7.xml"
is "$(field r7 security-level) $(field r7 automatic-updates) $(field r7 supported-until) $(field r7 works-offline)" \
	"basic yes 2031-12 not-determined" "report.xml: level, yes, the declared date, not determined"
is "$(svg r7 security-level) $(svg r7 automatic-updates) $(svg r7 supported-until) $(svg r7 works-offline)" \
	"basic yes 2031-12 not-determined" "label.svg carries the same fields"
xmllint --noout "$TMP/r7/label.svg" 2>/dev/null; ok $? "label.svg is well-formed XML"
is "$(xmllint --xpath 'namespace-uri(/*)' "$TMP/r7/label.svg")" "http://www.w3.org/2000/svg" "in the SVG namespace"
txt=$(xmllint --xpath '//*[local-name()="text"]/text()' "$TMP/r7/label.svg" 2>/dev/null | tr '\n' ' ')
like "$txt" "SECURITY LABEL.*Security level.*Automatic security updates YES.*December 2031.*Works without internet NOT DETERMINED" \
	"the label's words: the fields as a person reads them"
id=$(xp r7 "string(//*[local-name()='label']/@report-id)")
sha=$(sha256sum "$TMP/r7/report.xml" | cut -c1-64)
like "$txt" "report $id .*${sha:0:32} ${sha:32:32}" "the label names the report's ID ($id) and its SHA-256"
renders_svg "$TMP/r7/label.svg" "rsvg-convert renders the label to PNG"

sed 's|<check case="SELF-PASS-001"/></requirement>|<check case="SELF-FAIL-001"/></requirement>|' "$TMP/p7.xml" > "$TMP/p8.xml"
run r8 "$TMP/p8.xml"
is "$(field r8 supported-until)" no "a failed support requirement: supported-until is no"
like "$(xp r8 "string(//*[local-name()='label']/*[@name='supported-until'])")" "December 2031 \\(below the 5-year minimum\\)" \
	"and the label says why rather than showing the date as if it counted"

# keur label DIR: rewrites label.svg from the journal, and follows a rewritten report.xml.
rm "$TMP/r7/label.svg"
out=$("$SELF" label "$TMP/r7")
is $? 0 "keur label DIR exits 0"
like "$out" "label.svg: level basic; automatic updates Yes; supported until December 2031; works offline Not determined; report $id" \
	"and says what the label shows"
[ -s "$TMP/r7/label.svg" ]; ok $? "label.svg written again"
rm "$TMP/r7/report.xml"
"$SELF" label "$TMP/r7" > /dev/null; [ -s "$TMP/r7/report.xml" ]; ok $? "keur label writes report.xml first when it is missing"
"$SELF" label "$TMP/nothing" > /dev/null 2> "$TMP/err"
is $? 2 "keur label on a directory without a journal: exit 2"

# A profile without label fields and without the cases behind them: not determined, never yes.
run r9 "$TMP/p1.xml"
is "$(field r9 automatic-updates) $(field r9 works-offline)" "not-determined not-determined" \
	"fields whose cases did not run are not determined"
done_testing
