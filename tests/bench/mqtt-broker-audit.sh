#!/usr/bin/env bash
# Benchmark: keur's broker audit (MQTT-AUTH-001/002, MQTT-ACL-002, MQTT-TLS-001..004) against the
# nearest thing the usual tools do together: nmap's mqtt-subscribe script (anonymous CONNECT and
# a $SYS/# subscription on the plaintext port) plus sslscan (versions, suites, certificate on
# the TLS port).  One mosquitto with a TLS and a plaintext listener and anonymous access on, on
# loopback; ROUNDS rounds (default 3); both listen 3 s for $SYS messages.  Prints what each found
# and the median times; asserts nothing.
#   bash tests/bench/mqtt-broker-audit.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-3}
for t in sslscan nmap; do
	command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install $t)" >&2; exit 2; }
done

make_tls b >/dev/null
mosquitto_passwd -c -b "$TMP/passwd" lab-test 'bench-only-pw' >/dev/null 2>&1
chmod 644 "$TMP"/*
T=$(freeport); P=$(freeport)
start_mosquitto broker "per_listener_settings false
allow_anonymous true
password_file $TMP/passwd
listener $T 127.0.0.1
cafile $TMP/b-ca.pem
certfile $TMP/b-server.pem
keyfile $TMP/b-server.key
listener $P 127.0.0.1"
printf '<dut xmlns="urn:keur:dut:1" id="bench">\n  <mqtt role="broker" host="127.0.0.1" port="%s" tls="true" ca-file="%s" plaintext-ports="%s" username="lab-test" password="bench-only-pw" timeout="2"/>\n</dut>\n' \
	"$T" "$TMP/b-ca.pem" "$P" > "$TMP/dut.xml"
CASES=MQTT-AUTH-001,MQTT-AUTH-002,MQTT-ACL-002,MQTT-TLS-001,MQTT-TLS-002,MQTT-TLS-003,MQTT-TLS-004

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s%N; }
kt=(); pt=()
for r in $(seq "$ROUNDS"); do
	rm -rf "$TMP/out"
	s=$(now); "$KEUR" run --dut "$TMP/dut.xml" --out "$TMP/out" --only "$CASES" > "$TMP/keur.tap" 2>/dev/null; e=$(now)
	kt+=($(( (e - s) / 1000000 )))
	s=$(now)
	nmap -n -Pn -p "$P" --script +mqtt-subscribe --script-args 'mqtt-subscribe.listen-time=3s,mqtt-subscribe.listen-msgs=50' \
		127.0.0.1 > "$TMP/nmap.txt" 2>&1
	sslscan --no-colour --no-heartbleed --no-compression --no-renegotiation --no-fallback --no-groups "127.0.0.1:$T" \
		> "$TMP/sslscan.txt" 2>&1
	e=$(now)
	pt+=($(( (e - s) / 1000000 )))
done
km=$(printf '%s\n' "${kt[@]}" | median); pm=$(printf '%s\n' "${pt[@]}" | median)
echo "keur (7 cases, with journal and reports): ${km} ms median of ${ROUNDS}"
echo "nmap mqtt-subscribe + sslscan:            ${pm} ms median of ${ROUNDS}"
awk -v k="$km" -v p="$pm" 'BEGIN { printf "ratio keur / (nmap + sslscan): %.2f\n", k / p }'
echo
echo "keur found:"
awk '/^(not )?ok [0-9]+ - /{ id = $0; sub(/^(not )?ok [0-9]+ - /, "", id); sub(/ .*/, "", id) }
	/^  verdict: /{ v = $2 } /^  reason: /{ r = $0; sub(/^  reason: /, "", r) }
	/^  duration_ms: /{ printf "  %-14s %-7s %5d ms  %s\n", id, v, $2, substr(r, 1, 100) }' "$TMP/keur.tap"
echo "nmap mqtt-subscribe found:"
grep -E '\$SYS/broker/version' "$TMP/nmap.txt" | sed 's/^/  /' | head -4
echo "  ($(grep -c '\$SYS/' "$TMP/nmap.txt") \$SYS topics listed)"
echo "sslscan found:"
grep -E '^(SSLv|TLSv)[0-9.]+ +(enabled|disabled)' "$TMP/sslscan.txt" | sed 's/^/  /' | tr -s ' '
echo "  $(grep -cE '^(Accepted|Preferred)' "$TMP/sslscan.txt") (version, suite) pairs accepted; $(grep -E '^Signature Algorithm|^ECC Curve Name|^RSA Key Strength|^Not valid after' "$TMP/sslscan.txt" | tr -s ' ' | paste -sd';')"
