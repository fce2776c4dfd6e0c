#!/usr/bin/env bash
# keur campaign on self-test cases (tests/keur-selftest, whose campaign starts keur-selftest
# runs): one run per DUT at once, the table and campaign.tsv, exit codes, input refused before
# anything starts, SIGTERM and SIGKILL of the campaign, and --resume to the same verdicts.
. "$(dirname "$0")/lib.sh"
plan 32

D=$TOP/tests/data
for i in 1 2 3 4 5 6 7 8; do sed "s/<dut \([^>]*\)id=\"[^\"]*\"/<dut \1id=\"self$i\"/" "$D/self-dut.xml" > "$TMP/d$i.xml"; done
CASES=SELF-SLOW-001,SELF-SLOW-002,SELF-SLOW-003,SELF-SLOW-004
# Each slow case sleeps this long: long enough for the runs to overlap, and for a stop to come
# while they run (500 ms: the SIGTERM and SIGKILL blocks stop a campaign with 3 cases of each run,
# 1.5 s, still to go).
export KEUR_SELFTEST_SLOW_MS=500

# campaign ARGS...: stderr in $ERR ($TMP/err here; each block below has its own).
ERR=$TMP/err
campaign() { "$SELF" campaign "$@" < /dev/null 2> "$ERR"; }
verdicts() { for i in 1 2 3; do grep '^  verdict: ' "$1/self$i/results.tap" 2>/dev/null | awk -v d="self$i" '{ print d, $2 }'; done; }
# st NAME: the exit status of the last command, kept in $TMP/NAME.rc for an assertion later.
st() { echo $? > "$TMP/$1.rc"; }
rc_of() { cat "$TMP/$1.rc" 2>/dev/null; }

# The blocks after the first two (SIGTERM, SIGKILL, campaign.plan, stops at the start) each have
# their own --out directories and stderr files: they run in the background, beside the first
# two, and their assertions come once all have ended (compared with the first campaign's verdicts).
BLOCKS=()

# SIGTERM: the runs stop the way Ctrl-C stops one, journaled; --resume finishes them.
(
	ERR=$TMP/ct-resume.err
	"$SELF" campaign --out "$TMP/ct" --only "$CASES" "$TMP/d1.xml" "$TMP/d2.xml" "$TMP/d3.xml" < /dev/null 2> "$TMP/ct.err" &
	cp=$!
	poll_until 10 grep -qs '^case ' "$TMP/ct/self3/journal"
	kill -TERM "$cp"
	wait "$cp"; st ct-term
	campaign --resume "$TMP/ct"; st ct-resume
) & BLOCKS+=($!)

# SIGKILL: the runs get SIGTERM (PR_SET_PDEATHSIG) and stop journaled; --resume again.
(
	ERR=$TMP/ck-resume.err
	"$SELF" campaign --out "$TMP/ck" --only "$CASES" "$TMP/d1.xml" "$TMP/d2.xml" "$TMP/d3.xml" < /dev/null 2> /dev/null &
	cp=$!
	poll_until 10 grep -qs '^case ' "$TMP/ck/self3/journal"
	{ kill -KILL "$cp"; wait "$cp"; } 2>/dev/null	# quiet: bash would report the kill
	poll_until 10 test -s "$TMP/ck/self1/results.tap" -a -s "$TMP/ck/self2/results.tap" -a -s "$TMP/ck/self3/results.tap"
	campaign --resume "$TMP/ck"; st ck-resume
) & BLOCKS+=($!)

# campaign.plan: --resume also starts the runs that a stop kept from starting, from anywhere.
(
	ERR=$TMP/cplan.err
	campaign --out "$TMP/cplan" --only "$CASES" "$TMP/d1.xml" "$TMP/d2.xml" "$TMP/d3.xml"
	rm -rf "$TMP/cplan/self2" "$TMP/cplan/self3" "$TMP/cplan"/self[23].* "$TMP/cplan/campaign.tsv"
	grep -q "^dut self2 $TMP/d2.xml\$" "$TMP/cplan/campaign.plan"; st cplan-abs
	self=$(cd "$(dirname "$SELF")" && pwd)/${SELF##*/}
	(cd / && "$self" campaign --resume "$TMP/cplan" < /dev/null 2> "$TMP/cplan-resume.err"); st cplan-resume
	printf 'dut\n' >> "$TMP/cplan/campaign.plan"
	ERR=$TMP/cplan-damaged.err
	campaign --resume "$TMP/cplan"; st cplan-damaged
) & BLOCKS+=($!)

# A stop at any moment of the start: keur either never got to run (killed by the signal, nothing
# made) or answers exit 3, and --resume then ends every run with the uninterrupted verdicts.
(
	export KEUR_SELFTEST_SLOW_MS=100
	bad="" early=0 stopped=0 partial=0
	for ms in 0 2 4 6 8 10 15 20 30 50; do
		o=$TMP/cs$ms
		"$SELF" campaign --out "$o" --only "$CASES" "$TMP"/d[1-8].xml < /dev/null 2> "$o.err" &
		cp=$!
		sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
		kill -TERM "$cp"
		wait "$cp" 2>/dev/null
		rc=$?
		if [ $rc -eq 143 ] && [ ! -e "$o" ]; then early=$((early + 1)); continue; fi
		[ $rc -eq 3 ] || { bad="$bad $ms ms: exit $rc;"; continue; }
		stopped=$((stopped + 1))
		grep -q " 8 run(s) started" "$o.err" || partial=$((partial + 1))
		"$SELF" campaign --resume "$o" < /dev/null 2> "$o.resume" > /dev/null
		n=$(cat "$o"/self[1-8]/results.tap 2>/dev/null | grep -c '^  verdict: ')
		[ "$n" = 32 ] || bad="$bad $ms ms: $n of 32 verdicts after --resume;"
	done
	printf '%s\n' "$bad" > "$TMP/cs.bad"
	echo "# of 10 stops: $early before keur ran, $stopped answered (in $partial of them before all 8 runs had started)" > "$TMP/cs.note"
) & BLOCKS+=($!)
# Started with SIGCHLD ignored (the kernel would reap the runs unseen), the campaign still
# sees every run end; timeout stops it if it hangs (SIGTERM at 30 s, SIGKILL 5 s later).
(
	KEUR_SELFTEST_SLOW_MS=100 timeout -k 5 30 bash -c 'trap "" CHLD; exec "$@"' _ "$SELF" campaign --out "$TMP/cchld" \
		--only "$CASES" "$TMP/d1.xml" "$TMP/d2.xml" < /dev/null 2> "$TMP/cchld.err"
	st cchld
) & BLOCKS+=($!)

campaign --out "$TMP/c" --only "$CASES" "$TMP/d1.xml" "$TMP/d2.xml" "$TMP/d3.xml"
is $? 1 "a campaign where every DUT has a failing case exits 1"
is "$(ls -d "$TMP"/c/self*/ | wc -l)" 3 "one run directory per DUT, named by its ID"
is "$(cat "$TMP"/c/self*/results.tap | grep -c '^  verdict: ')" 12 "every run ran its 4 cases"
is "$(sed -n 1p "$TMP/c/campaign.tsv")" "$(printf 'dut\texit\tlevel\tpass\tfail\tinconc\terror\tna\tseconds\tpeak_kb')" "campaign.tsv has its header"
is "$(awk -F'\t' 'NR > 1 { print $1, $2, $4, $5, $6, $7, $8 }' "$TMP/c/campaign.tsv" | paste -sd';' -)" \
	"self1 1 3 1 0 0 0;self2 1 3 1 0 0 0;self3 1 3 1 0 0 0" "and one row per DUT: exit 1, 3 pass, 1 fail"
ok "$(awk -F'\t' 'NR > 1 && !($10 > 1000) { bad = 1 } END { exit bad }' "$TMP/c/campaign.tsv"; echo $?)" "each row has the run's peak memory in kB"
like "$(cat "$TMP/err")" "self2 +1 +- +3 +1 +0 +0 +0 " "the table is on stderr too"
grep -q '^ok 1 - SELF-SLOW-001' "$TMP/c/self1.tap"; ok $? "each run's TAP is in DIR/DUT-ID.tap"
# The runs overlapped: each one's first case started before any run's last case ended.
first=$(for i in 1 2 3; do grep -m1 '^case ' "$TMP/c/self$i/journal" | sed 's/.* start=\([0-9]*\).*/\1/'; done | sort -n | tail -1)
last=$(for i in 1 2 3; do grep '^case ' "$TMP/c/self$i/journal" | tail -1 | sed 's/.* start=\([0-9]*\).*/\1/'; done | sort -n | head -1)
ok "$([ "$first" -lt "$last" ]; echo $?)" "the three runs ran at the same time (their cases overlap)"

# Wrong input stops the campaign before anything starts.
printf '<dut xmlns="urn:keur:dut:1" id="broken">\n' > "$TMP/bad.xml"
campaign --out "$TMP/cbad" "$TMP/d1.xml" "$TMP/bad.xml"
is $? 2 "a malformed DUT description: exit 2"
ok "$([ ! -e "$TMP/cbad" ]; echo $?)" "and nothing was started"
like "$(cat "$TMP/err")" "bad.xml" "the error names the file"
campaign --out "$TMP/cdup" "$TMP/d1.xml" "$TMP/d1.xml"
is $? 2 "two descriptions with one DUT ID: exit 2"
campaign --out "$TMP/c" "$TMP/d1.xml"
is $? 2 "an --out that holds that DUT's run already: exit 2"
campaign --out "$TMP/conly" --only NO-SUCH-001 "$TMP/d1.xml"
is $? 2 "a run that refuses its command line: the campaign exits 2"
like "$(cat "$TMP/err")" "self1 did not run: keur: --only: unknown case 'NO-SUCH-001'" "and says why, from the run's own message"
campaign --out "$TMP/conly" "$TMP/d2.xml"
is $? 2 "an --out that holds another campaign: exit 2"
like "$(cat "$TMP/err")" "holds a campaign already: give another --out, or --resume $TMP/conly" "and it says so"

wait "${BLOCKS[@]}"

# SIGTERM
is "$(rc_of ct-term)" 3 "SIGTERM to the campaign: exit 3, the runs did not end"
like "$(cat "$TMP/ct.err")" "finish with: keur campaign --resume $TMP/ct" "and it says how to finish"
is "$(rc_of ct-resume)" 1 "keur campaign --resume finishes them: exit 1"
is "$(verdicts "$TMP/ct")" "$(verdicts "$TMP/c")" "with the verdicts of an uninterrupted campaign"

# SIGKILL
is "$(rc_of ck-resume)" 1 "after SIGKILL of the campaign, --resume finishes every run: exit 1"
is "$(verdicts "$TMP/ck")" "$(verdicts "$TMP/c")" "with the same verdicts"

# campaign.plan
ok "$(rc_of cplan-abs)" "campaign.plan names each DUT's description by its absolute path"
is "$(rc_of cplan-resume)" 1 "--resume of a campaign two of whose runs never started: exit 1"
like "$(cat "$TMP/cplan-resume.err")" "2 run\(s\) started in $TMP/cplan \(the others had ended\)" "it starts those two, from another directory"
is "$(verdicts "$TMP/cplan")" "$(verdicts "$TMP/c")" "and ends with the uninterrupted campaign's verdicts"
is "$(rc_of cplan-damaged)" 2 "a damaged campaign.plan: exit 2"
like "$(cat "$TMP/cplan-damaged.err")" "campaign.plan:[0-9]+: not a campaign plan line" "naming the file and line"

# stops at the start
is "$(rc_of cchld)" 1 "a campaign started with SIGCHLD ignored still sees its runs end: exit 1"
cat "$TMP/cs.note"
is "$(cat "$TMP/cs.bad")" "" "SIGTERM 0 to 50 ms into a campaign of 8: exit 3 (or never started), and --resume ends all 8 runs"
done_testing
