#!/usr/bin/env bash
# Audit-grade reports: report.xml against its schema, JUnit against junit-10.xsd, oscal.xml
# against OSCAL 1.1.2, report.html; keur sign and keur verify with xmlsec1 as the outside check;
# each tampering (report byte, evidence byte, journal byte, swapped certificate, another lab's
# signature, removed signature) refused by both, with keur saying which; no secret of a DUT
# description in any output (real mosquitto and libcoap's DTLS server).
. "$(dirname "$0")/lib.sh"
plan 91

D=$TOP/tests/data
XSD=$TOP/reports/report.xsd
OSCAL_XSD=$TOP/reports/schemas/oscal_assessment-results_schema.xsd
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }

# A CA of the accreditation body, two labs it certified, and a lab under another CA.
pki() {	# NAME CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=$1/CN=$1 report signing" \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/$2.pem" -CAkey "$TMP/$2.key" -CAcreateserial -days 2 \
		-out "$TMP/$1.pem" 2>/dev/null
}
for ca in body otherbody; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$ca root" \
		-keyout "$TMP/$ca.key" -out "$TMP/$ca.pem" 2>/dev/null
done
pki lab-utrecht body && pki lab-delft body && pki lab-elsewhere otherbody; ok $? "test PKI made (EC P-256)"

# ---- a signed run ----
out=$TMP/signed
"$SELF" run --dut "$D/self-dut.xml" --out "$out" --only SELF-PASS-001,SELF-EVIDENCE-001 --operator "Jan de Keurder" \
	--sign-key "$TMP/lab-utrecht.key" --sign-cert "$TMP/lab-utrecht.pem" > "$TMP/signed.tap" 2> "$TMP/signed.err"
is "$?" 0 "keur run --sign-key/--sign-cert: exit 0 for a passing run"
like "$(cat "$TMP/signed.err")" "report.xml signed by 'CN=lab-utrecht report signing,O=lab-utrecht'" "and says who signed"
xmllint --noout --schema "$XSD" "$out/report.xml" 2> "$TMP/xsd.err"; ok $? "the signed report.xml is valid against report.xsd"
is "$(xp "$out/report.xml" 'count(/*/*[local-name()="Signature"])')" 1 "one enveloped signature, at the top level"
is "$(xp "$out/report.xml" 'string(//*[local-name()="SignatureMethod"]/@Algorithm)')" \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" "ECDSA with SHA-256"
is "$(xp "$out/report.xml" 'string(//*[local-name()="CanonicalizationMethod"]/@Algorithm)')" \
	"http://www.w3.org/2001/10/xml-exc-c14n#" "exclusive C14N"
is "$(xp "$out/report.xml" 'string(//*[local-name()="operator"]/@name)')" "Jan de Keurder" "the operator is in the report"
is "$(xp "$out/report.xml" 'string(//*[local-name()="journal"]/@sha256)')" "$(sha256sum "$out/journal" | cut -d' ' -f1)" \
	"the journal's SHA-256 is in the report"
sha=$(sha256sum "$out/report.xml" | cut -c1-64)
like "$(xp "$out/label.svg" '//*[local-name()="text"]/text()' | tr '\n' ' ')" "${sha:0:32} ${sha:32:32}" \
	"label.svg carries the signed report's SHA-256"
grep -q 'This report carries an XML signature' "$out/report.html"; ok $? "report.html was rendered again and says the report is signed"

# xmlsec1 reads the signed run files by their relative URIs, so it runs in the run directory.
xmlsec1_verify() { (cd "$1" && xmlsec1 --verify --trusted-pem "$TMP/body.pem" report.xml) > "$TMP/xmlsec.out" 2>&1; }
xmlsec1_verify "$out"; ok $? "xmlsec1 --verify --trusted-pem accepts the signature"
is "$(grep -c '<Reference URI=' "$out/report.xml")" 4 "the signature covers the report, the journal and both evidence files"
grep -q 'SignedInfo References (ok/all): 4/4' "$TMP/xmlsec.out"; ok $? "and xmlsec1 checked all four"
"$KEUR" verify "$out" --ca "$TMP/body.pem" > "$TMP/verify.out" 2>&1; is "$?" 0 "keur verify DIR --ca: exit 0"
is "$(grep -c '^ok: ' "$TMP/verify.out")" 4 "four checks, all ok: schema, signature, chain, files"
like "$(cat "$TMP/verify.out")" "journal and 2 evidence file\\(s\\) match" "every evidence file was checked"
"$KEUR" verify "$out/report.xml" --ca "$TMP/body.pem" > /dev/null 2>&1; is "$?" 0 "keur verify also takes the report.xml itself"
"$KEUR" verify "$out" > "$TMP/noca.out" 2>&1; is "$?" 0 "without --ca the signature still checks"
like "$(cat "$TMP/noca.out")" "chain not checked: no --ca given" "and keur says the chain was not checked"

# ---- tampering: each caught, and the message says which ----
tamper() { rm -rf "$TMP/t-$1"; cp -a "$out" "$TMP/t-$1"; T=$TMP/t-$1; }
refused() {	# NAME WANT-REGEX XMLSEC-TOO
	"$KEUR" verify "$T" --ca "$TMP/body.pem" > "$TMP/v-$1.out" 2>&1
	is "$?" 1 "$1: keur verify refuses (exit 1)"
	like "$(cat "$TMP/v-$1.out")" "$2" "$1: and says what"
	xmlsec1_verify "$T"
	is "$?" 1 "$1: xmlsec1 --verify refuses too"
}
tamper verdict; sed -i '0,/verdict="pass"/s//verdict="fail"/' "$T/report.xml"
refused "one verdict changed in report.xml" "FAIL: the signature does not match: changed after it was signed: report.xml"
tamper byte; perl -0pi -e 's/(<reason>)i/$1I/' "$T/report.xml"
refused "one byte of a reason changed" "FAIL: the signature does not match: changed after it was signed: report.xml"
tamper evidence; printf 'X' | dd of="$T/evidence/SELF-EVIDENCE-001/frame.bin" bs=1 seek=3 conv=notrunc 2>/dev/null
refused "one evidence byte changed" "FAIL: the signature does not match: changed after it was signed: evidence/SELF-EVIDENCE-001/frame.bin"
like "$(cat "$TMP/v-one evidence byte changed.out")" "FAIL: evidence/SELF-EVIDENCE-001/frame.bin: changed since the report was written" \
	"one evidence byte changed: and the report's own hash says so too"
tamper gone; rm "$T/evidence/SELF-EVIDENCE-001/frame.bin"
refused "an evidence file removed" "FAIL: the signature cannot be checked: evidence/SELF-EVIDENCE-001/frame.bin, which it covers, is missing"
tamper journal; sed -i 's/^end finished=/end finished=1/' "$T/journal"
refused "the journal changed" "FAIL: the signature does not match: changed after it was signed: journal"
like "$(cat "$TMP/v-the journal changed.out")" "FAIL: journal: changed since the report was written" "the journal changed: and its hash in the report says so too"
tamper swapped; python3 - "$T/report.xml" "$TMP/lab-delft.pem" <<'EOF'
import re, sys
doc, pem = sys.argv[1], open(sys.argv[2]).read()
b64 = ''.join(l for l in pem.splitlines() if '-----' not in l)
s = open(doc).read()
s = re.sub(r'(<X509Certificate>).*?(</X509Certificate>)', lambda m: m.group(1) + b64 + m.group(2), s, flags=re.S)
open(doc, 'w').write(s)
EOF
refused "another lab's certificate swapped in" "FAIL: the signature does not match: it was not made with the key of the certificate in the signature"
tamper resigned; "$KEUR" sign "$T" --key "$TMP/lab-elsewhere.key" --cert "$TMP/lab-elsewhere.pem" > /dev/null 2>&1
refused "re-signed by a lab the CA did not certify" "FAIL: the certificate 'CN=lab-elsewhere report signing,O=lab-elsewhere' \\(issued by 'CN=otherbody root'\\) does not chain to the CA"
tamper unsigned; perl -0pi -e 's/<Signature .*<\/Signature>\n?//s' "$T/report.xml"
refused "signature removed" "FAIL: .*report.xml is not signed"
tamper outside; sed -i 's|<Reference URI="journal">|<Reference URI="../../../etc/passwd">|' "$T/report.xml"
"$KEUR" verify "$T" --ca "$TMP/body.pem" > "$TMP/v-out.out" 2>&1; is "$?" 1 "a reference to a file outside the run: refused"
like "$(cat "$TMP/v-out.out")" "reference 2 is '../../../etc/passwd' where keur signs 'journal'" "before anything is read, naming the reference"
tamper broken; perl -0pi -e 's/<cases>/<cases/' "$T/report.xml"
"$KEUR" verify "$T" --ca "$TMP/body.pem" > "$TMP/v-broken.out" 2>&1; is "$?" 2 "a report that no longer parses: exit 2"
like "$(cat "$TMP/v-broken.out")" "is not a keur report \\(report.xsd\\): line [0-9]+" "naming the line"

# ---- signing refuses what it should ----
openssl genrsa -out "$TMP/rsa.key" 2048 2>/dev/null
"$KEUR" sign "$out" --key "$TMP/rsa.key" --cert "$TMP/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "an RSA key is refused"
like "$(cat "$TMP/s.err")" "holds an RSA key; keur signs with ECDSA" "saying why"
"$KEUR" sign "$out" --key "$TMP/lab-delft.key" --cert "$TMP/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"
like "$(cat "$TMP/s.err")" "does not belong to the certificate" "a key that is not the certificate's is refused"
tamper evsign; printf 'Y' >> "$T/evidence/SELF-EVIDENCE-001/frame.bin"
"$KEUR" sign "$T" --key "$TMP/lab-utrecht.key" --cert "$TMP/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "keur sign refuses a run whose evidence changed"
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/badkey" --only SELF-PASS-001 --sign-key "$TMP/rsa.key" --sign-cert "$TMP/lab-utrecht.pem" \
	> /dev/null 2> "$TMP/bk.err"; is "$?" 2 "keur run with an unusable signing key: exit 2"
[ ! -e "$TMP/badkey/journal" ]; ok $? "before any case ran"

# keur report on a signed run keeps the signed report.xml.
before=$(sha256sum "$out/report.xml")
"$KEUR" report "$out" > /dev/null 2> "$TMP/rep.err"
is "$(sha256sum "$out/report.xml")" "$before" "keur report leaves a signed report.xml as it is"
like "$(cat "$TMP/rep.err")" "is signed; left as it is" "and says so"
"$KEUR" verify "$out" --ca "$TMP/body.pem" > /dev/null 2>&1; is "$?" 0 "the run still verifies after keur report"
"$KEUR" sign "$out" --key "$TMP/lab-delft.key" --cert "$TMP/lab-delft.pem" > "$TMP/resign.out" 2>&1; is "$?" 0 "signing again replaces the signature"
xmlsec1_verify "$out"; ok $? "and xmlsec1 accepts the new one"
is "$(xp "$out/report.xml" 'count(//*[local-name()="Signature"])')" 1 "still one signature"

# A signed run killed mid-way is signed when --resume finishes it, with the key its journal names.
k=$TMP/killed
KEUR_SELFTEST_SLOW_MS=400 bg "$SELF" run --dut "$D/self-dut.xml" --out "$k" --only SELF-SLOW-001,SELF-SLOW-002,SELF-SLOW-004,SELF-EVIDENCE-001 \
	--sign-key "$TMP/lab-utrecht.key" --sign-cert "$TMP/lab-utrecht.pem" > /dev/null 2>&1
poll_until 10 grep -qs '^case id=SELF-SLOW-001 ' "$k/journal"; ok $? "signed run: the first case journaled"
kill -9 "$BG"; wait "$BG" 2>/dev/null
[ ! -s "$k/report.xml" ] || ! grep -q 'xmldsig' "$k/report.xml"; ok $? "killed before the end: no signed report yet"
"$SELF" run --resume "$k" > /dev/null 2> "$TMP/resume.err"; is "$?" 0 "keur run --resume finishes it"
like "$(cat "$TMP/resume.err")" "report.xml signed by 'CN=lab-utrecht" "and signs it with the journal's key"
"$KEUR" verify "$k" --ca "$TMP/body.pem" > /dev/null 2>&1; is "$?" 0 "the resumed, signed run verifies"

# ---- the schemas, and what each format says (a profile run: pass, fail, inconc, na, docs) ----
p=$TMP/prof
"$SELF" run --dut "$D/self-dut.xml" --profile "$D/self-profile.xml" --out "$p" > /dev/null 2>&1
xmllint --noout --schema "$XSD" "$p/report.xml" 2>/dev/null; ok $? "report.xml (unsigned, with a profile) is valid against report.xsd"
xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$p/junit.xml" 2>/dev/null; ok $? "junit.xml is valid against junit-10.xsd"
is "$(xp "$p/junit.xml" 'count(//testcase[@classname != ../@name])')" 0 "JUnit: every testcase's classname is its testsuite's name (GitLab's grouping)"
is "$(xp "$p/junit.xml" 'string(//testcase[1]/@name)')" "SELF-PASS-001 a case that passes" "JUnit: name is the case ID and title"
xmllint --noout --schema "$OSCAL_XSD" "$p/oscal.xml" 2>/dev/null; ok $? "oscal.xml is valid against the OSCAL 1.1.2 assessment-results schema"
is "$(xp "$p/oscal.xml" 'count(//*[local-name()="observation"])')" 4 "OSCAL: an observation per case that ran"
is "$(xp "$p/oscal.xml" 'count(//*[local-name()="observation"][*[local-name()="method"]="TEST"])')" 4 "each with method TEST"
is "$(xp "$p/oscal.xml" 'count(//*[local-name()="finding"])')" 3 "a finding per requirement keur decided (not the docs one)"
is "$(xp "$p/oscal.xml" 'string(//*[local-name()="target"][@target-id="SELF-REQ-2"]/*[local-name()="status"]/@state)')" not-satisfied \
	"the failed requirement is not-satisfied"
is "$(xp "$p/oscal.xml" 'string(//*[local-name()="target"][@target-id="SELF-REQ-1"]/*[local-name()="status"]/@state)')" satisfied \
	"the passed requirement is satisfied"
is "$(xp "$p/oscal.xml" 'concat(//*[local-name()="finding"][*[local-name()="target"]/@target-id="SELF-REQ-3"]/*[local-name()="prop"][@name="verdict"]/@value, " ", //*[local-name()="target"][@target-id="SELF-REQ-3"]/*[local-name()="status"]/@reason)')" \
	"inconc other" "the undecided requirement keeps its verdict inconc (reason other), not fail"
ru=$(xp "$p/oscal.xml" 'string(//*[local-name()="finding"][*[local-name()="target"]/@target-id="SELF-REQ-1"]/*[local-name()="related-observation"][1]/@observation-uuid)')
is "$(xp "$p/oscal.xml" "string(//*[local-name()='observation'][@uuid='$ru']/*[local-name()='prop'][@name='case-id']/@value)")" SELF-PASS-001 \
	"a finding points at the observation of its case"
like "$(xp "$p/oscal.xml" 'string(//*[local-name()="result"]/*[local-name()="remarks"])')" "SELF-REQ-4: assessed outside keur" \
	"the docs requirement is named as assessed outside keur"
xmllint --noout --schema "$OSCAL_XSD" "$out/oscal.xml" 2>/dev/null; ok $? "oscal.xml without a profile is valid too"
is "$(xp "$out/oscal.xml" 'string(//*[local-name()="relevant-evidence"]/@href)')" "evidence/SELF-EVIDENCE-001/frame.bin" "OSCAL: evidence as relevant-evidence"
cp "$p/oscal.xml" "$TMP/oscal.1"; "$KEUR" report "$p" > /dev/null 2>&1
cmp -s "$TMP/oscal.1" "$p/oscal.xml"; ok $? "keur report writes the same oscal.xml again (UUIDs derived, not random)"

# report.html: the label, then failed requirements before the rest.
h=$p/report.html
grep -q 'This report is not signed' "$h"; ok $? "report.html says the report is not signed"
grep -q '<span class="small">security level</span><b>basic</b>' "$h"; ok $? "report.html shows the label's level"
order=$(grep -o 'id="req-SELF-REQ-[0-9]"' "$h" | tr -dc '0-9\n' | tr '\n' ' ')
is "$order" "2 3 1 4 " "report.html: failed, undecided, passed, then the docs requirement"

# ---- no secret of the DUT description reaches any output ----
mosquitto_passwd -c -b "$TMP/passwd" lab-test 'Secret-Mqtt-Pw-1' > /dev/null 2>&1
mosquitto_passwd -b "$TMP/passwd" owner 'Secret-Owner-Pw-2' > /dev/null 2>&1
chmod 644 "$TMP/passwd"
printf 'Secret-Owner-Pw-2\n' > "$TMP/owner.pw"
printf 'Secret-Psk-Key-3' > "$TMP/coap.psk"
M=$(freeport)
start_mosquitto secrets "listener $M 127.0.0.1
allow_anonymous false
password_file $TMP/passwd"
CS=$(freeport)
bg coap-server-openssl -A 127.0.0.1 -p "$CS" -k Secret-Psk-Key-3 > /dev/null 2>&1
poll_until 5 bash -c "coap-client-openssl -B 1 -u any -k Secret-Psk-Key-3 -m get coaps://127.0.0.1:$((CS + 1))/ 2>/dev/null | grep -q libcoap"
ok $? "mosquitto with passwords and libcoap's DTLS-PSK server are up"
cat > "$TMP/secrets.xml" <<EOF
<dut xmlns="urn:keur:dut:1" id="secrets">
  <identity vendor="Acme" model="Vault" firmware="1.0"/>
  <mqtt role="broker" host="127.0.0.1" port="$M" username="lab-test" password="Secret-Mqtt-Pw-1" timeout="2">
    <account username="owner" password-file="$TMP/owner.pw" topic="vault/owner"/>
  </mqtt>
  <coap uri="coaps://127.0.0.1:$((CS + 1))/" plain-port="$CS" psk-identity="keur" psk-key-file="$TMP/coap.psk" timeout="2"/>
</dut>
EOF
s=$TMP/secret-run
"$KEUR" run --dut "$TMP/secrets.xml" --out "$s" --only MQTT-AUTH-002,MQTT-ACL-001,COAP-SEC-001 \
	--sign-key "$TMP/lab-utrecht.key" --sign-cert "$TMP/lab-utrecht.pem" > "$TMP/secrets.tap" 2> "$TMP/secrets.err"
is "$(verdict_of "$TMP/secrets.tap" MQTT-ACL-001)" "$(verdict_of "$TMP/secrets.tap" MQTT-ACL-001 | grep -E '^(pass|fail)$')" \
	"the secrets were used: MQTT-ACL-001 logged in and decided ($(verdict_of "$TMP/secrets.tap" MQTT-ACL-001))"
[ -s "$s/report.xml" ] && [ -s "$s/oscal.xml" ] && [ -s "$s/report.html" ] && [ -d "$s/evidence" ]; ok $? "every output was written"
leaks=$(grep -rl -e 'Secret-Mqtt-Pw-1' -e 'Secret-Owner-Pw-2' -e 'Secret-Psk-Key-3' "$s" "$TMP/secrets.tap" "$TMP/secrets.err")
is "$leaks" "" "no password or PSK in the journal, TAP, JUnit, report.xml, oscal.xml, report.html, label or evidence"
"$KEUR" verify "$s" --ca "$TMP/body.pem" > /dev/null 2>&1; is "$?" 0 "the signed run against real peers verifies"

done_testing
