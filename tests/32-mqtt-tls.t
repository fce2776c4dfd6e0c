#!/usr/bin/env bash
# MQTT-TLS-001..004 against real mosquitto brokers made to pass and to fail each one: TLS 1.2+
# with a sound certificate; TLS 1.1 allowed; NULL and anonymous suites; an expired, SHA-1 signed
# RSA-1024 certificate for another name; a plaintext listener; and peers that do not answer.
. "$(dirname "$0")/lib.sh"
plan 23

make_tls a || { echo "Bail out! openssl could not make certificates"; exit 1; }
# The bad certificate: RSA 1024, SHA-1, expired (-days -1), issued to another name.
openssl req -newkey rsa:1024 -nodes -subj "/CN=other.example" -keyout "$TMP/bad.key" -out "$TMP/bad.csr" 2>/dev/null
printf 'subjectAltName=DNS:other.example\n' > "$TMP/bad.ext"
openssl x509 -req -in "$TMP/bad.csr" -CA "$TMP/a-ca.pem" -CAkey "$TMP/a-ca.key" -CAcreateserial -sha1 -days -1 \
	-extfile "$TMP/bad.ext" -out "$TMP/bad.pem" 2>/dev/null
chmod 644 "$TMP"/bad.*

# listener PORT CERT [EXTRA...]: a TLS listener section.
listener() {
	local port=$1 cert=$2
	shift 2
	printf 'listener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nallow_anonymous true\n' "$port" \
		"$TMP/a-ca.pem" "$TMP/$cert.pem" "$TMP/$cert.key"
	printf '%s\n' "$@"
}
G=$(freeport); L=$(freeport); W=$(freeport); B=$(freeport); P=$(freeport); NOPE=$(freeport)
start_mosquitto good "$(listener "$G" a-server)"
start_mosquitto legacy "$(listener "$L" a-server 'tls_version tlsv1.1' 'ciphers DEFAULT:@SECLEVEL=0')"
start_mosquitto weak "$(listener "$W" a-server 'ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:AECDH-AES128-SHA:@SECLEVEL=0')"
start_mosquitto badcert "$(listener "$B" bad 'ciphers DEFAULT:@SECLEVEL=0')"
start_mosquitto plain "$(listener "$(freeport)" a-server)
listener $P 127.0.0.1"

dut() { # dut NAME PORT [ATTRS]
	printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <mqtt role="broker" host="127.0.0.1" port="%s" tls="true" ca-file="%s" plaintext-ports="%s" timeout="2" %s/>\n</dut>\n' \
		"$1" "$2" "$TMP/a-ca.pem" "$NOPE" "${3:-}" > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only MQTT-TLS-001,MQTT-TLS-002,MQTT-TLS-003,MQTT-TLS-004 > "$TMP/$1.tap" 2>/dev/null; rc=$?; }
v() { verdict_of "$TMP/$1.tap" "$2"; }

dut good "$G"; run good
is "$(v good MQTT-TLS-001) $(v good MQTT-TLS-002) $(v good MQTT-TLS-003) $(v good MQTT-TLS-004)" "pass pass pass pass" "a TLS 1.2+ broker with a sound certificate passes all four"
is "$rc" 0 "and keur exits 0"
grep -q "TLS 1.1	refused" "$TMP/out-good/evidence/MQTT-TLS-002/versions.txt"; ok $? "versions.txt records TLS 1.1 refused"
grep -q "TLS 1.3	TLS_AES_256_GCM_SHA384" "$TMP/out-good/evidence/MQTT-TLS-003/suites.txt"; ok $? "suites.txt lists the accepted suites"
grep -q "BEGIN CERTIFICATE" "$TMP/out-good/evidence/MQTT-TLS-004/chain-0.pem"; ok $? "the broker's chain is kept as evidence"

dut legacy "$L"; run legacy
is "$(v legacy MQTT-TLS-002)" fail "a broker that allows TLS 1.1 fails MQTT-TLS-002"
like "$(cat "$TMP/legacy.tap")" "accepts TLS 1.1" "and the reason names TLS 1.1"
is "$(v legacy MQTT-TLS-004)" pass "its certificate is still sound"

dut weak "$W"; run weak
is "$(v weak MQTT-TLS-003)" fail "a broker offering NULL and anonymous suites fails MQTT-TLS-003"
like "$(cat "$TMP/weak.tap")" "accepts ECDHE-ECDSA-NULL-SHA in TLS 1.2: no encryption" "the NULL suite is named"
like "$(cat "$TMP/weak.tap")" "accepts AECDH-AES128-SHA in TLS 1.2: anonymous" "the anonymous suite is named"

dut badcert "$B"; run badcert
is "$(v badcert MQTT-TLS-004)" fail "the bad certificate fails MQTT-TLS-004"
r=$(grep -A4 "MQTT-TLS-004" "$TMP/badcert.tap" | grep reason)
like "$r" "expired: valid until" "expiry named"
like "$r" "weak key: RSA with 1024 bits" "key size named"
like "$r" "weak signature: ecdsa-with-SHA1" "SHA-1 signature named"
like "$r" "name mismatch: issued to /CN=other.example, not to the declared host 127.0.0.1" "name mismatch named"

dut plain "$(sed -n 's/^listener \([0-9]*\) .*/\1/p' "$TMP/plain.conf" | head -1)" "plaintext-ports=\"$P\""
sed -i "s/plaintext-ports=\"$NOPE\" //" "$TMP/plain.xml"
run plain
is "$(v plain MQTT-TLS-001)" fail "a plaintext listener beside the TLS one fails MQTT-TLS-001"
like "$(cat "$TMP/plain.tap")" "a plaintext MQTT listener answers at 127.0.0.1:$P" "and says where"

printf '<dut xmlns="urn:keur:dut:1" id="declared">\n  <mqtt role="broker" host="127.0.0.1" port="%s" timeout="2"/>\n</dut>\n' "$P" > "$TMP/declared.xml"
run declared
is "$(v declared MQTT-TLS-001)" fail "a declared plaintext endpoint that answers fails MQTT-TLS-001"
is "$(v declared MQTT-TLS-002)" na "with no TLS endpoint, MQTT-TLS-002 is na"

serve_peer silent "$PEER" serve silent 60
dut silent "$PORT"
start=$(date +%s)
run silent
is "$(v silent MQTT-TLS-002) $(v silent MQTT-TLS-003) $(v silent MQTT-TLS-004)" "inconc inconc inconc" "a peer that never answers the handshake: inconc, not pass"
[ $(( $(date +%s) - start )) -lt 30 ]; ok $? "and decided within the deadlines"
serve_peer close "$PEER" serve close 60
dut closing "$PORT"
run closing
is "$(v closing MQTT-TLS-002) $(v closing MQTT-TLS-003) $(v closing MQTT-TLS-004)" "inconc inconc inconc" "a peer that refuses every handshake: inconc, never a pass by default"
done_testing
