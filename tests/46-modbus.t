#!/usr/bin/env bash
# MODBUS-FC-001, MODBUS-ROB-001 and MODBUS-CONN-001 against real Modbus servers on loopback and on
# a pty pair: the reference device (strict, and with its flaws), pymodbus's server, libmodbus's
# own example servers, and peers that lie (wrong transaction or unit id, truncated replies,
# exceptions for everything, floods, silence).  Every verdict must match what the server does.
. "$(dirname "$0")/lib.sh"
plan 46

FCS_SIMDEV="1-6,15-17,22,23,43"
dut() { # dut NAME PORT EXTRA-ATTRIBUTES
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <modbus host="127.0.0.1" port="%s" unit="1" timeout="1" %s/>\n</dut>\n' \
		"$1" "$2" "$3" > "$TMP/$1.xml"
}
run() { # run NAME CASES: keur on $TMP/NAME.xml; TAP in $TMP/NAME.tap, exit status in $TMP/NAME.rc
	"$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$2" > "$TMP/$1.tap" 2>"$TMP/$1.err"
	echo $? > "$TMP/$1.rc"
}
reason() { awk -v id="$2" '$0 ~ "^(not )?ok [0-9]+ - " id " " { hit = 1; next } hit && /^  reason: / { print; exit }' "$TMP/$1.tap"; }
ev() { cat "$TMP/out-$1/evidence/$2/$3"; }

# Each server has its own port or pty pair, each run its own names under $TMP: the runs go side
# by side.  Servers start here in this shell (cleanup stops them by PID), runs in the background
# (RUNS); the assertions follow once every run has ended.  The longest start first.
RUNS=()

# ---- RTU over pty pairs (socat) ----
# Two lines, each with a reference device of its own: MODBUS-ROB-001 (a unit sweep at 150 ms per
# silent unit, then 1000 mutations at 19200 baud: about a minute) on one, the other cases on the
# other.  Both keep the 1 s timeout they had: the device answers within ~0.1 s alone, but slower
# when other test files share the CPUs.
rtu_line() { # rtu_line NAME TIMEOUT: the device on $TMP/NAME-dev, keur's side $TMP/NAME-tty in $TMP/NAME.xml
	bg socat pty,raw,echo=0,link="$TMP/$1-dev" pty,raw,echo=0,link="$TMP/$1-tty"
	poll_until 5 test -e "$TMP/$1-tty" -a -e "$TMP/$1-dev" || { echo "Bail out! socat made no pty pair"; exit 1; }
	# socat ends the pair when the last holder of a side closes it, as keur does between cases; a
	# process that holds keur's side open (and never reads it) keeps the line up, as a real one stays.
	sleep 300 < "$TMP/$1-tty" &
	PIDS+=("$!")
	start_simdev "$1" --id rtu --coap-port 0 --coaps-port 0 --modbus-port 0 --modbus-rtu "$TMP/$1-dev" --state "$TMP/$1.state"
	printf '<dut xmlns="urn:keur:dut:1" id="rtu">\n  <modbus serial="%s" baud="19200" parity="even" unit="1" timeout="%s" safe-register="100" function-codes="%s"/>\n</dut>\n' \
		"$TMP/$1-tty" "$2" "$FCS_SIMDEV" > "$TMP/$1.xml"
}
rtu_line rturob 1
run rturob MODBUS-ROB-001 & RUNS+=($!)
rtu_line rtu 1
run rtu MODBUS-WRITE-001,MODBUS-FC-001,MODBUS-CONN-001 & RUNS+=($!)

# ---- servers that lie ----
# The flood takes most of a minute (5000 stray replies to each of ~1300 requests): its peer lives
# 120 s, not 60, so that a busy machine does not end it under the run.
serve_peer flood "$PEER" modbus flood 120
dut flood "$PORT" 'function-codes="1-6,15,16"'
run flood MODBUS-ROB-001 & RUNS+=($!)
for mode in wrongtid wrongunit truncated; do
	serve_peer "$mode" "$PEER" modbus "$mode" 60
	dut "$mode" "$PORT" 'function-codes="1-6,15,16"'
	run "$mode" MODBUS-FC-001,MODBUS-ROB-001 & RUNS+=($!)
done
serve_peer exc "$PEER" modbus exception 60
dut exc "$PORT" 'function-codes="1-6,15,16"'
run exc MODBUS-FC-001 & RUNS+=($!)
serve_peer silent "$PEER" serve silent 60
dut silent "$PORT" 'function-codes="1-6"'
run silent MODBUS-FC-001,MODBUS-ROB-001,MODBUS-CONN-001 & RUNS+=($!)

# ---- the reference device ----
mbdev good
dut good "$good_mb" "safe-register=\"100\" safe-coil=\"1\" function-codes=\"$FCS_SIMDEV\" recover=\"3\""
dut nodecl "$good_mb" 'safe-register="100"'
# One device for both runs, one after the other (MODBUS-CONN-001 takes all its connections).
{ run good MODBUS-FC-001,MODBUS-ROB-001,MODBUS-CONN-001; run nodecl MODBUS-FC-001; } & RUNS+=($!)
mbdev extra --flaw extra-port --extra-port "$(freeport)"
dut extra "$extra_mb" "function-codes=\"$FCS_SIMDEV\""
run extra MODBUS-FC-001 & RUNS+=($!)

# ---- pymodbus (Debian's python3-pymodbus) ----
PYMB=/usr/bin/python3
serve_pm() { # serve_pm NAME: pymodbus's TCP server on a free port in $NAME_mb
	local p
	p=$(freeport)
	eval "${1}_mb=$p"
	bg "$PYMB" "$TOP/tests/peers/pymodbus-server.py" tcp "$p" 2> "$TMP/$1.log"
	poll_until 15 "$PEER" wait-port "$p" 200 || { echo "Bail out! pymodbus did not start: $(tail -3 "$TMP/$1.log")"; exit 1; }
}
serve_pm pm
dut pm "$pm_mb" "safe-register=\"10\" function-codes=\"$FCS_SIMDEV\" recover=\"3\""
dut pmall "$pm_mb" 'safe-register="10" function-codes="1-8,11,12,15-17,20-24,43"'
# One server for both runs, one after the other, as above.
{ run pm MODBUS-FC-001,MODBUS-ROB-001,MODBUS-CONN-001; run pmall MODBUS-FC-001; } & RUNS+=($!)

# ---- libmodbus's example servers ----
LX=$TOP/build/libmodbus-examples
bash "$TOP/tests/peers/libmodbus-examples.sh" "$LX" || { echo "Bail out! the libmodbus examples did not build"; exit 1; }
listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }
serve_lx() { # serve_lx NAME PROGRAM ARGS...: port in $NAME_mb
	local name=$1 p
	shift
	p=$(freeport)
	eval "${name}_mb=$p"
	PEER_PORT=$p bg "$LX/$@" > "$TMP/$name.log" 2>&1
	# These serve one client and exit when it leaves: readiness is polled on the listening
	# socket (ss), never with a connection of our own.
	poll_until 5 listening "$p" || { echo "Bail out! $1 did not start"; exit 1; }
}
serve_lx rts random-test-server
dut rts "$rts_mb" 'function-codes="1-6,15-17,22,23" recover="2"'
run rts MODBUS-FC-001 & RUNS+=($!)
serve_lx uts unit-test-server tcp
dut uts "$uts_mb" 'recover="2"'
run uts MODBUS-CONN-001 & RUNS+=($!)

# ---- the device that crashes: its run here, in the foreground, while the others go on ----
mbdev crash --flaw crash-on-malformed
crash_pid=$BG
dut crash "$crash_mb" 'safe-register="100"'
# The device aborts on purpose: reap it with stderr closed, so bash does not report the abort.
{ run crash MODBUS-ROB-001; sleep 0.2; ! kill -0 "$crash_pid"; gone=$?; wait "$crash_pid"; } 2>/dev/null

wait "${RUNS[@]}"

# ---- the reference device ----
is "$(verdict_of "$TMP/good.tap" MODBUS-FC-001)" pass "strict device: every undeclared code gets exception 01 -> pass"
like "$(ev good MODBUS-FC-001 function-codes.txt)" " 9 .*exception 01" "the table lists each code and its answer"
like "$(ev good MODBUS-FC-001 disclosed.txt)" "VendorName: keur" "what 43/14 discloses is recorded"
like "$(reason good MODBUS-FC-001)" "not sent.*FC 21" "the file-record write keur may not make is named as not sent"
is "$(verdict_of "$TMP/good.tap" MODBUS-ROB-001)" pass "strict device: every malformed frame refused or dropped -> pass"
like "$(ev good MODBUS-ROB-001 reactions.txt)" "protocol id 1 +no answer" "a frame with protocol id 1 is dropped"
like "$(ev good MODBUS-ROB-001 reactions.txt)" "read 126 holding registers +exception 03" "a read over 125 registers gets exception 03"
like "$(ev good MODBUS-ROB-001 reactions.txt)" "unit-id sweep 0..255 +3 answered: 0-1,255" "the unit sweep records who answered"
is "$(verdict_of "$TMP/good.tap" MODBUS-CONN-001)" pass "32 connections, then refusal, then served again -> pass"
like "$(reason good MODBUS-CONN-001)" "after 32 connections in 3 rounds" "the reason gives the limit and the rounds"

is "$(verdict_of "$TMP/nodecl.tap" MODBUS-FC-001)" inconc "no function-codes declared -> inconc"
like "$(reason nodecl MODBUS-FC-001)" "declares no function-codes" "and says why"

is "$(verdict_of "$TMP/extra.tap" MODBUS-FC-001)" fail "a hidden vendor code answered -> fail"
like "$(reason extra MODBUS-FC-001)" "FC65 is not declared but was answered normally" "the reason names FC 65"
like "$(ev extra MODBUS-FC-001 function-codes.txt)" " 65 +normal answer" "the table shows the normal answer to FC 65"

is "$(verdict_of "$TMP/crash.tap" MODBUS-ROB-001)" fail "crash-on-malformed -> fail"
like "$(reason crash MODBUS-ROB-001)" "stopped answering after MBAP length" "the reason names the frame that killed it"
ok "$gone" "and the device process is really gone"

# ---- pymodbus ----
is "$(verdict_of "$TMP/pm.tap" MODBUS-FC-001)" fail "pymodbus serves FC 07, 08, 11, 12, 20, 24 that were not declared -> fail"
like "$(reason pm MODBUS-FC-001)" "FC07 \\(read exception status\\) is not declared but was answered normally" "the reason names them"
like "$(ev pm MODBUS-FC-001 disclosed.txt)" "FC17 report server id: .*pymodbus" "FC 17 discloses the server software"
is "$(verdict_of "$TMP/pmall.tap" MODBUS-FC-001)" pass "the same server with what it serves declared -> pass"
is "$(verdict_of "$TMP/pm.tap" MODBUS-ROB-001)" fail "pymodbus answers a frame whose protocol id is not 0 -> fail"
like "$(reason pm MODBUS-ROB-001)" "protocol id 1: answered normally" "the reason names that frame"
is "$(verdict_of "$TMP/pm.tap" MODBUS-CONN-001)" pass "pymodbus serves 256 connections and then new ones -> pass"

# ---- libmodbus's example servers ----
is "$(verdict_of "$TMP/rts.tap" MODBUS-FC-001)" fail "random-test-server gives FC 07 no exception 01, then ends -> fail"
like "$(reason rts MODBUS-FC-001)" "FC07 got no exception 01 but .*stopped answering after FC07" "the reason says both"
is "$(verdict_of "$TMP/uts.tap" MODBUS-CONN-001)" fail "unit-test-server serves one client and then no other -> fail"
like "$(reason uts MODBUS-CONN-001)" "served no new client" "the reason says it served no new client"

# ---- servers that lie: a verdict with a reason, never a hang or a pass ----
for mode in wrongtid wrongunit truncated; do
	is "$(verdict_of "$TMP/$mode.tap" MODBUS-FC-001)/$(verdict_of "$TMP/$mode.tap" MODBUS-ROB-001)" inconc/inconc \
		"$mode: no usable answer -> inconc, not pass"
done
like "$(reason wrongtid MODBUS-FC-001)" "replies with a wrong transaction or unit id skipped" "wrongtid: the reason counts the skipped replies"
like "$(reason truncated MODBUS-FC-001)" "truncated reply" "truncated: the reason says the reply was cut short"
is "$(verdict_of "$TMP/exc.tap" MODBUS-FC-001)" fail "exception 04 for everything: unsupported codes do not get 01 -> fail"
like "$(reason exc MODBUS-FC-001)" "instead of exception 01" "and says what came instead"
like "$(verdict_of "$TMP/flood.tap" MODBUS-ROB-001)" "^(pass|fail|inconc)$" "a flood of stray replies: a verdict, not an error"
is "$(verdict_of "$TMP/silent.tap" MODBUS-FC-001)/$(verdict_of "$TMP/silent.tap" MODBUS-ROB-001)/$(verdict_of "$TMP/silent.tap" MODBUS-CONN-001)" \
	inconc/inconc/inconc "silence: inconc everywhere"
like "$(reason silent MODBUS-CONN-001)" "does not serve a first client \\(no answer within 1000 ms\\)" "with the reason"

# ---- RTU ----
is "$(verdict_of "$TMP/rtu.tap" MODBUS-WRITE-001)" pass "RTU: unauthenticated writes refused -> pass"
is "$(verdict_of "$TMP/rtu.tap" MODBUS-FC-001)" pass "RTU: function code sweep -> pass"
is "$(verdict_of "$TMP/rturob.tap" MODBUS-ROB-001)" pass "RTU: bad CRC, other units and malformed PDUs ignored or refused -> pass"
like "$(cat "$TMP/out-rturob/evidence/MODBUS-ROB-001/reactions.txt")" "unit-id sweep 0..255 +1 answered: 1$" "RTU: only its own unit answers"
is "$(verdict_of "$TMP/rtu.tap" MODBUS-CONN-001)" na "RTU: no connections to exhaust -> na"
like "$(cat "$TMP/out-rtu/evidence/MODBUS-FC-001/transcript.txt")" "FC17 \\(report server id\\)" "RTU: the sweep went over the serial line"
rc="$(cat "$TMP/rtu.rc" "$TMP/rturob.rc" 2>/dev/null | paste -sd/ -)"
is "$rc" 0/0 "RTU runs (one for MODBUS-ROB-001, one for the other cases) exit 0"
[ "$rc" = 0/0 ] || sed 's/^/# /' "$TMP/rtu.tap" "$TMP/rtu.err" "$TMP/rturob.tap" "$TMP/rturob.err"

done_testing
