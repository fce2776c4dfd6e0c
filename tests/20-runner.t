#!/usr/bin/env bash
# The runner, on cases that pass, fail, crash, hang, print noise, leave processes behind and
# write evidence (tests/selftest_suite.c): TAP, deadlines, journal, JUnit, report.xml, exit codes.
. "$(dirname "$0")/lib.sh"
plan 57

D=$TOP/tests/data
CASES=SELF-PASS-001,SELF-FAIL-001,SELF-INCONC-001,SELF-CRASH-001,SELF-HANG-001,SELF-HANGFAIL-001,SELF-NOVERDICT-001,SELF-NOISE-001,SELF-EVIDENCE-001,SELF-SPAWN-001,SELF-TWICE-001,SELF-NA-001,SELF-FIXTURE-001
out=$TMP/run1
start=$(date +%s)
# Under AddressSanitizer (make SAN=...) the crash case must die by its signal, as it would without.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0 \
	"$SELF" run --dut "$D/self-dut.xml" --out "$out" --only "$CASES" > "$TMP/stdout" 2> "$TMP/stderr"
rc=$?
took=$(( $(date +%s) - start ))
is "$rc" 1 "a run with a failing case exits 1"

# The result lines and the verdicts, in order, exactly as expected.
{ grep -E '^(not )?ok ' "$TMP/stdout"; grep -E '^  verdict: ' "$TMP/stdout"; } > "$TMP/got.tap"
diff -u "$D/runner-expected.tap" "$TMP/got.tap" > "$TMP/diff"; r=$?
ok $r "TAP results and verdicts as expected"
[ $r -eq 0 ] || sed 's/^/# /' "$TMP/diff"

head -2 "$TMP/stdout" > "$TMP/head"
printf 'TAP version 14\n1..13\n' | cmp -s - "$TMP/head"; ok $? "TAP 14 header and plan first"

# stdout carries only TAP: the noise case's lines never reach it.
bad=$(grep -Ev '^(TAP version 14|1\.\.[0-9]+|(not )?ok [0-9]+ - .*|  .*|#.*)$' "$TMP/stdout" | head -3)
is "$bad" "" "stdout holds nothing but TAP"
grep -q 'I am not a test result' "$TMP/stdout"; is $? 1 "a case's own output is kept off stdout"
grep -q 'I am not a test result' "$out/evidence/SELF-NOISE-001/output.log"; ok $? "and kept as evidence in output.log"

# prove reads the stream as TAP (13 for the prove of Test::Harness 3.44, same stream otherwise).
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/run13" --only SELF-PASS-001,SELF-NA-001,SELF-NOISE-001 --tap-version 13 > "$TMP/t13.tap" 2>/dev/null
prove -e cat "$TMP/t13.tap" > "$TMP/prove.out" 2>&1; ok $? "prove accepts keur's TAP (passing run, --tap-version 13)"
head -1 "$TMP/run13/results.tap" | grep -qx 'TAP version 13'; ok $? "results.tap keeps the run's TAP version"

# --verbose shows a case's output, as TAP comments only, even when it does not end its line.
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/verbose" -v --only SELF-PARTIAL-001,SELF-NOISE-001,SELF-PASS-001 > "$TMP/v.tap" 2>/dev/null
bad=$(grep -Ev '^(TAP version 14|1\.\.[0-9]+|(not )?ok [0-9]+ - .*|  .*|# .*)$' "$TMP/v.tap" | head -3)
is "$bad" "" "-v: the cases' output appears only as '# ' comments"
grep -qx '# a line without its end' "$TMP/v.tap"; ok $? "-v: half a line is shown and ended before the next TAP line"
is "$(grep -cE '^ok [0-9]+ - ' "$TMP/v.tap")" 3 "-v: all three result lines intact"

# Deadlines: hanging cases end at their deadline (1 s) plus a small grace, not later.
for id in SELF-HANG-001 SELF-HANGFAIL-001; do
	ms=$(grep "^case id=$id " "$out/journal" | sed -n 's/.* duration-ms=\([0-9]*\).*/\1/p')
	[ -n "$ms" ] && [ "$ms" -ge 1000 ] && [ "$ms" -lt 4000 ]; ok $? "$id killed at its deadline (${ms} ms)"
done
[ "$took" -lt 20 ]; ok $? "the whole run is not held up by hanging cases or left-behind processes (${took} s)"
grep -q '^case id=SELF-CRASH-001 verdict=error reason=case%20crashed:%20signal%2011' "$out/journal"; ok $? "a crash is an error naming the signal"

# The grandchild the spawn case left behind went with the case's process group.
sleep_left=$(ps -eo pid,args | grep -c "[k]eur-selftest run --dut $D/self-dut.xml --out $out")
is "$sleep_left" 0 "no process of the run is left behind"

# Evidence: hashed in the journal exactly as sha256sum sees the file.
want=$(sha256sum "$out/evidence/SELF-EVIDENCE-001/frame.bin" | cut -d' ' -f1)
grep -q "^case id=SELF-EVIDENCE-001 .*ev=frame.bin:$want:14" "$out/journal"; ok $? "evidence SHA-256 in the journal matches sha256sum"
grep -q "sha256=\"$want\"" "$out/report.xml"; ok $? "and in report.xml"
[ ! -e "$out/evidence/escape" ] && [ ! -e "$out/evidence/SELF-EVIDENCE-001/../escape" ]; ok $? "evidence names cannot leave the case's folder"

# JUnit: valid against the Jenkins xUnit schema, with the verdict mapping of DESIGN.md.
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$out/junit.xml" 2>"$TMP/xsd"; ok $? "junit.xml is valid against junit-10.xsd"
j=$(xmllint --xpath 'concat(count(//testcase), " ", count(//failure), " ", count(//error), " ", count(//skipped))' "$out/junit.xml")
is "$j" "13 3 5 1" "junit: 13 cases; failure for fail (3), error for error and inconc (5), skipped for na (1)"
t=$(xmllint --xpath 'string(//error[../@name="SELF-INCONC-001 a case that cannot decide"]/@type)' "$out/junit.xml")
is "$t" "inconc" "junit keeps inconc apart from error"
xmllint --xpath 'string(//property[@name="SELF-PASS-001.spec"]/@value)' "$out/junit.xml" | grep -qx selftest; ok $? "junit carries each case's spec in properties"

# report.xml counts every verdict apart.
s=$(xmllint --xpath 'concat(//*[local-name()="summary"]/@pass," ",//*[local-name()="summary"]/@fail," ",//*[local-name()="summary"]/@inconc," ",//*[local-name()="summary"]/@error," ",//*[local-name()="summary"]/@na)' "$out/report.xml")
is "$s" "4 3 2 3 1" "report.xml: pass 4, fail 3, inconc 2, error 3, na 1"

# keur report rebuilds the same files from the journal alone.
cp "$out/junit.xml" "$TMP/junit.before"; cp "$out/results.tap" "$TMP/tap.before"; cp "$out/report.xml" "$TMP/report.before"
rm "$out/junit.xml" "$out/results.tap" "$out/report.xml"
"$SELF" report "$out" > /dev/null; ok $? "keur report DIR succeeds"
cmp -s "$TMP/junit.before" "$out/junit.xml" && cmp -s "$TMP/tap.before" "$out/results.tap" && cmp -s "$TMP/report.before" "$out/report.xml"
ok $? "keur report DIR rewrites junit.xml, results.tap and report.xml identically"

# A second run into the same directory is refused: nothing is overwritten.
"$SELF" run --dut "$D/self-dut.xml" --out "$out" --only SELF-PASS-001 > /dev/null 2> "$TMP/err"; rc=$?
is "$rc" 2 "a directory that holds a run is not overwritten (exit 2)"
like "$(cat "$TMP/err")" "holds a run already" "and says why"

# Exit codes with a profile: mandatory requirements count, recommended ones do not.
"$SELF" run --profile "$D/self-profile.xml" --dut "$D/self-dut.xml" --out "$TMP/p1" --level basic > /dev/null 2>&1
is $? 0 "level basic: mandatory requirement passes, a failing recommended one does not count (exit 0)"
"$SELF" run --profile "$D/self-profile.xml" --dut "$D/self-dut.xml" --out "$TMP/p2" > /dev/null 2>&1
is $? 3 "all levels: an inconclusive mandatory requirement makes the run inconclusive (exit 3)"
v=$(xmllint --xpath 'string(//*[local-name()="requirement"][@id="SELF-REQ-1"]/@verdict)' "$TMP/p2/report.xml")
is "$v" "pass" "a requirement with one pass and one na case passes"
v=$(xmllint --xpath 'string(//*[local-name()="requirement"][@id="SELF-REQ-3"]/@verdict)' "$TMP/p2/report.xml")
is "$v" "inconc" "a requirement with an inconc case is inconc, never pass"
"$SELF" run --profile "$D/self-profile.xml" --dut "$D/self-dut.xml" --out "$TMP/p3" --level nope > /dev/null 2> "$TMP/err"
is $? 2 "an unknown level is a usage error"

# Fixtures: whatever a case did to the uplink or the power, the parent puts it back, also when
# the case crashed or hung; a restore that fails stops the run.
cat > "$TMP/fixlab.xml" <<X
<lab xmlns="urn:keur:lab:1" id="fixture-test">
  <scope> <allow net="127.0.0.0/8"/> </scope>
  <uplink method="command" off="rm -f $TMP/uplink" on="touch $TMP/uplink"/>
  <power dut="selftest-dut" method="command" off="rm -f $TMP/power" on="touch $TMP/power"/>
</lab>
X
touch "$TMP/uplink" "$TMP/power"
"$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/fixlab.xml" --out "$TMP/fix" --only SELF-UPLINK-001,SELF-UPLINK-002,SELF-POWER-001 > "$TMP/fix.tap" 2>&1
grep -q "fixture: uplink cut" "$TMP/fix/evidence/SELF-UPLINK-001/transcript.txt"; ok $? "the crashing case did cut the uplink"
[ -e "$TMP/uplink" ] && [ -e "$TMP/power" ]; ok $? "uplink and power are restored after a crash, a hang and a case that left the DUT off"
grep -q "uplink restore: done" "$TMP/fix/evidence/SELF-UPLINK-002/fixtures.txt"; ok $? "the restore is in the hanging case's evidence"
grep -q "^case id=SELF-UPLINK-002 .*ev=fixtures.txt:" "$TMP/fix/journal"; ok $? "and hashed with it"
is "$(verdict_of "$TMP/fix.tap" SELF-POWER-001)" pass "the power case itself passed"
rm -f "$TMP/fixp" && "$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/fixlab.xml" --out "$TMP/fixp" --only SELF-POWER-002 > "$TMP/fixp.tap" 2>&1
[ -e "$TMP/power" ] && grep -q "after the case: power on: done" "$TMP/fixp/evidence/SELF-POWER-002/fixtures.txt"
ok $? "a case that switched the power off without needing it: its record makes the parent switch it on"
# The uplink comes back before the run, but no more once a case has cut it.
sed -e "s|off=\"rm -f $TMP/uplink\" on=\"touch $TMP/uplink\"|off=\"touch $TMP/wascut\" on=\"echo switch says no; ! test -e $TMP/wascut\"|" \
    "$TMP/fixlab.xml" > "$TMP/badlab.xml"
"$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/badlab.xml" --out "$TMP/bad" --only SELF-UPLINK-001,SELF-SLOW-001 > "$TMP/bad.tap" 2>/dev/null
is $? 3 "a restore that fails stops the run (exit 3)"
like "$(cat "$TMP/bad.tap")" "^Bail out! uplink restore failed: the uplink on command .* failed \(exit 1\): switch says no" "with Bail out! and the reason"
grep -q "SELF-SLOW-001" "$TMP/bad/journal" && ! grep -q "^case id=SELF-SLOW-001" "$TMP/bad/journal"; ok $? "the cases after it are not run"
grep -q "switch says no" "$TMP/bad/evidence/SELF-UPLINK-001/fixtures.txt"; ok $? "the restore command's output is in the case's evidence"

# A lab left cut (a run killed during a cut) is put back before the next run's first case,
# whatever that case is; a lab that cannot be put back starts no case.
rm -f "$TMP/uplink" "$TMP/power"
"$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/fixlab.xml" --out "$TMP/rep" --only SELF-PASS-001 > "$TMP/rep.tap" 2>/dev/null
is $? 0 "a run on a lab left cut and off starts"
[ -e "$TMP/uplink" ] && [ -e "$TMP/power" ]; ok $? "after putting the uplink and the power back"
grep -q "before the run: uplink restore: done" "$TMP/rep/fixtures-repair.txt"; ok $? "and says so in fixtures-repair.txt"
"$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/badlab.xml" --out "$TMP/bad2" --only SELF-PASS-001 > "$TMP/bad2.tap" 2>/dev/null
is $? 3 "a lab whose uplink cannot be put back: exit 3"
like "$(cat "$TMP/bad2.tap")" "^Bail out! uplink restore failed: .*before the run" "Bail out! before the first case"
! grep -q "^case " "$TMP/bad2/journal"; ok $? "and no case ran"
rm -f "$TMP/wascut"

# Each case's peak memory (wait4) is in the journal and the TAP diagnostics.
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/mem" --only SELF-PASS-001,SELF-MEM-001 > "$TMP/mem.tap" 2>/dev/null
big=$(sed -n 's/^case .*id=SELF-MEM-001 .*maxrss-kb=\([0-9]*\).*/\1/p' "$TMP/mem/journal")
small=$(sed -n 's/^case .*id=SELF-PASS-001 .*maxrss-kb=\([0-9]*\).*/\1/p' "$TMP/mem/journal")
[ "${big:-0}" -ge 49152 ]; ok $? "a case that touched 48 MB: maxrss-kb=$big in the journal"
[ -n "$small" ] && [ $(( big - small )) -ge 40000 ]; ok $? "a trivial case's is its own: $small kB"
grep -q "^  maxrss_kb: $big\$" "$TMP/mem.tap"; ok $? "and the TAP diagnostics carry it"

# A case that asks for more than the ceiling (64 MB of data) ends inconc with that reason, not
# as a crash; KEUR_CASE_MEMORY_MB moves the ceiling.  Under AddressSanitizer there is none.
if grep -q __asan_init "$SELF"; then
	for i in 1 2 3; do echo "ok $((T_N + i)) # SKIP an ASan build has no memory ceiling for cases"; done
	T_N=$((T_N + 3))
else
	"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/oom" --only SELF-MEM-002 > "$TMP/oom.tap" 2>/dev/null
	is "$(verdict_of "$TMP/oom.tap" SELF-MEM-002)" inconc "a case past its memory ceiling: inconc"
	like "$(cat "$TMP/oom.tap")" "ran out of the 64 MB a case may use" "and the reason names the ceiling"
	KEUR_CASE_MEMORY_MB=512 "$SELF" run --dut "$D/self-dut.xml" --out "$TMP/oom2" --only SELF-MEM-002 > "$TMP/oom2.tap" 2>/dev/null
	is "$(verdict_of "$TMP/oom2.tap" SELF-MEM-002)" pass "KEUR_CASE_MEMORY_MB=512 lets it hold 256 MB"
fi
# A lab command a case runs is not held to the case's ceiling (a restarted device would be).
sed "s|off=\"rm -f $TMP/uplink\"|off=\"ulimit -d > $TMP/cut-ulimit; rm -f $TMP/uplink\"|" "$TMP/fixlab.xml" > "$TMP/ulab.xml"
"$SELF" run --dut "$D/self-dut.xml" --lab "$TMP/ulab.xml" --out "$TMP/ulim" --only SELF-UPLINK-001 > /dev/null 2>&1
is "$(cat "$TMP/cut-ulimit" 2>/dev/null)" "$(ulimit -d)" "the uplink command a case ran had keur's own data limit ($(ulimit -d)), not the case's"

# keur list resolves the plan, with reasons.
l=$("$SELF" list --profile "$D/self-profile.xml" --dut "$D/self-dut.xml")
like "$l" "SELF-NA-001 +na +the DUT declares no Modbus interface" "keur list shows why a case is na"
done_testing
