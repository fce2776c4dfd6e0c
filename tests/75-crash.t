#!/usr/bin/env bash
# Crash safety on the simulated lab (needs root).  The full csr-label profile runs against two
# reference devices: once straight through, and once SIGKILLed at random moments (SEED below;
# KEUR_CRASH_SEED picks another) and resumed with `keur run --resume` after each kill, until it
# ends.  After every kill the journal must be whole (keur report reads it) and no case of the
# killed keur may live on; at the end the verdicts must equal the uninterrupted run's case by
# case, the device's uplink must be up and the device running, and `keur lab down` must leave
# nothing.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_begin
LN=$(lab_name t75)
KILLS=8
plan $(( 3 * KILLS + 9 ))

SEED=${KEUR_CRASH_SEED:-7543}
RANDOM=$SEED
echo "# kill moments drawn with seed $SEED (KEUR_CRASH_SEED=$SEED repeats them)"
L=$TMP/lab
trap '[ -f "$L/lab.state" ] && "$KEUR" lab down --dir "$L" >/dev/null 2>&1; cleanup' EXIT
"$KEUR" lab up --dir "$L" --name "$LN" --duts 2 > "$TMP/up.out" 2>&1
is $? 0 "keur lab up: two reference devices"

P=$TOP/profiles/csr-label.xml
bg "$KEUR" run --profile "$P" --dut "$L/dev0.xml" --lab "$L/lab.xml" --out "$TMP/straight" --no-progress \
	> "$TMP/straight.tap" 2> "$TMP/straight.err" < /dev/null
straight=$BG

# Is a process of the killed run alive (keur or one of its cases: they carry its command line)?
killed_alive() { ps -eo args | grep -v grep | grep -qE -- "--(out|resume) $TMP/killed( |\$)"; }

args=(run --profile "$P" --dut "$L/dev1.xml" --lab "$L/lab.xml" --out "$TMP/killed" --no-progress)
kills=0 rounds=0 prev=0
while [ $rounds -lt 30 ]; do
	rounds=$((rounds + 1))
	bg "$KEUR" "${args[@]}" >> "$TMP/killed.tap" 2>> "$TMP/killed.err" < /dev/null	# stopped at exit if still running
	pid=$BG
	args=(run --resume "$TMP/killed" --no-progress)
	[ $kills -ge $KILLS ] && { wait $pid; echo $? > "$TMP/killed.rc"; break; }
	# somewhere from 1 to 40 s into this stretch, in tenths of a second
	t=$(( 10 + RANDOM % 391 ))
	for _ in $(seq $t); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if ! kill -0 $pid 2>/dev/null; then	# it ended before the kill came
		wait $pid; echo $? > "$TMP/killed.rc"
		break
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
	kills=$((kills + 1))
	n=$(grep -c '^case ' "$TMP/killed/journal" 2>/dev/null)
	echo "# kill $kills after $(awk -v t=$t 'BEGIN { printf "%.1f", t / 10 }') s: $n cases journaled"
	poll_until 5 eval '! killed_alive'
	ok $? "kill $kills: no case of the killed keur lives on"
	"$KEUR" report "$TMP/killed" > /dev/null 2> "$TMP/report.err"
	rc=$?
	ok "$([ $rc -le 3 ] && [ $rc -ne 2 ]; echo $?)" "kill $kills: the journal is whole: keur report reads it (exit $rc$(head -c 200 "$TMP/report.err"))"
	ok "$([ "${n:-0}" -ge "$prev" ]; echo $?)" "kill $kills: nothing journaled was lost ($prev cases before, $n now)"
	prev=${n:-0}
done
# A run that ended before all kills came counts its missing kills as done (each: three oks).
for i in $(seq $((kills + 1)) $KILLS); do
	for j in 1 2 3; do echo "ok $((T_N + 1)) # SKIP the run ended before kill $i"; T_N=$((T_N + 1)); done
done
wait $straight; src=$?
# Both end with exit 3: every case passes, and the penetration test (level high) awaits a person.
is "$(cat "$TMP/killed.rc" 2>/dev/null)" "$src" "the killed run ends, resumed, with the straight one's exit ($src: $(cat "$TMP/straight.err" | tail -1))"
ok "$([ $kills -ge 3 ]; echo $?)" "it was killed $kills times on the way"

verdicts() { awk '/^(not )?ok [0-9]+ - / { id = $4 } /^  verdict: / { print id, $2 }' "$1"; }
verdicts "$TMP/straight/results.tap" > "$TMP/v.straight"
verdicts "$TMP/killed/results.tap" > "$TMP/v.killed"
is "$(wc -l < "$TMP/v.killed")" "$(wc -l < "$TMP/v.straight")" "every case of the plan has one verdict"
diff "$TMP/v.straight" "$TMP/v.killed" > "$TMP/v.diff"
ok $? "case by case, the same verdicts as the uninterrupted run"
sed 's/^/#   /' "$TMP/v.diff"
is "$(xmllint --xpath "string(//*[local-name()='label']/*[@name='security-level']/@value)" "$TMP/killed/report.xml" 2>/dev/null)" \
	"$(xmllint --xpath "string(//*[local-name()='label']/*[@name='security-level']/@value)" "$TMP/straight/report.xml" 2>/dev/null)" \
	"and the same level on the label"

# The lab as it should be: the device's uplink up, the device running, no run left.
ip -n keur-$LN-dut1 link show wan0 | grep -q "state UP"; ok $? "the device's uplink is up"
simdev=$(awk '$1 == "pid" && $4 == "simdev" && $5 == "dev1" { print $2 }' "$L/lab.state" | tail -1)
kill -0 "$simdev" 2>/dev/null; ok $? "the device is running (pid $simdev)"
"$KEUR" lab down --dir "$L" > /dev/null 2>&1
! ip netns list | grep -q "^keur-$LN-" && ! ps -eo args | grep -v grep | grep -q -- "$L/"
ok $? "keur lab down leaves no namespace and no process of the lab"
