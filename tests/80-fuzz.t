#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/): built with clang, ASan and UBSan; each replays its seed
# corpus and then fuzzes for FUZZ_SECONDS (default 5; `make fuzz` runs 60) with no crash, leak,
# undefined behaviour or timeout.  Targets: the journal decoder, the profile, DUT and lab
# loaders, the ICS (against profiles/en303645.xml) and the review file (against the run in
# tests/fuzz/review-run/), MQTT packets and CONNECT, CoAP datagrams, Modbus/TCP replies,
# certificate judgement, keur verify on a report.xml from outside, and the update image readers
# and forgers (kfw1, swu, mender, raucb); a bundle unpacked and indexed as the registry does.
. "$(dirname "$0")/lib.sh"
TARGETS="journal profile dut lab ics review mqtt coap modbus cert report image bundle"
plan 14
if ! command -v clang > /dev/null; then
	for i in $(seq 14); do echo "ok $i # SKIP clang is not installed (make deps installs it)"; done
	exit 0
fi
make -C "$TOP" -s -j2 fuzzers > "$TMP/build.log" 2>&1; ok $? "the fuzzers build (clang, -fsanitize=fuzzer,address,undefined)"
[ "$T_FAILED" -eq 0 ] || { sed 's/^/# /' "$TMP/build.log" | tail -20; exit 1; }
# Two fuzzers at a time, each for its full FUZZ_SECONDS (a fuzzer is one process, on one CPU);
# run.sh takes one target per call, each with a working directory and KEUR_FUZZ_TMP of its own.
# A slot is refilled as soon as a fuzzer ends; the TAP lines come out in the order of TARGETS.
JOBS=2
order=($TARGETS)
declare -A RUN=() RC=()	# the PID of a fuzzer going on -> its target; a target done -> its exit
shown=0
reap() { # waits for one fuzzer to end, then prints what can be printed in order
	local fin= rc t
	wait -n -p fin "${!RUN[@]}"
	rc=$?
	[ -n "$fin" ] && [ -n "${RUN[$fin]:-}" ] || { echo "Bail out! lost track of the fuzzers (${RUN[*]})"; exit 1; }
	RC[${RUN[$fin]}]=$rc
	unset "RUN[$fin]"
	while [ $shown -lt ${#order[@]} ] && [ -n "${RC[${order[$shown]}]:-}" ]; do
		t=${order[$shown]}
		out=$(cat "$TMP/fuzz-$t.out")
		ok "${RC[$t]}" "$out"
		[ "${RC[$t]}" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		shown=$((shown + 1))
	done
}
for t in $TARGETS; do
	[ ${#RUN[@]} -lt $JOBS ] || reap
	bg bash "$TOP/tests/fuzz/run.sh" "${FUZZ_SECONDS:-5}" "$t" > "$TMP/fuzz-$t.out" 2>&1
	RUN[$BG]=$t
done
while [ ${#RUN[@]} -gt 0 ]; do reap; done
done_testing
