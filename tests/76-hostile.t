#!/usr/bin/env bash
# Hostile devices (tests/hostile.c) on MQTT, Modbus/TCP and CoAP: one that behaves (the
# control), and ones that never read, never answer, answer byte by byte, flood, reset mid-frame,
# send 100 MB, hold 2000 connections and take no more, or answer with frames that are right
# outside and wrong inside.  Against each keur runs every case that applies to the protocol.
# Every case must end within its deadline with a verdict and a reason, none `error`; keur must
# exit 0, 1 or 3, keep its journal whole (keur report rewrites the same TAP), and stay small
# (peak memory of keur and of every case); and no device that says nothing valid passes anything.
# The table of what happened is printed as comments (docs/hostile.md).
. "$(dirname "$0")/lib.sh"

HOSTILE=$TOP/tests/hostile
ASAN=$(grep -l __asan_init "$KEUR" 2>/dev/null)	# make check SAN=...: keur is an ASan build
PEAK_KB=32768	# what keur or any of its cases may reach, against a device sending 100 MB
TCP_MODES="good noread noanswer trickle flood reset huge hoard garbage"
MODES_mqtt="$TCP_MODES badprop"
MODES_modbus=$TCP_MODES
MODES_coap="good noread noanswer flood huge garbage"
modes_of() { eval "echo \$MODES_$1"; }
N=$(echo $MODES_mqtt $MODES_modbus $MODES_coap | wc -w)
plan $(( N * 6 + 7 + 7 + 5 + 4 + 12 ))

dut() { # dut PROTO MODE PORT: a DUT description with only that interface
	case $1 in
	mqtt) printf '<dut xmlns="urn:keur:dut:1" id="h-%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="1" username="u" password="p">\n    <account username="a" password="b"/>\n  </mqtt>\n</dut>\n' "$2" "$3" ;;
	modbus) printf '<dut xmlns="urn:keur:dut:1" id="h-%s">\n  <modbus host="127.0.0.1" port="%s" unit="1" timeout="1" safe-register="10"/>\n</dut>\n' "$2" "$3" ;;
	coap) printf '<dut xmlns="urn:keur:dut:1" id="h-%s">\n  <coap uri="coap://127.0.0.1:%s" timeout="1"><resource path="/temp"/></coap>\n</dut>\n' "$2" "$3" ;;
	esac > "$TMP/$1-$2.xml"
}

# python3 -c "$PEAK" PREFIX COMMAND...: runs COMMAND (keur) and writes PREFIX.kb, the peak resident
# memory of keur and of its cases (RUSAGE_CHILDREN after waiting for keur, which waited for its
# cases), in kB; PREFIX.ms, its wall time; PREFIX.rc, its exit status.  Started by bg itself, so
# the PID in PIDS is this one, and a TERM from the cleanup goes on to keur.
PEAK='import resource, signal, subprocess, sys, time
child = []
def term(*_):
	if not child:
		sys.exit(143)
	child[0].terminate()
signal.signal(signal.SIGTERM, term)
t0 = time.monotonic()
child.append(subprocess.Popen(sys.argv[2:]))
rc = child[0].wait()
ms = int((time.monotonic() - t0) * 1000)
for ext, v in (("kb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), ("ms", ms), ("rc", rc)):
	open(sys.argv[1] + "." + ext, "w").write("%d\n" % v)'

# start NAME (PROTO-MODE): the device, in this shell's PIDS, and one keur run against it in the
# background, into $TMP/NAME.{cases,tap,err,kb,ms,rc} and $TMP/out-NAME.  The run's PID is in $BG.
declare -A DEVICE=()	# NAME -> the device's PID
start() {
	local n=$1 p=${1%%-*} m=${1#*-} cases
	serve_peer "$n" "$HOSTILE" "$p" "$m" 600
	DEVICE[$n]=$BG
	dut "$p" "$m" "$PORT"
	# every case the DUT description makes applicable, but the port scan (it would sweep all of
	# 127.0.0.1) and the declaration cases (they read no device)
	cases=$("$KEUR" list --dut "$TMP/$n.xml" | awk '$2 == "run" && $1 != "NET-PORTS-001" && $1 !~ /^DECL-/ { print $1 }' | paste -sd, -)
	echo "$cases" | tr , '\n' > "$TMP/$n.cases"
	bg python3 -c "$PEAK" "$TMP/$n" "$KEUR" run --dut "$TMP/$n.xml" --out "$TMP/out-$n" --only "$cases" > "$TMP/$n.tap" 2> "$TMP/$n.err"
}

# Four runs at a time: the cases mostly wait on the devices.  A slot is refilled as soon as any
# run ends, slowest first (seconds of one run alone on 2 CPUs, for the order only: modbus-trickle
# 30; coap-huge 23; mqtt trickle, good, badprop, noread, noanswer, hoard and coap garbage, noread,
# noanswer, flood 20-22; coap-good 10; modbus-good 7; the others 6 or less).  A mode missing from
# ORDER goes first.  HEAVY are the runs that keep a CPU busy (a device writing as fast as keur
# reads: 5-14 s of CPU, where the others take well under one): never two of them at once.
SLOTS=4
ORDER="modbus-trickle coap-huge mqtt-trickle mqtt-good mqtt-badprop mqtt-noread mqtt-noanswer mqtt-hoard
	coap-garbage coap-noread coap-noanswer coap-flood coap-good modbus-good mqtt-garbage modbus-noread
	modbus-noanswer modbus-hoard modbus-flood modbus-garbage modbus-reset modbus-huge mqtt-reset mqtt-flood mqtt-huge"
HEAVY=" coap-huge modbus-flood "
ALL=" $(for p in mqtt modbus coap; do for m in $(modes_of $p); do printf '%s ' "$p-$m"; done; done)"
ORDER=" $(echo $ORDER) "
queue=()
for n in $ALL; do [[ $ORDER == *" $n "* ]] || queue+=("$n"); done
for n in $ORDER; do [[ $ALL == *" $n "* ]] && queue+=("$n"); done
declare -A RUN=()	# the PID of a run going on -> its NAME
heavy=""	# the HEAVY run going on, if any
while [ ${#queue[@]} -gt 0 ] || [ ${#RUN[@]} -gt 0 ]; do
	while [ ${#RUN[@]} -lt $SLOTS ]; do	# the first waiting run that may start
		pick=
		for i in "${!queue[@]}"; do
			[[ $HEAVY == *" ${queue[$i]} "* && -n $heavy ]] && continue
			pick=$i
			break
		done
		[ -n "$pick" ] || break
		n=${queue[$pick]}
		unset "queue[$pick]"
		queue=("${queue[@]}")
		[[ $HEAVY == *" $n "* ]] && heavy=$n
		start "$n"
		RUN[$BG]=$n
	done
	fin=
	wait -n -p fin "${!RUN[@]}"
	[ -n "$fin" ] && [ -n "${RUN[$fin]:-}" ] || { echo "Bail out! lost track of the keur runs (${RUN[*]})"; exit 1; }
	n=${RUN[$fin]}
	unset "RUN[$fin]"
	stop_pid "${DEVICE[$n]}"
	[ "$heavy" != "$n" ] || heavy=""
done

verdicts() { grep '^  verdict: ' "$1" | awk '{ print $2 }'; }
summary() { verdicts "$1" | sort | uniq -c | awk '{ printf "%s%d %s", sep, $1, $2; sep = ", " }'; }

echo "# | device | protocol | cases | verdicts | keur s | peak kB |"
echo "# |---|---|---|---|---|---|"
for p in mqtt modbus coap; do
	for m in $(modes_of $p); do
		n=$p-$m f=$TMP/$p-$m.tap j=$TMP/out-$p-$m/journal
		want=$(wc -l < "$TMP/$n.cases")
		is "$(verdicts "$f" | wc -l)" "$want" "$n: all $want cases end with a verdict"
		is "$(verdicts "$f" | grep -c '^error$')" 0 "$n: none is error (no crash, no deadline passed)"
		ok "$(grep -qE '^[013]$' "$TMP/$n.rc"; echo $?)" "$n: keur exits 0, 1 or 3 (exit $(cat "$TMP/$n.rc"))"
		# each case's duration against its own deadline, from the journal
		late=$(awk '/^plan / { match($0, / id=[^ ]*/); id = substr($0, RSTART + 4, RLENGTH - 4)
				match($0, / deadline-ms=[0-9]*/); dl[id] = substr($0, RSTART + 13, RLENGTH - 13) + 0 }
			/^case / { match($0, / id=[^ ]*/); id = substr($0, RSTART + 4, RLENGTH - 4)
				match($0, / duration-ms=[0-9]*/); d = substr($0, RSTART + 13, RLENGTH - 13) + 0
				if (!(id in dl) || d > dl[id]) print id }' "$j" 2>/dev/null)
		is "$late" "" "$n: every case ended within its deadline"
		kb=$(cat "$TMP/$n.kb" 2>/dev/null || echo 999999)
		if [ -n "$ASAN" ]; then
			echo "ok $((T_N + 1)) # SKIP $n: an ASan build has no memory ceiling for cases, and shadow memory ($kb kB)"
			T_N=$((T_N + 1))
		else
			ok "$([ "$kb" -le $PEAK_KB ]; echo $?)" "$n: keur and its cases peaked at $kb kB (at most $PEAK_KB)"
		fi
		"$KEUR" report "$TMP/out-$n" > /dev/null 2>&1
		cmp -s "$TMP/out-$n/results.tap" <(grep -v '^#' "$f"); ok $? "$n: the journal is whole: keur report rewrites the same TAP"
		echo "# | $m | $p | $want | $(summary "$f") | $(awk '{ printf "%.1f", $1 / 1000 }' "$TMP/$n.ms") | $kb |"
	done
done

# Honest verdicts: a device that says nothing valid passes nothing; the amplification case alone
# may pass a garbage device, since it measures bytes, and garbage is few bytes.
for p in mqtt modbus coap; do
	modes="noread noanswer flood reset huge hoard"
	[ $p = coap ] && modes="noread noanswer flood huge"
	for m in $modes garbage; do
		passed=$(awk '/^(not )?ok [0-9]+ - / { id = $4 } /^  verdict: pass/ { print id }' "$TMP/$p-$m.tap" |
			grep -v '^COAP-AMP-001$' | paste -sd, -)
		is "$passed" "" "$p-$m: no pass"
	done
done

# Byte by byte is still the same device: the same verdict for every case.
for p in mqtt modbus; do
	diff <(verdicts "$TMP/$p-good.tap") <(verdicts "$TMP/$p-trickle.tap") > /dev/null
	ok $? "$p: a device answering byte by byte gets the same verdicts as when it answers at once"
	ok "$(verdicts "$TMP/$p-good.tap" | grep -q pass; echo $?)" "$p: and the control passes something (it is judged, not just survived)"
done

# Reasons that name what happened.
if [ -n "$ASAN" ]; then	# no ceiling: libmosquitto reads all of it, then refuses it
	like "$(cat "$TMP/mqtt-huge.tap")" "announced a packet larger than a case may hold|not a valid CONNACK" "mqtt-huge: the 100 MB packet is refused (ASan build: read, without a ceiling)"
else
	like "$(cat "$TMP/mqtt-huge.tap")" "announced a packet larger than a case may hold" "mqtt-huge: the 100 MB packet is named, not read"
fi
like "$(cat "$TMP/modbus-huge.tap")" "MBAP length is 65535" "modbus-huge: the impossible MBAP length is named"
like "$(cat "$TMP/modbus-flood.tap")" "replies with a wrong transaction or unit id skipped" "modbus-flood: the unasked-for replies are counted"
like "$(cat "$TMP/mqtt-noread.tap")" "declared plaintext endpoint 127.0.0.1:[0-9]+ does not answer as an MQTT broker" "mqtt-noread: MQTT-TLS-001 is inconc about the declared port"
is "$(verdict_of "$TMP/coap-huge.tap" COAP-AMP-001)" fail "coap-huge: 100 MB back for one request is amplification -> fail"
like "$(cat "$TMP/modbus-garbage.tap")" "a reply of [0-9]+ bytes to a read of 1 registers|an exception reply of" "modbus-garbage: a reply that does not fit the read is not taken for one"
like "$(cat "$TMP/mqtt-reset.tap")" "connection closed before CONNACK|Connection reset" "mqtt-reset: the reset is named"
like "$(cat "$TMP/mqtt-hoard.tap")" "no CONNACK within 1000 ms|TCP connect" "mqtt-hoard: a device full of connections is inconc, not a hang"
ok "$(grep -q 'no answer before any abuse' "$TMP/coap-flood.tap"; echo $?)" "coap-flood: answers with tokens of its own are no answers"
# libmosquitto 2.0.11 asserts on an MQTT 5 property it does not know, and aborts: the case that
# was inside it ends inconc, naming it, not `error`; the cases that stay on MQTT 3.1.1 go on.
is "$(verdict_of "$TMP/mqtt-badprop.tap" MQTT-AUTH-001)" inconc "mqtt-badprop: MQTT-AUTH-001 (it tries MQTT 5) is inconc"
like "$(grep -A6 ' - MQTT-AUTH-001 ' "$TMP/mqtt-badprop.tap")" "reason: \"libmosquitto aborted on what the DUT sent" "mqtt-badprop: and says libmosquitto aborted on what the DUT sent"
is "$(verdict_of "$TMP/mqtt-badprop.tap" CRED-DEFAULT-001)" "$(verdict_of "$TMP/mqtt-good.tap" CRED-DEFAULT-001)" "mqtt-badprop: CRED-DEFAULT-001 (MQTT 3.1.1) as against the good broker"
