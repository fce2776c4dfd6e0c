#!/usr/bin/env bash
# MODBUS-WRITE-001 against keur-simdev on loopback: the good device refuses, open-write lets the
# write through (and keur restores the value), no declared safe address or no device gives
# inconc, and keur never writes where the DUT description does not allow it.
. "$(dirname "$0")/lib.sh"
plan 13

NOPE=$(freeport)
dut() { # dut NAME PORT EXTRA-ATTRIBUTES
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <modbus host="127.0.0.1" port="%s" unit="1" timeout="1" %s/>\n</dut>\n' "$1" "$2" "$3" > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MODBUS-WRITE-001 > "$TMP/$1.tap" 2>/dev/null; rc=$?; }
reg100() { mbpoll -m tcp -p "$1" -a 1 -t 4 -r 101 -c 1 -1 127.0.0.1 2>/dev/null | sed -n 's/^\[101\]:[[:space:]]*//p'; }

mbdev good
dut good "$good_mb" 'safe-register="100"'
run good
is "$(verdict_of "$TMP/good.tap" MODBUS-WRITE-001)" pass "good device: unauthenticated writes refused -> pass"
like "$(cat "$TMP/good.tap")" "FC06 exception 02.*FC16 exception 02" "both write function codes tried and refused"
is "$rc" 0 "exit 0"

mbdev open --flaw open-write
before=$(reg100 "$open_mb")
dut open "$open_mb" 'safe-register="100"'
run open
is "$(verdict_of "$TMP/open.tap" MODBUS-WRITE-001)" fail "open-write: the write took effect -> fail"
like "$(cat "$TMP/open.tap")" "FC06 changed holding register 100 from $before to $((before ^ 1)) .*\\(restored\\)" "the reason names the change and that it was undone"
is "$(reg100 "$open_mb")" "$before" "the previous value is back on the device"
grep -q "FC06 write holding register 100 := $((before ^ 1))" "$TMP/out-open/evidence/MODBUS-WRITE-001/transcript.txt"; ok $? "the transcript records each write and read"

dut coil "$good_mb" 'safe-coil="1"'
run coil
is "$(verdict_of "$TMP/coil.tap" MODBUS-WRITE-001)" pass "a declared safe coil: FC05 and FC15 refused -> pass"

dut undeclared "$good_mb" ''
run undeclared
is "$(verdict_of "$TMP/undeclared.tap" MODBUS-WRITE-001)" inconc "no safe address declared -> inconc"
like "$(cat "$TMP/undeclared.tap")" "never writes to an undeclared address" "and says keur will not write elsewhere"
! grep -qs "FC0" "$TMP/out-undeclared/evidence/MODBUS-WRITE-001/transcript.txt"; ok $? "and no write was sent"

dut nobody "$NOPE" 'safe-register="100"'
run nobody
is "$(verdict_of "$TMP/nobody.tap" MODBUS-WRITE-001)" inconc "nothing listening -> inconc"

mbdev dies --flaw dies-offline
dut dies "$dies_mb" 'safe-register="100"'
run dies
is "$(verdict_of "$TMP/dies.tap" MODBUS-WRITE-001)" inconc "a device that answers every request with an exception -> inconc (it cannot be read)"
done_testing
