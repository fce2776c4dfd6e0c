# lib.sh — shared by the tests/*.t scripts: TAP output, temporary files, and processes that
# are started here, polled for readiness, and stopped by PID (never by name).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# KEUR_BUILD: where keur and tests/keur-selftest come from (build/san for the sanitizer pass).
KEUR=${KEUR_BUILD:-$TOP}/keur
SELF=${KEUR_BUILD:-$TOP}/tests/keur-selftest
PEER=$TOP/tests/peer
PEER_DTLS=$TOP/tests/peer-dtls
TMP=$(mktemp -d /tmp/keur-test.XXXXXX)
chmod 755 "$TMP"
T_N=0
T_FAILED=0
PIDS=()

plan() { echo "1..$1"; }

# ok COND DESCRIPTION: COND is an exit status (0 = good).
ok() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf 'got:  %s\nwant: %s\n' "$1" "$2" | sed 's/^/#   /'
	fi
}

# like TEXT REGEX DESCRIPTION
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "does not match /$2/:" "$(printf '%s' "$1" | head -c 600)" | sed 's/^/#   /'
	fi
}

# Starts a command in the background and remembers its PID for cleanup.  The PID is in $BG.
bg() {
	"$@" &
	BG=$!
	PIDS+=("$BG")
}

stop_pid() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	# KEEP_TMP=1 keeps the logs and files of a run, for a look at what went wrong.
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "# kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

freeport() { "$PEER" freeport; }

# The version on the first line of debian/changelog: the package's and keur --version's.
changelog_version() { sed -n '1s/^keur (\([^)]*\)).*/\1/p' "$TOP/debian/changelog"; }

# mosquitto is in /usr/sbin, which not every PATH holds.
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

# Polls until something accepts TCP connections on 127.0.0.1:PORT (5 s at most).
wait_port() { "$PEER" wait-port "$1" 5000; }

# start_mosquitto NAME CONFIG-BODY: writes $TMP/NAME.conf, starts mosquitto, waits for every
# listener port named in the body.  Sets BG to its PID.
start_mosquitto() {
	local name=$1 body=$2
	printf '%s\npersistence false\nlog_dest file %s/%s.log\n' "$body" "$TMP" "$name" > "$TMP/$name.conf"
	# Started as root, mosquitto drops to its own user: the log must be writable for it.
	: > "$TMP/$name.log"
	chmod 666 "$TMP/$name.log"
	bg "$MOSQUITTO" -c "$TMP/$name.conf"
	local pid=$BG
	for p in $(printf '%s\n' "$body" | sed -n 's/^listener \([0-9]*\).*/\1/p'); do
		if ! wait_port "$p"; then
			echo "Bail out! mosquitto $name did not listen on $p: $(cat "$TMP/$name.log" 2>/dev/null)"
			exit 1
		fi
	done
	BG=$pid
}

# A CA and a server certificate for 127.0.0.1/localhost, under $TMP/NAME-*.pem.
make_tls() {
	local n=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=keur test CA $n" -keyout "$TMP/$n-ca.key" -out "$TMP/$n-ca.pem" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$TMP/$n-server.key" -out "$TMP/$n-server.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$TMP/$n-ext.cnf" &&
	openssl x509 -req -in "$TMP/$n-server.csr" -CA "$TMP/$n-ca.pem" -CAkey "$TMP/$n-ca.key" \
		-CAcreateserial -days 2 -extfile "$TMP/$n-ext.cnf" -out "$TMP/$n-server.pem" 2>/dev/null &&
	chmod 644 "$TMP/$n-"*
}

# The verdict of CASE in the TAP stream FILE.
verdict_of() {
	awk -v id="$2" '$0 ~ "^(not )?ok [0-9]+ - " id " " { hit = 1; next }
		hit && /^  verdict: / { print $2; exit }' "$1"
}

# renders_svg FILE WHAT: rsvg-convert turns FILE into a PNG (skipped where it is not installed).
renders_svg() {
	if ! command -v rsvg-convert > /dev/null; then
		echo "ok $((T_N += 1)) # SKIP rsvg-convert not installed"
		return
	fi
	rsvg-convert -o "${1%.svg}.png" "$1" 2>/dev/null && [ -s "${1%.svg}.png" ]
	ok $? "$2"
}

done_testing() {
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# ---- keur-simdev ----
SIMDEV=$TOP/keur-simdev

# start_simdev NAME ARGS...: starts the reference device, waits for its ready file (every
# listener up); its log is $TMP/NAME.log.  Sets BG to its PID.
start_simdev() {
	local name=$1
	shift
	rm -f "$TMP/$name.ready"
	bg "$SIMDEV" --ready-file "$TMP/$name.ready" "$@" 2> "$TMP/$name.log"
	for _ in $(seq 100); do
		[ -s "$TMP/$name.ready" ] && return 0
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.05
	done
	echo "Bail out! keur-simdev $name did not start: $(tail -3 "$TMP/$name.log")"
	exit 1
}

# serve_peer NAME COMMAND...: starts COMMAND, a peer that prints the port it listens on first, and
# waits for that line: the port is in $PORT, the PID in $BG (and stopped at the end like every bg).
serve_peer() {
	local name=$1
	shift
	bg "$@" > "$TMP/$name.port"
	poll_until 5 test -s "$TMP/$name.port" || { echo "Bail out! $1 printed no port: $*"; exit 1; }
	PORT=$(head -n 1 "$TMP/$name.port")
}

# mbdev NAME [SIMDEV-FLAGS...]: the reference device with Modbus TCP only, on a port of its own
# in $NAME_mb; its state file is $TMP/NAME.state.
mbdev() {
	local name=$1 m
	shift
	m=$(freeport)
	eval "${name}_mb=$m"
	start_simdev "$name" --id "$name" --coap-port 0 --coaps-port 0 --modbus-port "$m" --state "$TMP/$name.state" "$@"
}

# coap_device NAME SIMDEV-FLAGS...: the reference device with plain CoAP only (no DTLS, no Modbus)
# on a port of its own, in $PORT_NAME; $TMP/ca.pem must exist (its MQTT side never connects).
coap_device() {
	local name=$1 port
	shift
	port=$(freeport)
	start_simdev "$name" --id "$name" --lan 127.0.0.1 --coap-port "$port" --coaps-port 0 --modbus-port 0 \
		--mqtt-host 127.0.0.1 --mqtt-port "$(freeport)" --mqtt-ca "$TMP/ca.pem" "$@"
	eval "PORT_$name=$port"
}

# coap ARGS...: one CoAP exchange with libcoap's client, bounded to 2 s; payload and codes on stdout.
coap() { coap-client-openssl -B 2 "$@" 2>&1; }

# poll_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (0) or time is up (1).
poll_until() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---- the simulated lab ----

# lab_name PREFIX: a lab name for this test file: PREFIX (at most 3 of a-z0-9) and this shell's
# PID in base 36, so that the lab tests of one suite, of two suites, and a lab engineer's own lab
# can be up at once on one machine (each lab gets its own addresses; see keur lab --help).
lab_name() {
	local n=$$ s="" digits=0123456789abcdefghijklmnopqrstuvwxyz
	while [ "$n" -gt 0 ]; do s=${digits:$((n % 36)):1}$s; n=$((n / 36)); done
	echo "$1$s"
}

# lab_begin: for a test file that builds the simulated lab, first thing after its root check.
# Notes this test as the owner of $TMP (PID and start time, for tests/lab-reap.sh) and removes the
# labs that killed test runs left behind.
lab_begin() {
	echo "$$ $(awk '{ print $22 }' "/proc/$$/stat")" > "$TMP/owner"
	bash "$TOP/tests/lab-reap.sh"
}

# lab_broker DIR I: the broker address of device I of the lab in DIR (198.19.G.3); lab_lan DIR I:
# its LAN address (198.18.10+G.2); lab_cloud FILE: the cloud's management address, from lab up's
# output in FILE.  Each lab has
# its own (keur lab --help), read here from the descriptions lab up wrote.
lab_broker() { sed -n "s/.*<broker dut=\"dev$2\" listen=\"\([0-9.]*\)\".*/\1/p" "$1/lab.xml"; }
lab_lan() { sed -n 's/.*<modbus host="\([0-9.]*\)".*/\1/p' "$1/dev$2.xml"; }
lab_cloud() { sed -n 's/^cloud broker \([0-9.]*\):8883.*/\1/p' "$1"; }
# re DOTTED: an address as an extended regular expression (dots escaped).
re() { printf '%s' "${1//./\\.}"; }

# make_swu VERSION OUT CERT KEY [BYTES]: a signed SWUpdate image as SWUpdate's documentation makes
# one: sw-description (version, one raw image with its sha256), its CMS signature by CERT/KEY,
# and the image, in a cpio archive with checksums (-H crc).
make_swu() {
	local d cert key
	d=$(mktemp -d "$TMP/swu.XXXXXX")
	cert=$(realpath "$3") key=$(realpath "$4")
	head -c "${5:-300000}" /dev/urandom > "$d/rootfs.img"
	cat > "$d/sw-description" <<D
# a comment, as vendors write them
software =
{
	version = /* the release */ "$1";
	hardware-compatibility = [ "1.0" ];
	images: (
		{
			filename = "rootfs.img";
			version = "$1";
			type = "raw";
			device = "/dev/null";
			sha256 = "$(sha256sum "$d/rootfs.img" | cut -c1-64)";
		} /* rootfs */
	);
}
D
	( cd "$d" && openssl cms -sign -in sw-description -out sw-description.sig -signer "$cert" -inkey "$key" \
		-outform DER -nosmimecap -binary &&
	  printf 'sw-description\nsw-description.sig\nrootfs.img\n' | cpio -o -H crc 2>/dev/null ) > "$2"
	local rc=$?
	rm -rf "$d"
	return $rc
}
