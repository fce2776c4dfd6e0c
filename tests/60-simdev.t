#!/usr/bin/env bash
# keur-simdev, the reference device, with real peers (mosquitto, libcoap's client, mbpoll): what a
# good device does, and for every --flaw that the flawed behaviour is there, and only with it.
. "$(dirname "$0")/lib.sh"
plan 55

make_tls a && make_tls other || { echo "Bail out! openssl could not make certificates"; exit 1; }
mosquitto_passwd -c -b "$TMP/passwd" dev dev-secret >/dev/null 2>&1
chmod 644 "$TMP/passwd"
printf 'dev-secret\n' > "$TMP/dev.pw"
printf 'lab-psk-key-1\n' > "$TMP/psk"
openssl genpkey -algorithm ed25519 -out "$TMP/vendor.key" 2>/dev/null
openssl pkey -in "$TMP/vendor.key" -pubout -out "$TMP/vendor.pub"
openssl genpkey -algorithm ed25519 -out "$TMP/evil.key" 2>/dev/null

# tls_listener PORT CA: a mosquitto listener with the server certificate of CA a or other.
tls_listener() { printf 'listener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s' "$1" "$TMP/$2-ca.pem" "$TMP/$2-server.pem" "$TMP/$2-server.key"; }

# The cloud: a TLS broker (lab CA) with a plain listener beside it, and one whose certificate
# comes from another CA.
BT=$(freeport); BP=$(freeport); BW=$(freeport); NOPE=$(freeport)
start_mosquitto cloud "per_listener_settings false
allow_anonymous false
password_file $TMP/passwd
log_type all
connection_messages true
$(tls_listener "$BT" a)
listener $BP 127.0.0.1"
start_mosquitto wrongcert "allow_anonymous false
password_file $TMP/passwd
$(tls_listener "$BW" other)"

# dev NAME [ARGS...]: a device with its own LAN ports ($NAME_coap, $NAME_coaps, $NAME_mb) and state.
dev() {
	local name=$1
	shift
	local c s m
	c=$(freeport); s=$(freeport); m=$(freeport)
	eval "${name}_coap=$c ${name}_coaps=$s ${name}_mb=$m"
	start_simdev "$name" --id "$name" --mqtt-host 127.0.0.1 --mqtt-port "$BT" --mqtt-plain-port "$BP" \
		--mqtt-ca "$TMP/a-ca.pem" --mqtt-user dev --mqtt-password-file "$TMP/dev.pw" --mqtt-keepalive 5 \
		--coap-port "$c" --coaps-port "$s" --psk-identity lab --psk-key-file "$TMP/psk" --modbus-port "$m" \
		--update-key "$TMP/vendor.pub" --state "$TMP/$name.state" "$@"
	eval "${name}_pid=$BG"
}
port() { eval "echo \$${1}_$2"; }
# sget NAME PATH: a GET over DTLS with the lab's PSK (plain CoAP beside coaps:// serves nothing)
sget() { coap -m get -u lab -k lab-psk-key-1 "coaps://127.0.0.1:$(port "$1" coaps)$2"; }
online() { sget "$1" /diag | grep -q "ok online"; }
offline() { sget "$1" /diag | grep -q "ok offline"; }
firmware() { sed -n 's/^firmware //p' "$TMP/$1.state"; }
# attempts NAME: the broker connection attempts in NAME's log so far.
attempts() { grep -cE "mqtt: (connect to|disconnected)" "$TMP/$1.log"; }

# Devices whose checks wait on the device's own timers start here, before the good device, and
# are checked in their place below: the back-off pair (whose attempts are counted over a 3 s
# window, in the background), the pair on a broker that goes away (and comes back while other
# checks go on), and (once the update service is up) the one that looks for updates by itself.
dev calm --mqtt-port "$NOPE"
dev storm --flaw reconnect-storm --mqtt-port "$NOPE"
( sleep 3; attempts calm > "$TMP/calm.n"; attempts storm > "$TMP/storm.n" ) &
count3=$!
PIDS+=("$count3")
BR=$(freeport)
start_mosquitto flaky "allow_anonymous false
password_file $TMP/passwd
$(tls_listener "$BR" a)"
flaky=$BG
dev back --mqtt-port "$BR"
dev gone --flaw no-reconnect --mqtt-port "$BR"

# The update images and the services that serve them (one cuts every download after 1000 bytes).
bin=$TMP/updates; mkdir -p "$bin"; head -c 4000 /dev/urandom > "$TMP/payload"
"$SIMDEV" image --version 1.1.0 --payload "$TMP/payload" --key "$TMP/vendor.key" --out "$bin/fw-1.1.0.bin"
"$SIMDEV" image --version 1.2.0 --payload "$TMP/payload" --key "$TMP/evil.key" --out "$bin/fw-1.2.0-foreign.bin"
"$SIMDEV" image --version 1.3.0 --payload "$TMP/payload" --out "$bin/fw-1.3.0-unsigned.bin"
"$SIMDEV" image --version 0.9.0 --payload "$TMP/payload" --key "$TMP/vendor.key" --out "$bin/fw-0.9.0.bin"
printf 'version=1.1.0 url=http://127.0.0.1:%s/fw-1.1.0.bin\n' PORT > "$bin/latest.tmpl"
bg "$SIMDEV" update-service --dir "$bin" --port 0 --port-file "$TMP/h.port" > "$TMP/h.log" 2>&1
bg "$SIMDEV" update-service --dir "$bin" --port 0 --port-file "$TMP/hc.port" --cut-after 1000 > "$TMP/hc.log" 2>&1
poll_until 5 test -s "$TMP/h.port" && poll_until 5 test -s "$TMP/hc.port"
H=$(cat "$TMP/h.port"); HC=$(cat "$TMP/hc.port")
sed "s/PORT/$H/" "$bin/latest.tmpl" > "$bin/latest.txt"
dev auto --update-check-url "http://127.0.0.1:$H/latest.txt" --update-check-interval 1

# ---- the good device ----
dev good
poll_until 10 online good; ok $? "good device: online with TLS, CA verification and its credentials"
grep -q "New client connected .* as simdev-good .*u'dev'" "$TMP/cloud.log"; ok $? "good device: the broker saw its user name"
v=$(timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BT" --cafile "$TMP/a-ca.pem" -u dev -P dev-secret -t keur/good/version -C 1 -W 4)
is "$v" "1.0.0" "good device: its firmware version is retained on keur/good/version"
# A command changes the setpoint; the device tells the cloud at once.  The command is sent
# again until the subscriber has it (no guessing how long the subscriber takes to start).
bg mosquitto_sub -h 127.0.0.1 -p "$BT" --cafile "$TMP/a-ca.pem" -u dev -P dev-secret -t keur/good/telemetry -W 10 > "$TMP/telemetry"
sub=$BG
send_cmd() {
	mosquitto_pub -h 127.0.0.1 -p "$BT" --cafile "$TMP/a-ca.pem" -u dev -P dev-secret -t keur/good/cmd -m setpoint=22.5
	grep -q '"setpoint":22.5' "$TMP/telemetry"
}
poll_until 8 send_cmd
stop_pid "$sub"
like "$(grep 22.5 "$TMP/telemetry" | head -1)" '^\{"temp":[0-9.]+,"setpoint":22\.5,"relay":[01],"firmware":"1\.0\.0"\}$' "good device: takes a command and publishes telemetry"
like "$(sget good /sensors/temp)" '^[0-9]+\.[0-9]$' "good device: CoAP GET /sensors/temp answers over DTLS"
like "$(coap -m get "coap://127.0.0.1:$good_coap/sensors/temp")" '4\.01' "good device: plain CoAP beside coaps:// serves nothing (4.01)"
like "$(coap -m get "coap://127.0.0.1:$good_coap/.well-known/core")" '</sensors/temp>.*</actuators/relay>.*</config>' "good device: /.well-known/core lists its resources"
like "$(coap -m put -e mode=0 "coap://127.0.0.1:$good_coap/config")" "4\.01" "good device: unauthenticated PUT /config is refused (4.01)"
coap -m put -e report-interval=30 -u lab -k lab-psk-key-1 "coaps://127.0.0.1:$good_coaps/config" > /dev/null
like "$(coap -m get -u lab -k lab-psk-key-1 "coaps://127.0.0.1:$good_coaps/config")" "report-interval=30" "good device: PUT /config over DTLS with the lab's PSK works"
like "$(coap -m get -u admin -k admin "coaps://127.0.0.1:$good_coaps/sensors/temp")" "^$|rror|fail" "good device: DTLS identity admin/admin refused"
r=$(mbpoll -m tcp -p "$good_mb" -a 1 -t 3 -r 2 -c 3 -1 127.0.0.1 2>&1 | grep -E '^\[[0-9]\]' | tr -d ' \t' | tr '\n' ' ')
is "$r" "[2]:1 [3]:0 [4]:0 " "good device: Modbus input registers 1-3 hold the firmware version"
mbpoll -m tcp -p "$good_mb" -a 1 -t 4 -r 102 -1 127.0.0.1 0 > "$TMP/mbw" 2>&1
grep -q "Illegal data address" "$TMP/mbw"; ok $? "good device: Modbus write to the configuration is refused"
mbpoll -m tcp -p "$good_mb" -a 1 -t 0 -r 1 -1 127.0.0.1 1 > /dev/null 2>&1
is "$(sget good /actuators/relay)" "1" "good device: the relay switched over Modbus reads back over CoAP"
like "$(sget good /diag)" "^ok online$" "good device: GET /diag is short"
bash -c "exec 3<>/dev/tcp/127.0.0.1/2323" 2>/dev/null; is $? 1 "good device: no extra port"

# Configuration survives a power cycle.
coap -m put -e 24.5 -u lab -k lab-psk-key-1 "coaps://127.0.0.1:$good_coaps/setpoint" > /dev/null
stop_pid "$good_pid"
start_simdev good2 --id good --state "$TMP/good.state" --coap-port "$good_coap" --coaps-port 0 --modbus-port 0
is "$(coap -m get "coap://127.0.0.1:$good_coap/setpoint")" "24.5" "the setpoint survives a restart (state file)"
stop_pid "$BG"
dev good

# Reconnection (see "the cloud link" below, where it is checked): both devices online on the
# flaky broker, which now goes away.
poll_until 10 online back && poll_until 10 online gone; r_both=$?
n=$(attempts back)
stop_pid "$flaky"
poll_until 5 offline back; r_notice=$?

# ---- updates (the images and services are up: see above) ----
offer() { mosquitto_pub -h 127.0.0.1 -p "$BT" --cafile "$TMP/a-ca.pem" -u dev -P dev-secret -t "keur/$1/update" -m "version=$2 url=http://127.0.0.1:$3/$4"; }
has_fw() { [ "$(firmware "$1")" = "$2" ]; }
logged() { grep -q "$2" "$TMP/$1.log"; }

offer good 1.2.0 "$H" fw-1.2.0-foreign.bin; poll_until 5 logged good "refused 1.2.0: the signature does not verify"
ok $? "good device: a foreign-signed image is refused"
offer good 1.3.0 "$H" fw-1.3.0-unsigned.bin; poll_until 5 logged good "refused 1.3.0: the image carries no signature"
ok $? "good device: an unsigned image is refused"
offer good 1.1.0 "$HC" fw-1.1.0.bin; poll_until 5 logged good "interrupted after 1000 of"
ok $? "good device: an interrupted download is dropped"
is "$(firmware good)" "1.0.0" "good device: and the old version stays"
offer good 1.1.0 "$H" fw-1.1.0.bin; poll_until 5 has_fw good 1.1.0
ok $? "good device: the genuine newer image installs when offered again"
v=$(timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BT" --cafile "$TMP/a-ca.pem" -u dev -P dev-secret -t keur/good/version -C 1 -W 4)
is "$v" "1.1.0" "good device: reports the new version"
offer good 0.9.0 "$H" fw-0.9.0.bin; poll_until 5 logged good "refused 0.9.0: older than the running 1.1.0"
ok $? "good device: a genuine older image is refused"

# auto started above.
poll_until 10 has_fw auto 1.1.0; ok $? "automatic updates: the device finds and installs 1.1.0 by itself"

dev unsigned --flaw accept-unsigned
dev forged --flaw accept-forged
dev downgrade --flaw accept-downgrade --firmware 1.0.0
poll_until 10 online unsigned
offer unsigned 1.2.0 "$H" fw-1.2.0-foreign.bin; poll_until 5 logged unsigned "refused 1.2.0"
offer unsigned 1.3.0 "$H" fw-1.3.0-unsigned.bin; poll_until 5 has_fw unsigned 1.3.0
ok $? "accept-unsigned: installs the unsigned image (and still refused the foreign-signed one)"
poll_until 10 online forged
offer forged 1.2.0 "$H" fw-1.2.0-foreign.bin; poll_until 5 has_fw forged 1.2.0
ok $? "accept-forged: installs the foreign-signed image"
poll_until 10 online downgrade
offer downgrade 0.9.0 "$H" fw-0.9.0.bin; poll_until 5 has_fw downgrade 0.9.0
ok $? "accept-downgrade: installs the older image"

# Reconnection: the broker stays away until the device has tried again in vain (its loss and
# a failed attempt are logged), and the one that does not reconnect is offline too; then it
# comes back on the same port.
more() { [ "$(attempts back)" -ge $((n + 2)) ]; }
poll_until 5 more
poll_until 5 offline gone
start_mosquitto flaky "allow_anonymous false
password_file $TMP/passwd
$(tls_listener "$BR" a)"

# ---- the cloud link ----
dev anon --flaw anonymous
dev plainok --mqtt-port "$NOPE"
dev plain --flaw no-tls --mqtt-port "$NOPE"
dev strict --mqtt-port "$BW"
dev insecure --flaw insecure-tls --mqtt-port "$BW"
dev lonely --mqtt-port "$NOPE"
dev dies --flaw dies-offline --mqtt-port "$NOPE"
poll_until 5 grep -q "broker refused the connection: .*not authorised" "$TMP/anon.log"
ok $? "anonymous: connects without credentials, and the broker refuses it"
grep -q "Client <unknown> disconnected, not authorised" "$TMP/cloud.log"; ok $? "anonymous: the broker logged the client without credentials"
offline anon; ok $? "anonymous: and so stays offline"
poll_until 10 online plain; ok $? "no-tls: online over the plain-text listener"
offline plainok; ok $? "without no-tls: never falls back to plain text"
poll_until 10 online insecure; ok $? "insecure-tls: accepts a broker certificate from another CA"
offline strict; ok $? "without insecure-tls: that broker is refused"
grep -q "certificate verify failed" "$TMP/strict.log"; ok $? "and the device logs why: certificate verify failed"

# Offline: no broker at all.  Local functions go on, unless dies-offline.
like "$(sget lonely /sensors/temp)" '^[0-9]+\.[0-9]$' "offline: CoAP still answers"
like "$(mbpoll -m tcp -p "$lonely_mb" -a 1 -t 3 -r 1 -c 1 -1 127.0.0.1 2>&1)" '\[1\]:' "offline: Modbus still answers"
like "$(coap -m get "coap://127.0.0.1:$dies_coap/sensors/temp")" "5\.03" "dies-offline: CoAP answers 5.03"
like "$(mbpoll -m tcp -p "$dies_mb" -a 1 -t 3 -r 1 -c 1 -1 127.0.0.1 2>&1)" "Slave device or server failure|failure" "dies-offline: Modbus answers with an exception"

# Reconnection: the broker went away and came back on the same port (above).
ok "$r_both" "both devices online on the flaky broker"
ok "$r_notice" "broker stopped: the device notices"
poll_until 15 online back; ok $? "broker back: the device reconnects by itself"
offline gone; ok $? "no-reconnect: stays offline"

# calm and storm started above; their attempts were counted 3 s after they started.
wait "$count3"
nc=$(cat "$TMP/calm.n"); ns=$(cat "$TMP/storm.n")
[ "$nc" -le 5 ]; ok $? "back-off: $nc connection attempts in 3 s"
[ "$ns" -ge 20 ]; ok $? "reconnect-storm: $ns connection attempts in 3 s"

# Robustness, amplification, open writes, default password, extra port.
dev fragile --flaw crash-on-malformed
disown "$fragile_pid"	# it is meant to crash: no bash notice about it (still stopped by PID at the end)
bad_frame() { printf '\x00\x01\x00\x01\x00\x06\x01\x03\x00\x00\x00\x01' > "/dev/tcp/127.0.0.1/$1"; }
bad_frame "$fragile_mb" 2>/dev/null; bad_frame "$good_mb" 2>/dev/null
poll_until 3 bash -c "! kill -0 $fragile_pid 2>/dev/null"; ok $? "crash-on-malformed: a Modbus frame with protocol id 1 ends the device"
like "$(mbpoll -m tcp -p "$good_mb" -a 1 -t 3 -r 1 -c 1 -1 127.0.0.1 2>&1)" '\[1\]:' "without it: the device drops the frame and answers the next"
dev fragile2 --flaw crash-on-malformed
disown "$fragile2_pid"
# The device dies on the request and never answers: the client (bounded to 2 s) goes on in the
# background (stopped at the end if still there) while the device's end is polled.
bg coap-client-openssl -B 2 -m get "coap://127.0.0.1:$fragile2_coap/%01x" > /dev/null 2>&1
poll_until 3 bash -c "! kill -0 $fragile2_pid 2>/dev/null"; ok $? "crash-on-malformed: a CoAP Uri-Path with a control byte ends the device"
like "$(coap -m get "coap://127.0.0.1:$good_coap/%01x")" "4\.04" "without it: the same request gets 4.04"
dev amp --flaw amplifier
n=$(coap -m get "coap://127.0.0.1:$amp_coap/diag" | wc -c)
[ "$n" -ge 1000 ]; ok $? "amplifier: GET /diag answers with $n bytes"
dev open --flaw open-write
is "$(coap -m put -e mode=0 "coap://127.0.0.1:$open_coap/config")" "" "open-write: unauthenticated PUT /config accepted (no error code)"
like "$(coap -m get "coap://127.0.0.1:$open_coap/config")" "mode=0" "open-write: and it took effect"
mbpoll -m tcp -p "$open_mb" -a 1 -t 4 -r 101 -1 127.0.0.1 45 > /dev/null 2>&1
like "$(coap -m get "coap://127.0.0.1:$open_coap/config")" "report-interval=45" "open-write: Modbus write to the configuration accepted"
dev defpw --flaw default-password
like "$(coap -m get -u admin -k admin "coaps://127.0.0.1:$defpw_coaps/sensors/temp")" '^[0-9]+\.[0-9]$' "default-password: DTLS identity admin/admin accepted"
ex=$(freeport)
dev shell --flaw extra-port --extra-port "$ex"
b=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ex; cat <&3" 2>/dev/null)
like "$b" "debug shell" "extra-port: an undeclared service answers"
done_testing
