#!/usr/bin/env bash
# run.sh [SECONDS] [TARGET...]: runs each libFuzzer harness (make fuzzers) for SECONDS (default
# 60) from its seeds in tests/fuzz/corpus/TARGET, in a working corpus of its own (the committed
# seeds are not changed).  A crash, leak, UB report or timeout stops that fuzzer; its input is
# kept in build/fuzz/artifacts/.  Prints a line per target; exit 1 if any found something.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
shift || true
targets=${*:-journal profile dut lab ics review mqtt coap modbus cert report image bundle}
work=$(mktemp -d /tmp/keur-fuzz.XXXXXX)
# The harnesses' own files go into $work too (fuzz_tmpdir()), so that fuzzers of two runs at
# once never remove each other's.
export KEUR_FUZZ_TMP=$work
trap 'rm -rf "$work"' EXIT
mkdir -p "$top/build/fuzz/artifacts"
bad=0
for t in $targets; do
	bin=$top/build/fuzz/fuzz-$t
	[ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzzers)" >&2; exit 2; }
	mkdir -p "$work/$t"
	# ASAN's leak check runs after every input; UBSan stops at the first report (built so).
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$top/build/fuzz/artifacts/$t-" "$work/$t" "$top/tests/fuzz/corpus/$t" \
		> "$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $t: ${runs:-?} inputs in ${secs} s, ${cov:-cov: ?}, nothing found"
	else
		bad=1
		echo "fuzz: $t: FOUND something (exit $rc) after ${runs:-?} inputs:"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/$t.log" | head -5 | sed 's/^/fuzz:   /'
	fi
done
exit $bad
