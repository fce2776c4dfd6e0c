#!/usr/bin/env bash
# One run judged against several profiles (keur run --profile A --profile B): each case runs
# once, each profile gets its own requirements, level and label in every output, a review counts
# wherever the profiles state the requirement is the same (and only there), the exit code is the
# worst of the profiles, and --resume keeps the profiles.  With keur-selftest: no device needed.
. "$(dirname "$0")/lib.sh"
plan 49

D=$TOP/tests/data
A=$D/self-profile.xml B=$D/self-profile-b.xml C=$D/self-profile-c.xml
ONLY=SELF-PASS-001,SELF-FAIL-001,SELF-INCONC-001,SELF-NA-001,SELF-SLOW-001,SELF-SLOW-002
run() { KEUR_SELFTEST_SLOW_MS=50 "$SELF" run --dut "$D/self-dut.xml" --no-progress "$@"; }
x() { xmllint --xpath "$2" "$1/report.xml" 2>/dev/null; }

# The exit code of each profile alone, then together: the worst of them.
run --profile "$A" --out "$TMP/a" > /dev/null 2>&1; ra=$?
run --profile "$B" --out "$TMP/b" > /dev/null 2>&1; rb=$?
run --profile "$C" --out "$TMP/c" > /dev/null 2>&1; rc=$?
is "$ra $rb $rc" "3 0 1" "alone: the self-test profile is undecided (3), B passes (0), C fails (1)"
run --profile "$A" --profile "$B" --out "$TMP/ab" > "$TMP/ab.tap" 2> "$TMP/ab.err"; rab=$?
is "$rab" 3 "A and B: exit 3, the worst of 3 and 0"
run --profile "$B" --profile "$C" --out "$TMP/bc" > /dev/null 2>&1
is "$?" 1 "B and C: exit 1, the worst of 0 and 1"
run --profile "$A" --profile "$C" --out "$TMP/ac" > /dev/null 2>&1
is "$?" 1 "A and C: exit 1: a fail outweighs an undecided"

# Each case once, however many profiles ask for it.
n=$(grep -c '^plan ' "$TMP/ab/journal")
is "$(grep '^plan ' "$TMP/ab/journal" | sed 's/.* id=\([^ ]*\) .*/\1/' | sort -u | wc -l)" "$n" "A and B: every case planned once ($n)"
is "$(grep -c '^case ' "$TMP/ab/journal")" "$n" "A and B: every case run once"
is "$(grep -cE '^(not )?ok [0-9]+ - SELF-PASS-001 ' "$TMP/ab.tap")" 1 "A and B: SELF-PASS-001, which both ask for, is one TAP line"
like "$(grep '^plan .*id=SELF-PASS-001' "$TMP/ab/journal")" "reqs=SELF-REQ-1,SELF-REQ-3,B-REQ-1" "its plan names the requirements of both profiles"
is "$(grep -c '^profile ' "$TMP/ab/journal")" 2 "the journal holds both profiles"
is "$(grep '^run ' "$TMP/ab/journal" | grep -o 'profile-file=' | wc -l)" 2 "the run record names both profile files"

# Every output: each profile its own requirements, level and label.
xmllint --noout --schema "$TOP/reports/report.xsd" "$TMP/ab/report.xml" 2>/dev/null; ok $? "report.xml is valid"
is "$(x "$TMP/ab" 'string(/*/*[local-name()="profile"]/@id)')" selftest "report.xml: the first profile's judgement is the report's own"
is "$(x "$TMP/ab" 'string(/*/*[local-name()="levels"]/@reached)')" basic "report.xml: its level (basic)"
is "$(x "$TMP/ab" 'string(//*[local-name()="assessment"]/*[local-name()="profile"]/@id)')" selftest-b "report.xml: B is an assessment of its own"
is "$(x "$TMP/ab" 'string(//*[local-name()="assessment"]/*[local-name()="levels"]/@reached)')" met "report.xml: B, a pass/fail scheme, is met"
is "$(x "$TMP/ab" 'count(//*[local-name()="assessment"]//*[local-name()="requirement"])')" 2 "report.xml: B's two requirements in its assessment"
is "$(x "$TMP/ab" 'count(//*[local-name()="label"])')" 2 "report.xml: a label for each profile"
[ -f "$TMP/ab/label-selftest.svg" ] && [ -f "$TMP/ab/label-selftest-b.svg" ] && [ ! -e "$TMP/ab/label.svg" ]
ok $? "a label file per profile, named after it"
grep -q 'ALL MET' "$TMP/ab/label-selftest-b.svg"; ok $? "B's label says its requirements are all met"
"$SELF" label "$TMP/ab" > "$TMP/label.out" 2>&1
like "$(cat "$TMP/label.out")" "ab/label-selftest.svg: level basic;.*
.*ab/label-selftest-b.svg: the scheme's requirements met;" "keur label DIR writes and names each profile's label"
[ -f "$TMP/a/label.svg" ]; ok $? "a run of one profile keeps label.svg"
like "$(cat "$TMP/ab.tap")" "# verdicts: selftest: level basic; selftest-b: met" "TAP: the verdicts side by side"
like "$(cat "$TMP/ab.err")" "selftest-b +met +0 +0 +label-selftest-b.svg" "the summary: one line per profile"
grep -q 'Verdicts by profile' "$TMP/ab/report.html" && grep -q 'id="profile-selftest-b"' "$TMP/ab/report.html"
ok $? "report.html: the verdicts by profile, and a section for each"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/ab/junit.xml" 2>/dev/null; ok $? "junit.xml is valid"
is "$(xmllint --xpath 'count(//testsuite[starts-with(@name, "review ")])' "$TMP/ab/junit.xml")" 2 "junit.xml: a review testsuite per profile"
is "$(xmllint --xpath 'count(//*[local-name()="result"])' "$TMP/ab/oscal.xml")" 2 "oscal.xml: a result per profile"
[ "$(grep -o ' uuid="[^"]*"' "$TMP/ab/oscal.xml" | sort | uniq -d | wc -l)" = 0 ]; ok $? "oscal.xml: every UUID unique"

# A review counts wherever the profiles say the requirement is the same.
echo "the document" > "$TMP/doc.txt"
review() {	# DIR PROFILE-ATTR REQUIREMENT
	cat > "$TMP/r.xml" <<XML
<reviews xmlns="urn:keur:review:1">
  <review $2 requirement="$3" verdict="pass" assessor="A. Assessor" date="2026-01-02">
    <rationale>It is there.</rationale><document path="doc.txt" title="doc"/>
  </review>
</reviews>
XML
	"$SELF" review "$1" --with "$TMP/r.xml" > /dev/null 2> "$TMP/review.err"
}
review "$TMP/ab" "" B-REQ-2
is "$(x "$TMP/ab" 'string(//*[local-name()="assessment"]//*[@id="B-REQ-2"]/@verdict)')" pass "a review of B-REQ-2 decides it"
is "$(x "$TMP/ab" 'string(/*/*[local-name()="requirements"]/*[@id="SELF-REQ-4"]/@verdict)')" pass \
	"and decides SELF-REQ-4 of the other profile, which B states to be the same"
is "$(x "$TMP/ab" 'string(/*/*[local-name()="requirements"]/*[@id="SELF-REQ-4"]/*[local-name()="review"]/@recorded-for)')" \
	"selftest-b B-REQ-2" "report.xml says which requirement the review was recorded for"
grep -q '^review .*requirement=B-REQ-2.*profile=selftest-b\|^review .*profile=selftest-b.*requirement=B-REQ-2' "$TMP/ab/journal"
ok $? "the journal records the review with its profile"
# The same ID in two profiles that no same-as makes one: the review must say which.
review "$TMP/ac" "" SELF-REQ-4; r=$?
[ "$r" != 0 ] && grep -q "is in profiles selftest and selftest-c of this run, which do not say they are the same" "$TMP/review.err"
ok $? "an ID in two unrelated profiles: the review is refused until it names the profile"
review "$TMP/ac" 'profile="selftest-c"' SELF-REQ-4
is "$(x "$TMP/ac" 'string(//*[local-name()="assessment"]//*[@id="SELF-REQ-4"]/@verdict)')" pass "with profile=\"selftest-c\" it decides C's"
is "$(x "$TMP/ac" 'string(/*/*[local-name()="requirements"]/*[@id="SELF-REQ-4"]/@verdict)')" awaiting-review "and not the self-test profile's of the same name"
# The documents reviewed for a further profile are run files like any other: hashed, signed, checked.
doc=$(x "$TMP/ac" 'string(//*[local-name()="assessment"]//*[local-name()="review"]/*[local-name()="document"]/@file)')
like "$doc" "^evidence/REVIEW/" "the document reviewed for C is in the run's evidence ($doc)"
echo "changed" >> "$TMP/ac/$doc"
"$SELF" verify "$TMP/ac" > "$TMP/v.out" 2>&1
like "$(cat "$TMP/v.out")" "FAIL: ${doc//./\\.}: changed since the report was written" "keur verify checks it, as it does the first profile's"
"$SELF" review template "$TMP/ac" > "$TMP/t.xml" 2> "$TMP/t.err"
run --profile "$C" --profile "$A" --out "$TMP/ca" > /dev/null 2>&1
review "$TMP/ca" 'profile="selftest-c"' SELF-REQ-4
"$SELF" review template "$TMP/ca" > "$TMP/t2.xml" 2> "$TMP/t.err"
like "$(cat "$TMP/t.err")" "keur: 1 requirement\(s\) of run KEUR-[0-9a-f]+ open" "the template counts what is open in every profile, not just the first"
grep -q 'profile="selftest" requirement="SELF-REQ-4"' "$TMP/t2.xml"; ok $? "and lists it"
"$SELF" review template "$TMP/ac" > "$TMP/t.xml" 2> /dev/null
grep -q 'profile="selftest" requirement="SELF-REQ-4"' "$TMP/t.xml" && ! grep -q 'requirement="SELF-REQ-4".*selftest-c\|selftest-c" requirement="SELF-REQ-4"' "$TMP/t.xml"
ok $? "the review template names the profile of what is still open"

# The terminal review asks each open requirement once, naming its profile; the one the profiles
# state to be the same is decided with it.
run --profile "$A" --profile "$B" --out "$TMP/tty" > /dev/null 2>&1
{
	echo "expect profiles selftest, selftest-b\\): 1 requirement\\(s\\) open"
	echo "expect ==== 1 of 1: selftest SELF-REQ-4 "
	echo "expect Verdict \\[pass, fail, inconc, na, skip, quit\\]: "
	echo "send pass"
	echo "expect rationale: "
	echo "send the manual covers it"
	echo "expect document: "
	echo "send $TMP/doc.txt"
	echo "expect document: "
	echo "send "
	echo "expect Record it \\[yes, redo, skip, quit\\]: "
	echo "send yes"
	echo "expect saved: SELF-REQ-4 pass"
	echo "end"
} > "$TMP/s.txt"
(cd "$TMP" && python3 "$TOP/tests/pty-drive.py" "$TMP/s.txt" "$TMP/s.out" -- "$SELF" review "$TMP/tty" --assessor "pty assessor") > /dev/null 2>&1
grep -q "saved: SELF-REQ-4 pass by pty assessor" "$TMP/s.out"; ok $? "terminal: one question for both profiles, naming the profile"
is "$(x "$TMP/tty" 'string(//*[local-name()="assessment"]//*[@id="B-REQ-2"]/@verdict)')" pass "terminal: and B-REQ-2, the same, is decided with it"

# --resume keeps the profiles it was started with.
KEUR_SELFTEST_SLOW_MS=400 bg "$SELF" run --dut "$D/self-dut.xml" --no-progress --profile "$A" --profile "$B" --out "$TMP/res" > /dev/null 2>&1
pid=$BG
poll_until 20 grep -qs '^case ' "$TMP/res/journal"
kill -9 "$pid"; wait "$pid" 2>/dev/null
[ "$(grep -c '^case ' "$TMP/res/journal")" -lt "$n" ]; ok $? "a run of two profiles killed midway"
KEUR_SELFTEST_SLOW_MS=50 "$SELF" run --resume "$TMP/res" > /dev/null 2>&1
is "$?" 3 "--resume finishes it with the worst exit of both"
is "$(x "$TMP/res" 'string(//*[local-name()="assessment"]/*[local-name()="profile"]/@id)')" selftest-b "and both profiles are judged"
is "$(grep '^case ' "$TMP/res/journal" | sed 's/ .*verdict=\([a-z]*\).*/ \1/' | sed 's/^case id=//' | sort | md5sum)" \
	"$(grep '^case ' "$TMP/ab/journal" | sed 's/ .*verdict=\([a-z]*\).*/ \1/' | sed 's/^case id=//' | sort | md5sum)" \
	"with the verdicts of the uninterrupted run"

# What is refused.
run --profile "$A" --profile "$A" --out "$TMP/twice" > /dev/null 2> "$TMP/err"
like "$(cat "$TMP/err")" "profile 'selftest' is given twice" "the same profile twice is refused"
run --profile "$B" --level basic --out "$TMP/lv" > /dev/null 2> "$TMP/err"
like "$(cat "$TMP/err")" "has no levels" "--level with only a pass/fail scheme is refused"
run --profile "$A" --profile "$B" --level basic --out "$TMP/lv2" > /dev/null 2>&1
is "$(x "$TMP/lv2" 'string(//*[local-name()="assessment"]/*[local-name()="levels"]/@reached)')" met \
	"--level basic with a pass/fail scheme beside: the scheme is judged whole"
