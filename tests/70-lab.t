#!/usr/bin/env bash
# keur lab up/down/power: the simulated lab in network namespaces (needs root).  Up and down
# leave nothing behind, also after a SIGKILL; with the uplink cut the LAN functions go on while
# MQTT to the cloud stops, and dies-offline breaks exactly that; the netns fixture is restored
# by the runner; power off/on keeps the configuration; a lab in a 0700 directory works; a lab up
# that fails keeps and names the log that says why.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_begin
LN=$(lab_name t70)
plan 71

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
"$KEUR" lab up --dir "$L" --name "$LN" --duts 2 --flaw 1:dies-offline > "$TMP/up.out" 2>&1
is $? 0 "keur lab up --duts 2"
[ "$(ip netns list | grep -c "^keur-$LN-")" = 3 ]; ok $? "three namespaces: the cloud and two DUTs"
"$KEUR" lint "$L/lab.xml" "$L/dev0.xml" "$L/dev1.xml" > /dev/null; ok $? "lab.xml and the DUT descriptions it wrote lint clean"
like "$(cat "$TMP/up.out")" "dev1 .*flaws: dies-offline" "lab up says which device has which flaws"

# Its addresses, as lab up printed them and wrote them into the descriptions.
CLOUD=$(lab_cloud "$TMP/up.out") LAN0=$(lab_lan "$L" 0) LAN1=$(lab_lan "$L" 1) B0=$(lab_broker "$L" 0) B1=$(lab_broker "$L" 1)
[[ $CLOUD =~ ^198\.18\.0\.[0-9]+$ && $LAN0 =~ ^198\.18\.[0-9]+\.2$ && $B0 =~ ^198\.19\.[0-9]+\.3$ && $B1 != "$B0" ]]
ok $? "cloud $CLOUD, dev0 on $LAN0 with broker $B0, dev1 with broker $B1: in 198.18.0.0/15, one each"

# A second lab of the same name is refused, naming the first and its directory, and makes nothing.
out=$("$KEUR" lab up --dir "$TMP/second" --name "$LN" --duts 1 2>&1); rc=$?
is "$rc" 3 "a second lab up with the same name: exit 3"
like "$out" "^keur lab: a lab named '$LN' is up on this machine \(namespaces keur-$LN-\*, in $L\).*keur lab down --dir $L\$" \
	"it names the lab that is up and how to remove it, in one line"
[ ! -e "$TMP/second" ]; ok $? "and makes nothing"
# Under another name a second lab comes up beside it, on addresses of its own, and both work.
LN2=$(lab_name t7b) L2=$TMP/second
LABS+=("$L2")
"$KEUR" lab up --dir "$L2" --name "$LN2" --duts 1 > "$TMP/up2.out" 2>&1
is $? 0 "a second lab under another name comes up beside the first"
CLOUD2=$(lab_cloud "$TMP/up2.out") LAN2=$(lab_lan "$L2" 0)
[ -n "$CLOUD2" ] && [ "$CLOUD2" != "$CLOUD" ] && [ -n "$LAN2" ] && [ "$LAN2" != "$LAN0" ] && [ "$LAN2" != "$LAN1" ]
ok $? "with its own cloud ($CLOUD2) and device ($LAN2) addresses"
like "$(coap -m get -u lab -k "$(cat "$L2/dev0/psk")" "coaps://$LAN2/sensors/temp")" '^[0-9]+\.[0-9]$' "the second lab's device answers"
"$KEUR" lab down --dir "$L2" > /dev/null; is $? 0 "and goes down on its own"
gone "$LN2" "$L2" && [ "$(ip netns list | grep -c "^keur-$LN-")" = 3 ]; ok $? "leaving nothing of it, and the first lab whole"

# sget I PATH: a GET over DTLS with device I's PSK (plain CoAP beside coaps:// serves a sound device's nothing)
# (each device's PSK and MQTT password are random, from the lab's files)
sget() { coap -m get -u lab -k "$(cat "$L/dev$1/psk")" "coaps://$(lab_lan "$L" "$1")$2"; }
online() { sget "$1" /diag | grep -q "ok online"; }
offline() { sget "$1" /diag | grep -q "ok offline"; }
poll_until 10 online 0 && poll_until 10 online 1; ok $? "both devices reach their cloud broker"
v=$(timeout 5 mosquitto_sub -h "$CLOUD" -p 8883 --cafile "$L/pki/ca.pem" -u lab -P lab-observer-pw -t 'keur/+/version' -C 2 -W 4 | sort | tr '\n' ' ')
is "$v" "1.0.0 1.0.0 " "the lab observer reads both devices' versions from the cloud broker"
timeout 5 mosquitto_sub -h "$CLOUD" -p 8883 --cafile "$L/pki/ca.pem" -u dev0 -P "$(cat "$L/dev0/mqtt.pw")" -t 'keur/dev1/version' -C 1 -W 2 > "$TMP/acl" 2>/dev/null
is "$(cat "$TMP/acl")" "" "the broker's ACL keeps dev0 out of dev1's topics"
is "$(timeout 5 mosquitto_sub -h "$CLOUD" -p 8883 --cafile "$L/pki/ca.pem" -u dev0 -P "$(cat "$L/dev0/mqtt.pw")" -t 'keur/dev0/version' -C 1 -W 4 2>/dev/null)" \
	1.0.0 "while dev0's own password reads its own version"
# Provisioning as a factory should: each device's secrets random (128 bits), its own, root-only.
p0=$(cat "$L/dev0/psk") p1=$(cat "$L/dev1/psk") m0=$(cat "$L/dev0/mqtt.pw") m1=$(cat "$L/dev1/mqtt.pw")
[[ $p0 =~ ^[0-9a-f]{32}$ && $m0 =~ ^[0-9a-f]{32}$ && $p0 != "$p1" && $m0 != "$m1" && $p0 != "$m0" ]]
ok $? "each device's PSK and MQTT password are 128 random bits of its own"
is "$(stat -c %a "$L/dev0/psk" "$L/dev0/mqtt.pw" "$L/pki/dev0.key" "$L/vendor.key" | sort -u)" 600 \
	"its secrets and the vendor's signing key are readable by root only"
! grep -rqF -e "$m0" -e "$p0" "$L/logs" "$L"/*.log 2>/dev/null; ok $? "and no log of the lab holds them"
like "$(coap -m get -u lab -k "$(cat "$L/dev0/psk")" "coaps://$LAN0/sensors/temp")" '^[0-9]+\.[0-9]$' "DTLS with the PSK the lab made works"

# The runner's netns fixture: a case cuts dev0's uplink and crashes; the uplink is back afterwards.
"$SELF" run --dut "$L/dev0.xml" --lab "$L/lab.xml" --out "$TMP/fx" --only SELF-UPLINK-001 > /dev/null 2>&1
grep -q "fixture: uplink cut" "$TMP/fx/evidence/SELF-UPLINK-001/transcript.txt"; ok $? "a case cut the uplink through the netns fixture"
ip -n keur-$LN-dut0 link show wan0 | grep -q "state UP"; ok $? "the runner restored it after the case crashed"

# Cut both uplinks: LAN functions go on (dev0), dies-offline stops them (dev1), MQTT stops.
ip -n keur-$LN-dut0 link set wan0 down; ip -n keur-$LN-dut1 link set wan0 down
poll_until 20 offline 0; ok $? "uplink cut: dev0 notices it lost its cloud"
like "$(sget 0 /sensors/temp)" '^[0-9]+\.[0-9]$' "uplink cut: dev0's CoAP function answers on the LAN"
like "$(mbpoll -m tcp -a 1 -t 3 -r 1 -c 1 -1 "$LAN0" 2>&1)" '\[1\]:' "uplink cut: dev0's Modbus function answers on the LAN"
mbpoll -m tcp -a 1 -t 0 -r 1 -1 "$LAN0" 1 > /dev/null 2>&1
is "$(sget 0 /actuators/relay)" 1 "uplink cut: the relay switches over Modbus, read back over CoAP"
ip netns exec keur-$LN-dut0 bash -c "exec 3<>/dev/tcp/${B0%.3}.1/8883" 2>/dev/null; is $? 1 "uplink cut: the cloud is unreachable from the DUT's side"
poll_until 20 bash -c "coap-client-openssl -B 2 -m get coap://$LAN1/sensors/temp 2>&1 | grep -q '5\.03'"; ok $? "dies-offline: dev1's CoAP stops (5.03)"
like "$(mbpoll -m tcp -a 1 -t 3 -r 1 -c 1 -1 "$LAN1" 2>&1)" "failure" "dies-offline: dev1's Modbus stops (exception)"
ip -n keur-$LN-dut0 link set wan0 up; ip -n keur-$LN-dut1 link set wan0 up
poll_until 40 online 0; ok $? "uplink back: dev0 reconnects by itself"
poll_until 40 online 1; ok $? "uplink back: dev1 reconnects and its functions return"

# Power: off stops the device, on starts it again with the configuration it had.
coap -m put -e 23.5 -u lab -k "$(cat "$L/dev0/psk")" "coaps://$LAN0/setpoint" > /dev/null
"$KEUR" lab power off --dir "$L" --dut dev0; is $? 0 "lab power off"
coap-client-openssl -B 1 -m get -u lab -k "$(cat "$L/dev0/psk")" "coaps://$LAN0/diag" 2>&1 | grep -q ok; is $? 1 "powered off: dev0 does not answer"
"$KEUR" lab power off --dir "$L" --dut dev0; is $? 0 "power off again: nothing to do, no error"
"$KEUR" lab power on --dir "$L" --dut dev0; is $? 0 "lab power on"
is "$(sget 0 /setpoint)" "23.5" "powered on: the setpoint survived"

# keur plays dev0's broker: its broker address moves from the cloud to keur for each case and back.
"$KEUR" run --dut "$L/dev0.xml" --lab "$L/lab.xml" --out "$TMP/client" --only MQTT-CLIENT-001,MQTT-CLIENT-004 > "$TMP/client.tap" 2>/dev/null
is "$(verdict_of "$TMP/client.tap" MQTT-CLIENT-001)" pass "in the lab: dev0 refuses keur's self-signed broker certificate"
is "$(verdict_of "$TMP/client.tap" MQTT-CLIENT-004)" pass "in the lab: dev0 logs in to keur's broker with its own credentials"
ip -n keur-$LN-cloud -o addr show dev lo | grep -q " $(re "$B0")/"; ok $? "after the cases the broker address is back in the cloud"
ip -o addr show dev lo | grep -q " $(re "$B0")/"; is $? 1 "and keur's side holds it no more"

# A keur killed while it held dev1's broker address leaves it on this host's loopback.
ip addr add "$B1/32" dev lo
"$KEUR" lab down --dir "$L"; is $? 0 "keur lab down"
gone "$LN" "$L"; ok $? "nothing of the lab is left: namespaces, their mounts, links, processes, files"
! ip -o addr show dev lo | grep -q " $(re "$B1")/"; ok $? "not even a broker address a killed keur held"
[ ! -e "/run/keur/labs/$LN" ]; ok $? "nor its note in /run/keur/labs"
# Such an address without its lab (its state lost) stops the next lab up that would use it,
# which says so.  Shown in a network namespace of this test's own, whose loopback holds every
# device's broker address: whichever addresses lab up picks, they are shadowed, and no other lab
# on this machine sees them.
out=$(unshare --net bash -c 'ip link set lo up; for g in $(seq 0 239); do ip addr add 198.19.$g.3/32 dev lo; done
	exec "$0" lab up --dir "$1" --name "$2" --duts 1' "$KEUR" "$TMP/shadowed" "$(lab_name t7s)" 2>&1); rc=$?
is "$rc" 3 "a broker address left on this host's loopback: lab up exit 3"
like "$out" "^keur lab: (198\.19\.[0-9]+\.3), a lab device's broker address, is on this host's loopback.*ip addr del \1/32 dev lo\$" \
	"naming the address and how to remove it"
[ ! -e "$TMP/shadowed" ]; ok $? "and makes nothing"

# No room: the labs up hold every device number (a note made here, in a mount namespace of this
# test's own, so that no other lab up on this machine sees it).  Refused, naming them; nothing made.
out=$(unshare -m --propagation private bash -c 'mount -t tmpfs none /run/keur && mkdir -p /run/keur/labs "$1/full" &&
	: > "$1/full/lab.state" && printf "%s\nnet 0 0 240\n" "$1/full" > /run/keur/labs/full &&
	exec "$0" lab up --dir "$1/x" --name "$2" --duts 1' "$KEUR" "$TMP/noroom" "$(lab_name t7r)" 2>&1); rc=$?
is "$rc" 3 "no room for another device: lab up exit 3"
like "$out" "^keur lab: no room for 1 more device beside the labs up on this machine \(.*'full'.*\): .*keur lab down --dir ITS-DIR\$" \
	"naming the labs that hold the addresses, in one line"
[ ! -e "$TMP/noroom/x" ]; ok $? "and makes nothing"

# A lab that a killed test run left, its directory gone: the next lab test removes all of it,
# and leaves the labs of test runs that still run (this one's) alone.
# Its test is played by a sleep, alive while the lab is built (so that the reaper of a lab test
# starting meanwhile leaves it alone); the test dies with its directory, under the reapers' lock,
# so that this test's reaper is the one that finds it.
S=$(mktemp -d /tmp/keur-test.XXXXXX) LNZ=$(lab_name t7z)
bg sleep 600
owner=$BG
echo "$owner $(awk '{ print $22 }' "/proc/$owner/stat")" > "$S/owner"
"$KEUR" lab up --dir "$S/lab" --name "$LNZ" --duts 1 > /dev/null 2>&1
pids=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$S/lab/lab.state" | tr '\n' ' ')
LK=$TMP/kept
LABS+=("$LK")
"$KEUR" lab up --dir "$LK" --name "$(lab_name t7l)" --duts 1 > /dev/null 2>&1
exec 9> /run/keur/reap.lock
flock 9
stop_pid "$owner"
rm -rf "$S"
KEUR_REAP_LOCKED=1 bash "$TOP/tests/lab-reap.sh" 2> "$TMP/reap.err"
exec 9>&-
like "$(cat "$TMP/reap.err")" "removing the lab '$LNZ' that a killed test run left in $S/lab" "lab-reap.sh removes a killed test run's lab"
none_alive() { for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
[ -n "$pids" ] && poll_until 5 none_alive; ok $? "its processes ($pids) are gone"
! ip netns list | grep -q "^keur-$LNZ-" && [ ! -e "/run/keur/labs/$LNZ" ] && [ ! -e "/run/keur/brokers/$LNZ" ]
ok $? "and its namespaces, its note and its broker's files"
[ -f "$LK/lab.state" ] && ! grep -q "$LK" "$TMP/reap.err"; ok $? "a lab of a test that still runs is left alone"
"$KEUR" lab down --dir "$LK" > /dev/null; ok $? "(which removes its own)"

# SIGKILL in the middle of lab up; lab down still removes all of it.
K=$TMP/killed
LABS+=("$K")
LNK=$(lab_name t7k)
bg "$KEUR" lab up --dir "$K" --name "$LNK" --duts 3
pid=$BG
poll_until 20 grep -qs "^netns keur-$LNK-dut1" "$K/lab.state"
kill -9 "$pid"; wait "$pid" 2>/dev/null
ip netns list | grep -q "^keur-$LNK-"; ok $? "lab up killed half way, with namespaces made"
"$KEUR" lab down --dir "$K"; is $? 0 "keur lab down after the kill"
gone "$LNK" "$K"; ok $? "nothing of the killed lab is left"

# A lab in a directory no other user can enter (a home directory, a mktemp -d): the broker, which
# drops root for its own user, still reaches what it reads.
P=$TMP/private
mkdir -m 700 "$P"
LP=$P/lab LNP=$(lab_name t7p)
LABS+=("$LP")
"$KEUR" lab up --dir "$LP" --name "$LNP" --duts 1 > "$TMP/private.out" 2>&1
is $? 0 "lab up --dir inside a 0700 directory"
poll_until 10 grep -q "as simdev-dev0 .*u'dev0'" "$LP/logs/broker.log"
ok $? "its device logs in to its broker (logs/broker.log)"
"$KEUR" lab down --dir "$LP"; is $? 0 "and lab down"
gone "$LNP" "$LP" && [ ! -e "/run/keur/brokers/$LNP" ]; ok $? "leaving nothing, the broker's files in /run/keur/brokers neither"
is "$(stat -c %a "$P")" 700 "the 0700 directory keeps its mode"

# A lab up that fails removes what it built, keeps its logs and names the one that says why.
LF=$P/failed LNF=$(lab_name t7f)
LABS+=("$LF")
"$KEUR" lab up --dir "$LF" --name "$LNF" --duts 1 --flaw 0:nosuchflaw > /dev/null 2> "$TMP/failed.err"
is $? 3 "lab up with a device that cannot start: exit 3"
like "$(head -1 "$TMP/failed.err")" "^keur lab: reference device dev0 did not start; its log is kept in $LF/logs/dev0.log\$" \
	"names the device and its log"
[ -s "$LF/logs/dev0.log" ]; ok $? "that log is there after the roll-back"
like "$(cat "$TMP/failed.err")" "keur lab:   \| keur-simdev: unknown flaw 'nosuchflaw'" "and its last lines, which say why, are shown"
! ip netns list | grep -q "^keur-$LNF-" && [ ! -e "$LF/lab.state" ] && [ ! -e "/run/keur/labs/$LNF" ] &&
	[ ! -e "/run/keur/brokers/$LNF" ]
ok $? "the rest of the failed lab is gone"
done_testing
