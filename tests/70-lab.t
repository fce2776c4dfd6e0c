#!/usr/bin/env bash
# keur lab up/down/power: the simulated lab in network namespaces (needs root).  Up and down
# leave nothing behind, also after a SIGKILL; with the uplink cut the LAN functions go on while
# MQTT to the cloud stops, and dies-offline breaks exactly that; the netns fixture is restored
# by the runner; power off/on keeps the configuration.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_exclusive "$@"
plan 47

LABS=()
lab_cleanup() {
	for d in "${LABS[@]}"; do [ -f "$d/lab.state" ] && "$KEUR" lab down --dir "$d" >/dev/null 2>&1; done
	cleanup
}
trap lab_cleanup EXIT

# Nothing of a lab named NAME is left: namespaces, links, processes of its directory, the directory.
gone() {
	local name=$1 dir=$2
	! ip netns list | grep -q "^keur-$name-" &&
	! ip -o link show | grep -q ": k-$name-" &&
	! grep -q "netns/keur-$name-" /proc/mounts &&
	! ps -eo args | grep -v grep | grep -q -- "$dir/" &&
	[ ! -e "$dir" ]
}

# Without root it refuses in one line, exit 3.
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$KEUR" lab up --dir "$TMP/nobody" 2>&1); rc=$?
is "$rc" 3 "without root: exit 3"
like "$out" "^keur lab: building network namespaces needs root" "without root: one line saying why"

L=$TMP/lab
LABS+=("$L")
"$KEUR" lab up --dir "$L" --name t70 --duts 2 --flaw 1:dies-offline > "$TMP/up.out" 2>&1
is $? 0 "keur lab up --duts 2"
[ "$(ip netns list | grep -c '^keur-t70-')" = 3 ]; ok $? "three namespaces: the cloud and two DUTs"
"$KEUR" lint "$L/lab.xml" "$L/dev0.xml" "$L/dev1.xml" > /dev/null; ok $? "lab.xml and the DUT descriptions it wrote lint clean"
like "$(cat "$TMP/up.out")" "dev1 .*flaws: dies-offline" "lab up says which device has which flaws"

# One lab per machine: a second is refused, naming the first and its directory, and makes nothing.
out=$("$KEUR" lab up --dir "$TMP/second" --name t70b --duts 1 2>&1); rc=$?
is "$rc" 3 "a second lab up beside it: exit 3"
like "$out" "^keur lab: the lab 't70' is up on this machine \(namespaces keur-t70-\*, in $L\).*keur lab down --dir $L\$" \
	"it names the lab that is up and how to remove it, in one line"
[ ! -e "$TMP/second" ] && ! ip netns list | grep -q '^keur-t70b-'; ok $? "and makes nothing"
# This test holds the machine's lab lock (tests/lab-turn.sh): another suite's lab test waits.
out=$(KEUR_LAB_LOCKED= LAB_TURN_WAIT=1 bash "$TOP/tests/lab-turn.sh" true 2>/dev/null); rc=$?
is "$rc" 75 "another suite's lab test waits for this one (here: gives up after 1 s)"
like "$out" "^Bail out! waited 1 s for the simulated lab" "and says why it stopped"

# sget I PATH: a GET over DTLS with device I's PSK (plain CoAP beside coaps:// serves a sound device's nothing)
sget() { coap -m get -u lab -k "dev$1-psk-key" "coaps://198.18.$((10 + $1)).2$2"; }
online() { sget "$1" /diag | grep -q "ok online"; }
offline() { sget "$1" /diag | grep -q "ok offline"; }
poll_until 10 online 0 && poll_until 10 online 1; ok $? "both devices reach their cloud broker"
v=$(timeout 5 mosquitto_sub -h 198.18.0.2 -p 8883 --cafile "$L/pki/ca.pem" -u lab -P lab-observer-pw -t 'keur/+/version' -C 2 -W 4 | sort | tr '\n' ' ')
is "$v" "1.0.0 1.0.0 " "the lab observer reads both devices' versions from the cloud broker"
timeout 5 mosquitto_sub -h 198.18.0.2 -p 8883 --cafile "$L/pki/ca.pem" -u dev0 -P dev0-mqtt-pw -t 'keur/dev1/version' -C 1 -W 2 > "$TMP/acl" 2>/dev/null
is "$(cat "$TMP/acl")" "" "the broker's ACL keeps dev0 out of dev1's topics"
like "$(coap -m get -u lab -k dev0-psk-key "coaps://198.18.10.2/sensors/temp")" '^[0-9]+\.[0-9]$' "DTLS with the PSK the lab made works"

# The runner's netns fixture: a case cuts dev0's uplink and crashes; the uplink is back afterwards.
"$SELF" run --dut "$L/dev0.xml" --lab "$L/lab.xml" --out "$TMP/fx" --only SELF-UPLINK-001 > /dev/null 2>&1
grep -q "fixture: uplink cut" "$TMP/fx/evidence/SELF-UPLINK-001/transcript.txt"; ok $? "a case cut the uplink through the netns fixture"
ip -n keur-t70-dut0 link show wan0 | grep -q "state UP"; ok $? "the runner restored it after the case crashed"

# Cut both uplinks: LAN functions go on (dev0), dies-offline stops them (dev1), MQTT stops.
ip -n keur-t70-dut0 link set wan0 down; ip -n keur-t70-dut1 link set wan0 down
poll_until 20 offline 0; ok $? "uplink cut: dev0 notices it lost its cloud"
like "$(sget 0 /sensors/temp)" '^[0-9]+\.[0-9]$' "uplink cut: dev0's CoAP function answers on the LAN"
like "$(mbpoll -m tcp -a 1 -t 3 -r 1 -c 1 -1 198.18.10.2 2>&1)" '\[1\]:' "uplink cut: dev0's Modbus function answers on the LAN"
mbpoll -m tcp -a 1 -t 0 -r 1 -1 198.18.10.2 1 > /dev/null 2>&1
is "$(sget 0 /actuators/relay)" 1 "uplink cut: the relay switches over Modbus, read back over CoAP"
ip netns exec keur-t70-dut0 bash -c "exec 3<>/dev/tcp/198.19.0.1/8883" 2>/dev/null; is $? 1 "uplink cut: the cloud is unreachable from the DUT's side"
poll_until 20 bash -c "coap-client-openssl -B 2 -m get coap://198.18.11.2/sensors/temp 2>&1 | grep -q '5\.03'"; ok $? "dies-offline: dev1's CoAP stops (5.03)"
like "$(mbpoll -m tcp -a 1 -t 3 -r 1 -c 1 -1 198.18.11.2 2>&1)" "failure" "dies-offline: dev1's Modbus stops (exception)"
ip -n keur-t70-dut0 link set wan0 up; ip -n keur-t70-dut1 link set wan0 up
poll_until 40 online 0; ok $? "uplink back: dev0 reconnects by itself"
poll_until 40 online 1; ok $? "uplink back: dev1 reconnects and its functions return"

# Power: off stops the device, on starts it again with the configuration it had.
coap -m put -e 23.5 -u lab -k dev0-psk-key coaps://198.18.10.2/setpoint > /dev/null
"$KEUR" lab power off --dir "$L" --dut dev0; is $? 0 "lab power off"
coap-client-openssl -B 1 -m get -u lab -k dev0-psk-key coaps://198.18.10.2/diag 2>&1 | grep -q ok; is $? 1 "powered off: dev0 does not answer"
"$KEUR" lab power off --dir "$L" --dut dev0; is $? 0 "power off again: nothing to do, no error"
"$KEUR" lab power on --dir "$L" --dut dev0; is $? 0 "lab power on"
is "$(sget 0 /setpoint)" "23.5" "powered on: the setpoint survived"

# keur plays dev0's broker: its broker address moves from the cloud to keur for each case and back.
"$KEUR" run --dut "$L/dev0.xml" --lab "$L/lab.xml" --out "$TMP/client" --only MQTT-CLIENT-001,MQTT-CLIENT-004 > "$TMP/client.tap" 2>/dev/null
is "$(verdict_of "$TMP/client.tap" MQTT-CLIENT-001)" pass "in the lab: dev0 refuses keur's self-signed broker certificate"
is "$(verdict_of "$TMP/client.tap" MQTT-CLIENT-004)" pass "in the lab: dev0 logs in to keur's broker with its own credentials"
ip -n keur-t70-cloud -o addr show dev lo | grep -q ' 198\.19\.0\.3/'; ok $? "after the cases the broker address is back in the cloud"
ip -o addr show dev lo | grep -q ' 198\.19\.0\.3/'; is $? 1 "and keur's side holds it no more"

# A keur killed while it held dev1's broker address leaves it on this host's loopback.
ip addr add 198.19.1.3/32 dev lo
"$KEUR" lab down --dir "$L"; is $? 0 "keur lab down"
gone t70 "$L"; ok $? "nothing of the lab is left: namespaces, their mounts, links, processes, files"
! ip -o addr show dev lo | grep -q ' 198\.19\.1\.3/'; ok $? "not even a broker address a killed keur held"
[ ! -e /run/keur/labs/t70 ]; ok $? "nor its note in /run/keur/labs"
# Such an address without its lab (its state lost) stops the next lab up, which says so.
ip addr add 198.19.0.3/32 dev lo
out=$("$KEUR" lab up --dir "$TMP/shadowed" --name t70s --duts 1 2>&1); rc=$?
ip addr del 198.19.0.3/32 dev lo
is "$rc" 3 "a broker address left on this host's loopback: lab up exit 3"
like "$out" "^keur lab: 198\.19\.0\.3, a lab device's broker address, is on this host's loopback.*ip addr del 198\.19\.0\.3/32 dev lo\$" \
	"naming the address and how to remove it"

# A lab that a killed test run left, its directory gone: the next lab test removes all of it.
S=$TMP/stale
"$KEUR" lab up --dir "$S" --name t70z --duts 1 > /dev/null 2>&1
pids=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$S/lab.state" | tr '\n' ' ')
rm -rf "$S"
bash "$TOP/tests/lab-turn.sh" true 2> "$TMP/turn.err"
like "$(cat "$TMP/turn.err")" "removing the lab 't70z' that a killed test run left in $S" "lab-turn.sh removes a killed test run's lab"
none_alive() { for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
[ -n "$pids" ] && poll_until 5 none_alive; ok $? "its processes ($pids) are gone"
! ip netns list | grep -q '^keur-t70z-' && [ ! -e /run/keur/labs/t70z ]; ok $? "and its namespaces and its note"

# SIGKILL in the middle of lab up; lab down still removes all of it.
K=$TMP/killed
LABS+=("$K")
bg "$KEUR" lab up --dir "$K" --name t70k --duts 3
pid=$BG
poll_until 20 grep -qs "^netns keur-t70k-dut1" "$K/lab.state"
kill -9 "$pid"; wait "$pid" 2>/dev/null
ip netns list | grep -q "^keur-t70k-"; ok $? "lab up killed half way, with namespaces made"
"$KEUR" lab down --dir "$K"; is $? 0 "keur lab down after the kill"
gone t70k "$K"; ok $? "nothing of the killed lab is left"
done_testing
