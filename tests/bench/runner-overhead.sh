#!/usr/bin/env bash
# Benchmark: what the runner costs per case.  1000 trivial cases (tests/bench/trivial_suite.c)
#  through the real runner (tests/keur-bench: a fork per case in its own process group, the
#  deadline watch, the journal record appended and fdatasync'ed, the TAP line), against the
#  same 1000 checks in one process with a TAP line each (tests/bench/inproc).  ROUNDS rounds
#  (default 3), medians; asserts nothing.
#   bash tests/bench/runner-overhead.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-3}
BENCH=$TOP/tests/keur-bench
INPROC=$TOP/tests/bench/inproc
for b in "$BENCH" "$INPROC"; do [ -x "$b" ] || { echo "bench: $b is missing (make tests/keur-bench tests/bench/inproc)" >&2; exit 2; }; done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s%N; }
for r in $(seq "$ROUNDS"); do
	rm -rf "$TMP/run"
	t=$(now); "$BENCH" run --dut "$TOP/tests/data/self-dut.xml" --out "$TMP/run" --no-progress > "$TMP/run.tap" 2> /dev/null
	echo $(( ($(now) - t) / 1000 )) >> "$TMP/keur"
	[ "$(grep -c '^ok ' "$TMP/run.tap")" = 1000 ] || echo "bench: the runner did not pass 1000 cases" >&2
	# The cases alone: the sum of their durations as the journal has them (fork to verdict).
	awk '/^case / { for (i = 1; i <= NF; i++) if ($i ~ /^duration-ms=/) { sub("duration-ms=", "", $i); s += $i } } END { print s * 1000 }' \
		"$TMP/run/journal" >> "$TMP/cases"
	t=$(now); "$INPROC" > "$TMP/inproc.tap"; echo $(( ($(now) - t) / 1000 )) >> "$TMP/inproc"
	[ "$(grep -c '^ok ' "$TMP/inproc.tap")" = 1000 ] || echo "bench: inproc did not pass 1000 checks" >&2
done
k=$(median < "$TMP/keur"); c=$(median < "$TMP/cases"); i=$(median < "$TMP/inproc")
echo "runner-overhead: $ROUNDS rounds of 1000 trivial cases, medians"
awk -v k="$k" -v c="$c" -v i="$i" 'BEGIN {
	printf "runner-overhead: keur runner     %8.1f ms in all, %6.3f ms per case (run start and reports included)\n", k / 1000, k / 1e6
	printf "runner-overhead: of which cases  %8.1f ms, as the journal times them (fork to verdict)\n", c / 1000
	printf "runner-overhead: in one process  %8.1f ms in all, %6.3f ms per check\n", i / 1000, i / 1e6
	printf "runner-overhead: ratio %.0f; isolation, deadline, journal fsync and TAP cost %.2f ms per case\n", k / (i > 0 ? i : 1), (k - i) / 1e6
}'
