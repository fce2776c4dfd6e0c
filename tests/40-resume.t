#!/usr/bin/env bash
# Crash safety: keur killed with SIGKILL mid-run loses at most the case in flight; --resume
# finishes with the verdicts of an uninterrupted run; a torn journal tail is cut off; SIGINT
# stops cleanly with a journal that resumes.
. "$(dirname "$0")/lib.sh"
plan 25

D=$TOP/tests/data
SLOW=SELF-SLOW-001,SELF-SLOW-002,SELF-SLOW-003,SELF-SLOW-004,SELF-SLOW-005,SELF-SLOW-006

verdicts() { grep '^case ' "$1/journal" | sed -n 's/^case id=\([^ ]*\) verdict=\([a-z]*\) .*/\1 \2/p' | sort; }

# The reference: an uninterrupted run.
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/ref" --only "$SLOW" > /dev/null 2>&1
verdicts "$TMP/ref" > "$TMP/ref.v"
is "$(wc -l < "$TMP/ref.v")" 6 "reference run: six verdicts"

# Poll (bounded) until the journal holds at least N case records.
wait_cases() {
	local dir=$1 n=$2
	for _ in $(seq 400); do
		[ -f "$dir/journal" ] && [ "$(grep -c '^case ' "$dir/journal")" -ge "$n" ] && return 0
		sleep 0.025
	done
	return 1
}

for k in 1 3 5; do
	dir=$TMP/kill$k
	KEUR_SELFTEST_SLOW_MS=300 bg "$SELF" run --dut "$D/self-dut.xml" --out "$dir" --only "$SLOW" > "$TMP/k$k.tap" 2>/dev/null
	pid=$BG
	wait_cases "$dir" "$k"; ok $? "kill $k: the run journaled $k case(s)"
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	done_before=$(grep -c '^case ' "$dir/journal")
	[ "$done_before" -ge "$k" ] && [ "$done_before" -lt 6 ]; ok $? "kill $k: SIGKILL mid-run ($done_before of 6 done)"
	# Cases die with keur (PR_SET_PDEATHSIG): nothing of the killed run goes on.
	left=1
	for _ in $(seq 100); do
		ps -eo args | grep -q "[k]eur-selftest run --dut $D/self-dut.xml --out $dir " || { left=0; break; }
		sleep 0.05
	done
	is "$left" 0 "kill $k: no case process outlives the killed keur"
	"$SELF" run --resume "$dir" > "$TMP/r$k.tap" 2>/dev/null
	rc=$?
	verdicts "$dir" > "$TMP/k$k.v"
	cmp -s "$TMP/ref.v" "$TMP/k$k.v"; ok $? "kill $k: after --resume the verdicts equal the uninterrupted run's (exit $rc)"
done

# The resumed run's outputs: complete TAP on stdout, valid JUnit, journal records not duplicated.
is "$(grep -cE '^(not )?ok ' "$TMP/r3.tap")" 6 "--resume prints TAP for all six cases"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/kill3/junit.xml" 2>/dev/null; ok $? "junit.xml after --resume is valid"
is "$(grep -c '^case ' "$TMP/kill3/journal")" 6 "each case is journaled once"
grep -q '^resume ' "$TMP/kill3/journal"; ok $? "the journal records the resumption"

# A torn last record (a write cut off by the kill) is cut off and the run completes.
dir=$TMP/torn
KEUR_SELFTEST_SLOW_MS=300 bg "$SELF" run --dut "$D/self-dut.xml" --out "$dir" --only "$SLOW" > /dev/null 2>&1
pid=$BG
wait_cases "$dir" 2
kill -9 "$pid"; wait "$pid" 2>/dev/null
printf 'case id=SELF-SLOW-006 verdict=pa' >> "$dir/journal"
"$SELF" report "$dir" > /dev/null 2>&1; ok $? "keur report reads a journal with a torn tail"
xmllint --noout "$dir/junit.xml"; ok $? "the partial junit.xml is well-formed"
"$SELF" run --resume "$dir" > /dev/null 2>&1
verdicts "$dir" > "$TMP/torn.v"
cmp -s "$TMP/ref.v" "$TMP/torn.v"; ok $? "torn tail: --resume completes with the reference verdicts"

# A damaged record in the middle is not silently skipped.
cp -r "$TMP/ref" "$TMP/damaged"
sed -i '0,/^case id=SELF-SLOW-002 verdict=pass/s//case id=SELF-SLOW-002 verdict=fail/' "$TMP/damaged/journal"
"$SELF" report "$TMP/damaged" > /dev/null 2> "$TMP/damaged.err"
is $? 2 "a journal changed in the middle is refused (exit 2)"
like "$(cat "$TMP/damaged.err")" "damaged record followed by others" "and the reason says so"

# SIGINT: the case in flight is dropped, Bail out! names the resume command, exit 3.
dir=$TMP/int
KEUR_SELFTEST_SLOW_MS=400 bg "$SELF" run --dut "$D/self-dut.xml" --out "$dir" --only "$SLOW" > "$TMP/int.tap" 2>/dev/null
pid=$BG
wait_cases "$dir" 1
kill -INT "$pid"; wait "$pid"; rc=$?
is "$rc" 3 "SIGINT: exit 3"
like "$(cat "$TMP/int.tap")" "^Bail out! interrupted; finish with: keur run --resume" "SIGINT: Bail out! with the resume command"
"$SELF" run --resume "$dir" > /dev/null 2>&1
verdicts "$dir" > "$TMP/int.v"
cmp -s "$TMP/ref.v" "$TMP/int.v"; ok $? "SIGINT: --resume completes with the reference verdicts"
done_testing
