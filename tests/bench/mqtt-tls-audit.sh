#!/usr/bin/env bash
# Benchmark: keur's broker TLS audit (MQTT-TLS-002/003/004) against sslscan on the same brokers,
# in one run: what each finds (protocol versions and suites accepted) and how long each takes.
# Loopback only; ROUNDS rounds per broker (default 5); prints figures, asserts nothing.
#   bash tests/bench/mqtt-tls-audit.sh [ROUNDS]
. "$(dirname "$0")/../lib.sh"
ROUNDS=${1:-5}
command -v sslscan >/dev/null || { echo "bench: sslscan is missing (apt-get install sslscan)" >&2; exit 2; }

make_tls a >/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$TMP/r.key" -out "$TMP/r.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$TMP/r.ext"
openssl x509 -req -in "$TMP/r.csr" -CA "$TMP/a-ca.pem" -CAkey "$TMP/a-ca.key" -CAcreateserial -days 2 \
	-extfile "$TMP/r.ext" -out "$TMP/r.pem" 2>/dev/null
chmod 644 "$TMP"/*

listener() { printf 'listener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nallow_anonymous true\n%s\n' \
	"$1" "$TMP/a-ca.pem" "$TMP/$2.pem" "$TMP/$2.key" "${3:-}"; }
declare -A PORT CONF
PORT[ec-tls12+]=$(freeport); CONF[ec-tls12+]=$(listener "${PORT[ec-tls12+]}" a-server)
PORT[rsa-legacy]=$(freeport); CONF[rsa-legacy]=$(listener "${PORT[rsa-legacy]}" r 'ciphers ALL:@SECLEVEL=0')
PORT[ec-weak]=$(freeport); CONF[ec-weak]=$(listener "${PORT[ec-weak]}" a-server 'ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:AECDH-AES128-SHA:@SECLEVEL=0')
for b in "${!PORT[@]}"; do start_mosquitto "$b" "${CONF[$b]}"; done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

printf '%-12s %10s %12s %7s  %s\n' broker "keur ms" "sslscan ms" ratio "agreement (version, suite) accepted"
ratios=()
for b in ec-tls12+ rsa-legacy ec-weak; do
	p=${PORT[$b]}
	printf '<dut xmlns="urn:keur:dut:1" id="bench">\n  <mqtt role="broker" host="127.0.0.1" port="%s" tls="true" ca-file="%s" timeout="2"/>\n</dut>\n' \
		"$p" "$TMP/a-ca.pem" > "$TMP/$b.xml"
	kt=(); st=()
	for r in $(seq "$ROUNDS"); do
		rm -rf "$TMP/out-$b"
		kt+=("$(ms "$KEUR" run --dut "$TMP/$b.xml" --out "$TMP/out-$b" --only MQTT-TLS-002,MQTT-TLS-003,MQTT-TLS-004)")
		st+=("$(ms sslscan --no-colour --no-heartbleed --no-compression --no-renegotiation --no-fallback --no-groups "127.0.0.1:$p")")
	done
	km=$(printf '%s\n' "${kt[@]}" | median); sm=$(printf '%s\n' "${st[@]}" | median)
	# What each found: "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256" lines, sorted.
	awk -F'\t' '{ sub(/TLS /, "TLSv", $2); print $2, $3 }' "$TMP/out-$b/evidence/MQTT-TLS-003/suites.txt" | sort > "$TMP/$b.keur"
	sslscan --no-colour --no-heartbleed --no-compression --no-renegotiation --no-fallback --no-groups "127.0.0.1:$p" 2>/dev/null |
		awk '$1 == "Accepted" || $1 == "Preferred" { print $2, $5 }' | sort > "$TMP/$b.sslscan"
	if cmp -s "$TMP/$b.keur" "$TMP/$b.sslscan"; then
		agree="same $(wc -l < "$TMP/$b.keur") pairs"
	else
		agree="DIFFER: keur only: $(comm -23 "$TMP/$b.keur" "$TMP/$b.sslscan" | tr '\n' ';') sslscan only: $(comm -13 "$TMP/$b.keur" "$TMP/$b.sslscan" | tr '\n' ';')"
	fi
	ratio=$(awk -v k="$km" -v s="$sm" 'BEGIN { printf "%.2f", k / s }')
	ratios+=("$ratio")
	printf '%-12s %10s %12s %7s  %s\n' "$b" "$km" "$sm" "$ratio" "$agree"
done
printf 'median keur/sslscan time ratio over the brokers: %s (%s rounds each; keur includes process start, journal and reports)\n' \
	"$(printf '%s\n' "${ratios[@]}" | median)" "$ROUNDS"
