#!/usr/bin/env bash
# keur lint and input loading: good files pass, each kind of bad input is one clear line naming
# file and line, exit 2, never a crash.
. "$(dirname "$0")/lib.sh"
plan 62

D=$TOP/tests/data
out=$("$KEUR" lint "$TOP/profiles/csr-label.xml" "$D/self-dut.xml" "$D/lab.xml" 2>&1); rc=$?
is "$rc" 0 "bundled profile, a DUT and a lab lint clean"
like "$out" "profile 'csr-label'" "lint names what it found"

# Each bad file: its expected message, exit 2, and nothing like a crash.
check_bad() {
	local file=$1 pattern=$2 what=$3 out rc
	out=$("$KEUR" lint "$file" 2>&1); rc=$?
	is "$rc" 2 "$what: exit 2"
	like "$out" "$pattern" "$what: says so"
}

cat > "$TMP/noiface.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="empty">
  <identity vendor="A" model="B"/>
</dut>
X
check_bad "$TMP/noiface.xml" "noiface.xml:1: the DUT declares no interface" "DUT without interface"

cat > "$TMP/port.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="p">
  <mqtt role="broker" host="127.0.0.1" port="eighty"/>
</dut>
X
check_bad "$TMP/port.xml" "port.xml:2: .*port.*'eighty' is not a valid value" "non-numeric port"

cat > "$TMP/fc.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1" function-codes="0-6,16"/>
</dut>
X
check_bad "$TMP/fc.xml" "fc.xml:2: function-codes \"0-6,16\": codes run from 1 to 127" "function code 0 declared"

cat > "$TMP/mbtls.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus serial="/dev/ttyUSB0" tls-port="802"/>
</dut>
X
check_bad "$TMP/mbtls.xml" "mbtls.xml:2: tls-port needs host" "Modbus/TCP Security on a serial line"

cat > "$TMP/both.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1" serial="/dev/ttyUSB0"/>
</dut>
X
check_bad "$TMP/both.xml" "both.xml:2: <modbus> needs host=.* or serial=.*, one of them" "TCP and RTU in one element"

cat > "$TMP/baud.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus serial="/dev/ttyUSB0" baud="12345"/>
</dut>
X
check_bad "$TMP/baud.xml" "baud.xml:2: .*baud.*'12345'" "a baud rate no serial line has"

# <function>, <ports> and the fixtures' new attributes.
cat > "$TMP/fnproto.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1"/>
  <function name="relay" protocol="modbus" get="/relay"/>
</dut>
X
check_bad "$TMP/fnproto.xml" "fnproto.xml:3: function 'relay': get=.* belongs to protocol=.coap., not .modbus." "a CoAP operation on a Modbus function"

cat > "$TMP/fneffect.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1"/>
  <function name="relay-on" protocol="modbus" write-coil="0" value="1" effect="relay-state"/>
</dut>
X
check_bad "$TMP/fneffect.xml" "fneffect.xml:3: function 'relay-on': effect=.relay-state. names no <function>" "an effect that names no function"

cat > "$TMP/fnvalue.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1"/>
  <function name="relay-on" protocol="modbus" write-coil="0" value="on"/>
  <function name="temp" protocol="coap" get="/t"/>
</dut>
X
check_bad "$TMP/fnvalue.xml" "fnvalue.xml:3: function 'relay-on': a coil takes value 0 or 1" "a coil written with a word"
check_bad "$TMP/fnvalue.xml" "fnvalue.xml:4: function 'temp' uses CoAP but the DUT declares no <coap>" "a function on an interface the DUT lacks"

cat > "$TMP/ports.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="m">
  <modbus host="127.0.0.1"/>
  <ports tcp="22,70000"/>
</dut>
X
check_bad "$TMP/ports.xml" "ports.xml:3: tcp=.22,70000.: ports run from 1 to 65535" "a port beyond 65535"

cat > "$TMP/fxcheck.xml" <<'X'
<lab xmlns="urn:keur:lab:1" id="l"><scope><allow host="127.0.0.1"/></scope>
  <uplink method="netns" namespace="n" interface="wan0" check="ping -c1 x"/>
</lab>
X
check_bad "$TMP/fxcheck.xml" "fxcheck.xml:2: check=.*belongs to method=.command." "a check command on a netns fixture"

# <update> and <reflash>.
head -c 100 /dev/urandom > "$TMP/payload"
"$TOP/keur-simdev" image --version 1.1.0 --payload "$TMP/payload" --out "$TMP/fw-1.1.0.bin" >/dev/null 2>&1
"$TOP/keur-simdev" image --version 1.2.0 --payload "$TMP/payload" --out "$TMP/fw-1.2.0.bin" >/dev/null 2>&1
cat > "$TMP/upd-notopic.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="u">
  <mqtt role="client" client-id="c" broker-host="b"/>
  <update channel="mqtt" image="fw-1.1.0.bin" format="kfw1"/>
</dut>
X
check_bad "$TMP/upd-notopic.xml" "upd-notopic.xml:3: <update channel=.mqtt.> needs topic=" "an MQTT update channel without a topic"
like "$("$KEUR" lint "$TMP/upd-notopic.xml" 2>&1)" "upd-notopic.xml:3: <update> needs version-topic" "nor a version topic: also said"
cat > "$TMP/upd-opaque.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="u">
  <mqtt role="client" client-id="c" broker-host="b"/>
  <update topic="t" version-topic="v" image="fw-1.1.0.bin"/>
</dut>
X
check_bad "$TMP/upd-opaque.xml" "upd-opaque.xml:3: an opaque image does not say its version" "an opaque image without its version"
cat > "$TMP/upd-older.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="u">
  <mqtt role="client" client-id="c" broker-host="b"/>
  <update topic="t" version-topic="v" format="kfw1" image="fw-1.1.0.bin" older-image="fw-1.2.0.bin"/>
</dut>
X
check_bad "$TMP/upd-older.xml" "upd-older.xml:3: the older image \\(1.2.0\\) is not older than the image \\(1.1.0\\)" \
	"an older image that is newer (versions read from the kfw1 headers)"
cat > "$TMP/upd-url.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="u">
  <mqtt role="client" client-id="c" broker-host="b"/>
  <update topic="t" version-topic="v" format="kfw1" image="fw-1.1.0.bin" check-url="https://updates.example/x"/>
</dut>
X
check_bad "$TMP/upd-url.xml" "upd-url.xml:3: check-url=.https://updates.example/x. is http://ADDRESS:PORT/PATH" "a check-url keur cannot serve"
cat > "$TMP/reflash.xml" <<'X'
<lab xmlns="urn:keur:lab:1" id="l"><scope><allow host="127.0.0.1"/></scope>
  <reflash method="command" on="flash" off="x"/>
</lab>
X
check_bad "$TMP/reflash.xml" "reflash.xml:2: <reflash> takes command=" "a reflash fixture with on/off instead of command"
like "$("$KEUR" lint "$TMP/reflash.xml" 2>&1)" "reflash.xml:2: <reflash method=.command.> needs command=" "and without command: also said"

check_bad "$TMP/does-not-exist.xml" "does-not-exist.xml: cannot read: No such file" "missing file"

cat > "$TMP/unknown-case.xml" <<'X'
<profile xmlns="urn:keur:profile:1" id="p" version="1">
  <title>t</title>
  <requirement id="R1" source="s" kind="mandatory" level="basic">
    <summary>s</summary>
    <check case="MQTT-NOPE-999"/>
  </requirement>
  <level id="basic"/>
</profile>
X
check_bad "$TMP/unknown-case.xml" "unknown-case.xml:3: requirement 'R1' checks unknown case 'MQTT-NOPE-999'" "unknown case ID in a profile"

printf '<dut xmlns="urn:keur:dut:1" id="x">\n  <mqtt role="broker" host="h"\n</dut>\n' > "$TMP/broken.xml"
check_bad "$TMP/broken.xml" "broken.xml:[0-9]+: " "malformed XML"

cat > "$TMP/pwfile.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="x">
  <mqtt role="broker" host="127.0.0.1" username="u" password-file="no-such.pw"/>
</dut>
X
check_bad "$TMP/pwfile.xml" "pwfile.xml:2: cannot read '.*no-such.pw'" "missing password file"

cat > "$TMP/acct.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="x">
  <mqtt role="client" client-id="c">
    <account username="alice" password="a"/>
  </mqtt>
</dut>
X
check_bad "$TMP/acct.xml" "acct.xml:3: <account> belongs to a <mqtt role=\"broker\">" "an account on a client DUT"

cat > "$TMP/acct2.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="x">
  <mqtt role="broker" host="127.0.0.1">
    <account username="alice" password="a" password-file="a.pw"/>
  </mqtt>
</dut>
X
check_bad "$TMP/acct2.xml" "acct2.xml:3: give password or password-file, not both" "an account with two passwords"

cat > "$TMP/labca.xml" <<'X'
<lab xmlns="urn:keur:lab:1" id="l">
  <scope> <allow host="127.0.0.1"/> </scope>
  <broker listen="127.0.0.1" port="18883" ca="lab.xml"/>
</lab>
X
cp "$TOP/tests/data/lab.xml" "$TMP/lab.xml"
check_bad "$TMP/labca.xml" "labca.xml:3: <broker> needs both ca=.* and ca-key=" "a lab CA without its key"

cat > "$TMP/scope.xml" <<'X'
<lab xmlns="urn:keur:lab:1" id="l">
  <scope> <allow net="198.18.0.0/99"/> </scope>
</lab>
X
check_bad "$TMP/scope.xml" "scope.xml:2: '198.18.0.0/99' is not an IP network" "bad scope network"

printf '<foo/>\n' > "$TMP/foo.xml"
check_bad "$TMP/foo.xml" "foo.xml:1: root element <foo" "not a keur file"

# The same checks guard `keur run`: bad input stops before anything is sent.
out=$("$KEUR" run --dut "$TMP/noiface.xml" --out "$TMP/never" 2>&1); rc=$?
is "$rc" 2 "run with a bad DUT: exit 2"
[ ! -e "$TMP/never/journal" ]; ok $? "run with a bad DUT: no journal created"

# Scope guard: a DUT outside the (default, loopback-only) scope is refused before any traffic.
cat > "$TMP/outside.xml" <<'X'
<dut xmlns="urn:keur:dut:1" id="x">
  <mqtt role="broker" host="198.51.100.7" port="1883"/>
</dut>
X
out=$("$KEUR" run --dut "$TMP/outside.xml" --out "$TMP/never2" 2>&1); rc=$?
is "$rc" 2 "DUT outside the lab's scope: exit 2"
like "$out" "outside.xml:2: host '198.51.100.7' .*outside the lab's scope" "DUT outside the scope: says which host and line"
# Every endpoint is checked, however many there are: the 70th is outside the scope.
{
	echo '<dut xmlns="urn:keur:dut:1" id="many">'
	for i in $(seq 69); do echo "  <mqtt role=\"broker\" host=\"127.0.0.1\" port=\"$((10000 + i))\"/>"; done
	echo '  <mqtt role="broker" host="192.0.2.70" port="1883"/>'
	echo '</dut>'
} > "$TMP/many.xml"
out=$("$KEUR" run --dut "$TMP/many.xml" --out "$TMP/never3" 2>&1); rc=$?
is "$rc" 2 "70 endpoints, the last outside the scope: refused (exit 2)"
like "$out" "many.xml:71: host '192.0.2.70'" "the message names the 70th endpoint's line"
done_testing
