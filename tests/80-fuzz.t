#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/): built with clang, ASan and UBSan; each replays its seed
# corpus and then fuzzes for FUZZ_SECONDS (default 5; `make fuzz` runs 60) with no crash, leak,
# undefined behaviour or timeout.  Targets: the journal decoder, the profile, DUT and lab
# loaders, MQTT packets and CONNECT, CoAP datagrams, Modbus/TCP replies, certificate
# judgement, and keur verify on a report.xml from outside.
. "$(dirname "$0")/lib.sh"
TARGETS="journal profile dut lab mqtt coap modbus cert report"
plan 10
if ! command -v clang > /dev/null; then
	for i in $(seq 10); do echo "ok $i # SKIP clang is not installed (make deps installs it)"; done
	exit 0
fi
make -C "$TOP" -s -j2 fuzzers > "$TMP/build.log" 2>&1; ok $? "the fuzzers build (clang, -fsanitize=fuzzer,address,undefined)"
[ "$T_FAILED" -eq 0 ] || { sed 's/^/# /' "$TMP/build.log" | tail -20; exit 1; }
for t in $TARGETS; do
	out=$(bash "$TOP/tests/fuzz/run.sh" "${FUZZ_SECONDS:-5}" "$t" 2>&1); rc=$?
	ok $rc "$out"
	[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
done
done_testing
