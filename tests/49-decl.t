#!/usr/bin/env bash
# DECL-SUPPORT-001 and DECL-SBOM-001 on loopback: support periods long enough, too short and
# missing; SBOMs in CycloneDX JSON and XML and SPDX JSON and tag-value, read against what the
# reference device (Modbus device identification) and a real mosquitto ($SYS/broker/version)
# disclose; SBOMs that do not parse, list nothing, or miss what the device shows.
. "$(dirname "$0")/lib.sh"
plan 21

mbdev dev
MQ=$(freeport)
start_mosquitto mq "listener $MQ 127.0.0.1
allow_anonymous true
sys_interval 1"
MQVER=$(timeout 5 mosquitto_sub -h 127.0.0.1 -p "$MQ" -t '$SYS/broker/version' -C 1 -W 4 2>/dev/null | awk '{print $NF}')
dut() { # dut NAME DECLARES-ATTRIBUTES [broker]
	{
		printf '<dut xmlns="urn:keur:dut:1" id="%s">\n  <identity vendor="keur" model="simdev" firmware="1.0.0"/>\n' "$1"
		printf '  <declares %s/>\n' "$2"
		if [ "${3:-}" = broker ]; then
			printf '  <mqtt role="broker" host="127.0.0.1" port="%s"/>\n' "$MQ"
		else
			printf '  <modbus host="127.0.0.1" port="%s" unit="1" timeout="1"/>\n' "$dev_mb"
		fi
		printf '</dut>\n'
	} > "$TMP/$1.xml"
}
run() { "$KEUR" run --dut "$TMP/$1.xml" --out "$TMP/out-$1" --only "$2" > "$TMP/$1.tap" 2>"$TMP/$1.err"; }
reason() { awk -v id="$2" '$0 ~ "^(not )?ok [0-9]+ - " id " " { hit = 1; next } hit && /^  reason: / { print; exit }' "$TMP/$1.tap"; }
v() { verdict_of "$TMP/$1.tap" "$2"; }

# ---- the support period ----
dut long 'support-until="2031-12" market-date="2026-01"'
run long DECL-SUPPORT-001
is "$(v long DECL-SUPPORT-001)" pass "support until 2031-12 from market 2026-01 -> pass"
like "$(reason long DECL-SUPPORT-001)" "5 years 11 months after the market date 2026-01" "the reason gives the period"
dut short 'support-until="2030-06" market-date="2026-01"'
run short DECL-SUPPORT-001
is "$(v short DECL-SUPPORT-001)" fail "4 years 5 months -> fail"
like "$(reason short DECL-SUPPORT-001)" "4 years 5 months .* less than five years" "saying how short"
dut edge 'support-until="2031-01-14" market-date="2026-01-15"'
run edge DECL-SUPPORT-001
is "$(v edge DECL-SUPPORT-001)" fail "one day short of five years -> fail"
dut nodate 'market-date="2026-01"'
run nodate DECL-SUPPORT-001
is "$(v nodate DECL-SUPPORT-001)" fail "no support end date -> fail"
like "$(reason nodate DECL-SUPPORT-001)" "no support end date is declared" "naming what is missing"
dut nomarket 'support-until="2031-12"'
run nomarket DECL-SUPPORT-001
is "$(v nomarket DECL-SUPPORT-001)" fail "no market date -> fail"

# ---- SBOMs against the reference device (it shows keur-simdev 1.0.0 over Modbus 43/14) ----
cat > "$TMP/good.cdx.json" <<'J'
{ "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": { "component": { "type": "firmware", "name": "keur-simdev", "version": "1.0.0" } },
  "components": [ { "type": "library", "name": "libmodbus", "version": "3.1.6",
                    "components": [ { "name": "nested", "version": "1" } ] } ] }
J
dut sbom-json 'sbom="good.cdx.json"'
run sbom-json DECL-SBOM-001
is "$(v sbom-json DECL-SBOM-001)" pass "CycloneDX JSON naming keur-simdev 1.0.0 -> pass"
like "$(reason sbom-json DECL-SBOM-001)" "CycloneDX JSON, 3 components.*keur-simdev 1.0.0 \\(Modbus device identification\\) listed" \
	"nested components counted; the Modbus disclosure found"
grep -q "^nested	1$" "$TMP/out-sbom-json/evidence/DECL-SBOM-001/components.txt"; ok $? "components.txt lists every component"

cat > "$TMP/old.cdx.xml" <<'X'
<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <metadata><component type="firmware"><name>keur-simdev</name><version>0.9.0</version></component></metadata>
  <components><component type="library"><name>openssl</name><version>3.0.0</version></component></components>
</bom>
X
dut sbom-xml 'sbom="old.cdx.xml"'
run sbom-xml DECL-SBOM-001
is "$(v sbom-xml DECL-SBOM-001)" fail "CycloneDX XML listing keur-simdev 0.9.0 while the device shows 1.0.0 -> fail"
like "$(reason sbom-xml DECL-SBOM-001)" "shows keur-simdev 1.0.0, but the SBOM lists keur-simdev at another version" \
	"naming the component and both versions' mismatch"

printf 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nPackageName: openssl\nPackageVersion: 3.0.0\n' > "$TMP/nodev.spdx"
dut sbom-tv 'sbom="nodev.spdx"'
run sbom-tv DECL-SBOM-001
is "$(v sbom-tv DECL-SBOM-001)" fail "SPDX tag-value without the firmware -> fail"
like "$(reason sbom-tv DECL-SBOM-001)" "which the SBOM does not list" "saying it is not listed"

printf '{ "bomFormat": "CycloneDX", "components": [ { "name": "x" ' > "$TMP/broken.json"
dut sbom-broken 'sbom="broken.json"'
run sbom-broken DECL-SBOM-001
is "$(v sbom-broken DECL-SBOM-001)" fail "an SBOM that is not JSON -> fail"
like "$(reason sbom-broken DECL-SBOM-001)" "does not parse: it is not valid JSON" "saying it does not parse"

dut sbom-none 'support-until="2031-12"'
run sbom-none DECL-SBOM-001
like "$(v sbom-none DECL-SBOM-001) $(reason sbom-none DECL-SBOM-001)" "^fail .*no SBOM is supplied" "no SBOM -> fail"

# ---- against a real mosquitto ($SYS/broker/version) ----
printf '{ "spdxVersion": "SPDX-2.3", "packages": [ { "name": "mosquitto", "versionInfo": "%s" } ] }\n' "$MQVER" > "$TMP/mq.spdx.json"
dut sbom-mq 'sbom="mq.spdx.json"' broker
run sbom-mq DECL-SBOM-001
is "$(v sbom-mq DECL-SBOM-001)" pass "SPDX JSON naming mosquitto $MQVER, which the broker shows -> pass"
like "$(reason sbom-mq DECL-SBOM-001)" "mosquitto $MQVER \\(\\\$SYS/broker/version\\) listed" "the broker's version was read"
printf '{ "spdxVersion": "SPDX-2.3", "packages": [ { "name": "mosquitto", "versionInfo": "1.4.0" } ] }\n' > "$TMP/mq-old.spdx.json"
dut sbom-mq-old 'sbom="mq-old.spdx.json"' broker
run sbom-mq-old DECL-SBOM-001
is "$(v sbom-mq-old DECL-SBOM-001)" fail "an SBOM with another mosquitto version -> fail"
