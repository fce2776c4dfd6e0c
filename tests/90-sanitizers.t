#!/usr/bin/env bash
# Sanitizers and valgrind on keur itself.  keur and keur-selftest are built with AddressSanitizer
# and UBSan into build/san/ (make build/san/keur build/san/tests/keur-selftest), and a set of
# the tests runs again with them (KEUR_BUILD=build/san): the runner, levels, the guided review, resume, lint,
# reports and signatures, the registry, MQTT and MQTT over TLS against mosquitto, CoAP against libcoap's server, CoAP over
# DTLS and the CoAP robustness cases against the reference device and test peers.  Each must
# pass with no sanitizer report, leaks included.  Then valgrind: a self-test run (the runner
# parent and its forked cases), keur report and keur verify, with no error and no leak.
. "$(dirname "$0")/lib.sh"
SET="10-lint 20-runner 25-levels 29-guided 30-mqtt 32-mqtt-tls 36-coap 39-coap-sec 40-resume 45-coap-rob 74-reports 77-images"
# Run after the others, alone: it is long and CPU-bound, and the set above waits on devices'
# deadlines, which a sanitizer build beside a busy neighbour can miss.
LATE="78-registry"
plan 18

make -C "$TOP" -s -j2 build/san/keur build/san/tests/keur-selftest > "$TMP/build.log" 2>&1
ok $? "keur and keur-selftest build with -fsanitize=address,undefined"
[ "$T_FAILED" -eq 0 ] || { sed 's/^/# /' "$TMP/build.log" | tail -20; exit 1; }
# The files run side by side (each waits mostly on its peers and deadlines), each with its own
# directory of sanitizer logs; the verdicts are read in order once all have ended.
san_run() {
	local t=$1
	mkdir -p "$TMP/san-$t"
	# handle_segv=0: SELF-CRASH-001 raises SIGSEGV on purpose and must die by it; a real crash
	# of keur still fails the test by its exit code and verdicts.
	ASAN_OPTIONS="log_path=$TMP/san-$t/asan:detect_leaks=1:handle_segv=0" UBSAN_OPTIONS="log_path=$TMP/san-$t/ubsan:print_stacktrace=1" \
		KEUR_BUILD="$TOP/build/san" bash "$TOP/tests/$t.t" > "$TMP/$t.out" 2>&1
	echo $? > "$TMP/$t.rc"
}
for t in $SET; do bg san_run "$t"; done
wait
for t in $LATE; do san_run "$t"; done
for t in $SET $LATE; do
	rc=$(cat "$TMP/$t.rc")
	reports=$(ls "$TMP/san-$t" | wc -l)
	failed=$(grep -c '^not ok' "$TMP/$t.out")
	[ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]
	ok $? "$t.t with ASan and UBSan: exit $rc, $failed failed, $reports sanitizer report(s)"
	if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
		grep '^not ok' "$TMP/$t.out" | head -5 | sed 's/^/# /'
		cat "$TMP/san-$t/"* 2>/dev/null | grep -E 'ERROR|SUMMARY|runtime error' | head -5 | sed 's/^/# /'
	fi
done

# valgrind: the runner's parent and the cases it forks, each with a log of its own.  Its reports
# are the "==PID==" lines (valgrind 3.19 also warns, "--PID--", that it does not know
# pidfd_open; the runner then polls as it did before pidfds).
D=$TOP/tests/data
# Under `make check SAN=...` the top-level binaries are ASan builds, which valgrind cannot run.
if ldd "$TOP/tests/keur-selftest" "$TOP/keur" | grep -q libasan; then
	for i in 1 2 3 4; do echo "ok $((T_N + i)) # SKIP keur itself is an ASan build here (make SAN=...): no valgrind"; done
	exit $(( T_FAILED > 0 ))
fi
vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$TMP/vg-$1.%p" "${@:2}"; }
vg run "$TOP/tests/keur-selftest" run --dut "$D/self-dut.xml" --out "$TMP/vgrun" \
	--only SELF-PASS-001,SELF-FAIL-001,SELF-NA-001,SELF-EVIDENCE-001 > "$TMP/vgrun.tap" 2>/dev/null
is "$?" 1 "valgrind: a self-test run with a failing case exits 1, as without valgrind"
is "$(cat "$TMP"/vg-run.* | grep -cE '^==[0-9]+==')" 0 "valgrind: no error and no leak in the runner or its cases"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=vg lab" \
	-keyout "$TMP/lab.key" -out "$TMP/lab.pem" 2>/dev/null
"$KEUR" sign "$TMP/vgrun" --key "$TMP/lab.key" --cert "$TMP/lab.pem" > /dev/null 2>&1
vg report "$KEUR" report "$TMP/vgrun" > /dev/null 2>&1
vg verify "$KEUR" verify "$TMP/vgrun" --ca "$TMP/lab.pem" > /dev/null 2>&1
is "$?" 0 "valgrind: keur verify of the signed run exits 0"
is "$(cat "$TMP"/vg-report.* "$TMP"/vg-verify.* | grep -cE '^==[0-9]+==')" 0 "valgrind: no error and no leak in keur report and keur verify"
done_testing
