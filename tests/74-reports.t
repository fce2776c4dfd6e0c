#!/usr/bin/env bash
# Audit-grade reports: report.xml against its schema, JUnit against junit-10.xsd, oscal.xml
# against OSCAL 1.1.2, report.html; keur sign and keur verify with xmlsec1 as the outside check,
# for EC P-256 (ECDSA-SHA256) and RSA-2048 (RSA-SHA256) lab keys alike; each tampering (report
# byte, evidence byte, journal byte, swapped certificate, another lab's signature, removed
# signature, a SignatureMethod that is not the key's) refused by both, with keur saying which;
# RSA-3072 signs, RSA-1024, RSA-PSS and Ed25519 keys are refused; no secret of a DUT
# description in any output (real mosquitto and libcoap's DTLS server).
. "$(dirname "$0")/lib.sh"
plan 178

D=$TOP/tests/data
XSD=$TOP/reports/report.xsd
OSCAL_XSD=$TOP/reports/schemas/oscal_assessment-results_schema.xsd
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }

# Every signing check runs for each key type keur signs with: EC P-256 (ECDSA-SHA256) and
# RSA-2048 (RSA-SHA256, PKCS#1 v1.5), each PKI in its own $TMP/KT with the same names.
KTS="ec rsa"
declare -A NEWKEY=([ec]="ec -pkeyopt ec_paramgen_curve:P-256" [rsa]="rsa:2048")
declare -A KTN=([ec]="EC P-256" [rsa]="RSA-2048")
declare -A ALG=([ec]="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" [rsa]="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
declare -A ALGN=([ec]="ECDSA-SHA256" [rsa]="RSA-SHA256")
declare -A KEYT=([ec]="an EC key" [rsa]="an RSA key")
declare -A OTHER=([ec]=rsa [rsa]=ec)
declare -A SHA1=([ec]="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1" [rsa]="http://www.w3.org/2000/09/xmldsig#rsa-sha1")

# A CA of the accreditation body, two labs it certified, and a lab under another CA.
pki() {	# NAME CA [NEWKEY]: in $P, with the key type's key unless NEWKEY is given
	openssl req -newkey ${3:-${NEWKEY[$kt]}} -nodes -subj "/O=$1/CN=$1 report signing" \
		-keyout "$P/$1.key" -out "$P/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial -days 2 \
		-out "$P/$1.pem" 2>/dev/null
}
for kt in $KTS; do
	P=$TMP/$kt
	mkdir "$P"
	for ca in body otherbody; do
		openssl req -x509 -newkey ${NEWKEY[$kt]} -nodes -days 2 -subj "/CN=$ca root" \
			-keyout "$P/$ca.key" -out "$P/$ca.pem" 2>/dev/null
	done
	pki lab-utrecht body && pki lab-delft body && pki lab-elsewhere otherbody; ok $? "test PKI made (${KTN[$kt]})"
done

# xmlsec1 reads the signed run files by their relative URIs, so it runs in the run directory.
xmlsec1_verify() { (cd "$1" && xmlsec1 --verify --trusted-pem "$P/body.pem" report.xml) > "$TMP/xmlsec.out" 2>&1; }

# Puts the certificate in PEM file $2 into the signature of report $1, in place of the signer's.
swap_cert() {
	python3 - "$1" "$2" <<'EOF'
import re, sys
doc, pem = sys.argv[1], open(sys.argv[2]).read()
b64 = ''.join(l for l in pem.splitlines() if '-----' not in l)
s = open(doc).read()
s = re.sub(r'(<X509Certificate>).*?(</X509Certificate>)', lambda m: m.group(1) + b64 + m.group(2), s, flags=re.S)
open(doc, 'w').write(s)
EOF
}

# ---- a signed run ----
signed_run() {	# with $kt's PKI in $P; the run in $out
	local K=${KTN[$kt]}
	out=$P/signed
	"$SELF" run --dut "$D/self-dut.xml" --out "$out" --only SELF-PASS-001,SELF-EVIDENCE-001 --operator "Jan de Keurder" \
		--sign-key "$P/lab-utrecht.key" --sign-cert "$P/lab-utrecht.pem" > "$P/signed.tap" 2> "$P/signed.err"
	is "$?" 0 "$K: keur run --sign-key/--sign-cert: exit 0 for a passing run"
	like "$(cat "$P/signed.err")" "report.xml signed by 'CN=lab-utrecht report signing,O=lab-utrecht'" "$K: and says who signed"
	xmllint --noout --schema "$XSD" "$out/report.xml" 2> "$P/xsd.err"; ok $? "$K: the signed report.xml is valid against report.xsd"
	is "$(xp "$out/report.xml" 'count(/*/*[local-name()="Signature"])')" 1 "$K: one enveloped signature, at the top level"
	is "$(xp "$out/report.xml" 'string(//*[local-name()="SignatureMethod"]/@Algorithm)')" "${ALG[$kt]}" \
		"$K: SignatureMethod ${ALG[$kt]#*#}"
	is "$(xp "$out/report.xml" 'string(//*[local-name()="CanonicalizationMethod"]/@Algorithm)')" \
		"http://www.w3.org/2001/10/xml-exc-c14n#" "$K: exclusive C14N"
	is "$(xp "$out/report.xml" 'string(//*[local-name()="operator"]/@name)')" "Jan de Keurder" "$K: the operator is in the report"
	is "$(xp "$out/report.xml" 'string(//*[local-name()="journal"]/@sha256)')" "$(sha256sum "$out/journal" | cut -d' ' -f1)" \
		"$K: the journal's SHA-256 is in the report"
	local sha=$(sha256sum "$out/report.xml" | cut -c1-64)
	like "$(xp "$out/label.svg" '//*[local-name()="text"]/text()' | tr '\n' ' ')" "${sha:0:32} ${sha:32:32}" \
		"$K: label.svg carries the signed report's SHA-256"
	grep -q 'This report carries an XML signature' "$out/report.html"; ok $? "$K: report.html was rendered again and says the report is signed"

	xmlsec1_verify "$out"; ok $? "$K: xmlsec1 --verify --trusted-pem accepts the signature"
	is "$(grep -c '<Reference URI=' "$out/report.xml")" 4 "$K: the signature covers the report, the journal and both evidence files"
	grep -q 'SignedInfo References (ok/all): 4/4' "$TMP/xmlsec.out"; ok $? "$K: and xmlsec1 checked all four"
	"$KEUR" verify "$out" --ca "$P/body.pem" > "$P/verify.out" 2>&1; is "$?" 0 "$K: keur verify DIR --ca: exit 0"
	is "$(grep -c '^ok: ' "$P/verify.out")" 4 "$K: four checks, all ok: schema, signature, chain, files"
	like "$(cat "$P/verify.out")" "ok: +signature \\(${ALGN[$kt]};" "$K: keur verify names the method it checked, ${ALGN[$kt]}"
	like "$(cat "$P/verify.out")" "journal and 2 evidence file\\(s\\) match" "$K: every evidence file was checked"
	"$KEUR" verify "$out/report.xml" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 0 "$K: keur verify also takes the report.xml itself"
	"$KEUR" verify "$out" > "$P/noca.out" 2>&1; is "$?" 0 "$K: without --ca the signature still checks"
	like "$(cat "$P/noca.out")" "chain not checked: no --ca given" "$K: and keur says the chain was not checked"
}

# ---- tampering: each caught, and the message says which ----
tamper() { rm -rf "$P/t-$1"; cp -a "$out" "$P/t-$1"; T=$P/t-$1; }
refused() {	# NAME WANT-REGEX
	local K=${KTN[$kt]}
	"$KEUR" verify "$T" --ca "$P/body.pem" > "$P/v-$1.out" 2>&1
	is "$?" 1 "$K: $1: keur verify refuses (exit 1)"
	like "$(cat "$P/v-$1.out")" "$2" "$K: $1: and says what"
	xmlsec1_verify "$T"
	is "$?" 1 "$K: $1: xmlsec1 --verify refuses too"
}
tampering() {	# the run in $out, signed with $kt's PKI in $P
	local K=${KTN[$kt]} o=${OTHER[$kt]}
	tamper verdict; sed -i '0,/verdict="pass"/s//verdict="fail"/' "$T/report.xml"
	refused "one verdict changed in report.xml" "FAIL: the signature does not match: changed after it was signed: report.xml"
	tamper byte; perl -0pi -e 's/(<reason>)i/$1I/' "$T/report.xml"
	refused "one byte of a reason changed" "FAIL: the signature does not match: changed after it was signed: report.xml"
	tamper evidence; printf 'X' | dd of="$T/evidence/SELF-EVIDENCE-001/frame.bin" bs=1 seek=3 conv=notrunc 2>/dev/null
	refused "one evidence byte changed" "FAIL: the signature does not match: changed after it was signed: evidence/SELF-EVIDENCE-001/frame.bin"
	like "$(cat "$P/v-one evidence byte changed.out")" "FAIL: evidence/SELF-EVIDENCE-001/frame.bin: changed since the report was written" \
		"$K: one evidence byte changed: and the report's own hash says so too"
	tamper gone; rm "$T/evidence/SELF-EVIDENCE-001/frame.bin"
	refused "an evidence file removed" "FAIL: the signature cannot be checked: evidence/SELF-EVIDENCE-001/frame.bin, which it covers, is missing"
	tamper journal; sed -i 's/^end finished=/end finished=1/' "$T/journal"
	refused "the journal changed" "FAIL: the signature does not match: changed after it was signed: journal"
	like "$(cat "$P/v-the journal changed.out")" "FAIL: journal: changed since the report was written" \
		"$K: the journal changed: and its hash in the report says so too"
	tamper swapped; swap_cert "$T/report.xml" "$P/lab-delft.pem"
	refused "another lab's certificate swapped in" "FAIL: the signature does not match: it was not made with the key of the certificate in the signature"
	tamper resigned; "$KEUR" sign "$T" --key "$P/lab-elsewhere.key" --cert "$P/lab-elsewhere.pem" > /dev/null 2>&1
	refused "re-signed by a lab the CA did not certify" "FAIL: the certificate 'CN=lab-elsewhere report signing,O=lab-elsewhere' \\(issued by 'CN=otherbody root'\\) does not chain to the CA"
	tamper unsigned; perl -0pi -e 's/<Signature .*<\/Signature>\n?//s' "$T/report.xml"
	refused "signature removed" "FAIL: .*report.xml is not signed"
	# The method named must be the one for the certificate's key, and one keur signs with.
	tamper method; sed -i "s|Algorithm=\"${ALG[$kt]}\"|Algorithm=\"${ALG[$o]}\"|" "$T/report.xml"
	refused "SignatureMethod changed to ${ALG[$o]#*#}" "FAIL: the signature names ${ALGN[$o]}, but the certificate in it holds ${KEYT[$kt]}"
	tamper keytype; swap_cert "$T/report.xml" "$TMP/$o/lab-utrecht.pem"
	refused "a certificate with ${KEYT[$o]} swapped in" "FAIL: the signature names ${ALGN[$kt]}, but the certificate in it holds ${KEYT[$o]}"
	tamper sha1; sed -i "s|Algorithm=\"${ALG[$kt]}\"|Algorithm=\"${SHA1[$kt]}\"|" "$T/report.xml"
	refused "SignatureMethod changed to ${SHA1[$kt]#*#}" "FAIL: the signature's method '${SHA1[$kt]}' is not one keur signs with"
	tamper outside; sed -i 's|<Reference URI="journal">|<Reference URI="../../../etc/passwd">|' "$T/report.xml"
	"$KEUR" verify "$T" --ca "$P/body.pem" > "$P/v-out.out" 2>&1; is "$?" 1 "$K: a reference to a file outside the run: refused"
	like "$(cat "$P/v-out.out")" "reference 2 is '../../../etc/passwd' where keur signs 'journal'" "$K: before anything is read, naming the reference"
	tamper broken; perl -0pi -e 's/<cases>/<cases/' "$T/report.xml"
	"$KEUR" verify "$T" --ca "$P/body.pem" > "$P/v-broken.out" 2>&1; is "$?" 2 "$K: a report that no longer parses: exit 2"
	like "$(cat "$P/v-broken.out")" "is not a keur report \\(report.xsd\\): line [0-9]+" "$K: naming the line"
}

for kt in $KTS; do
	P=$TMP/$kt
	signed_run
	tampering
done

# ---- RSA: larger keys sign, smaller ones are refused ----
P=$TMP/rsa
pki lab-3072 body rsa:3072; ok $? "an RSA-3072 certificate from the RSA CA"
b=$TMP/rsa3072; cp -a "$P/signed" "$b"
"$KEUR" sign "$b" --key "$P/lab-3072.key" --cert "$P/lab-3072.pem" > "$TMP/s3072.out" 2>&1; is "$?" 0 "keur sign with an RSA-3072 key: exit 0"
"$KEUR" verify "$b" --ca "$P/body.pem" > "$TMP/v3072.out" 2>&1; is "$?" 0 "keur verify accepts it"
like "$(cat "$TMP/v3072.out")" "ok: +signature \\(RSA-SHA256;.*made with the key of 'CN=lab-3072 report signing" "as RSA-SHA256 by the RSA-3072 lab"
xmlsec1_verify "$b"; ok $? "xmlsec1 --verify accepts it too"
pki lab-1024 body rsa:1024; ok $? "an RSA-1024 certificate from the RSA CA"
"$KEUR" sign "$b" --key "$P/lab-1024.key" --cert "$P/lab-1024.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "an RSA-1024 key is refused (exit 2)"
is "$(wc -l < "$TMP/s.err")" 1 "in one line"
like "$(cat "$TMP/s.err")" "lab-1024.key' holds a 1024-bit RSA key; keur signs with RSA of at least 2048 bits" "naming the size"
"$KEUR" verify "$b" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 0 "and the report keeps the signature it had"
# A signature by a 1024-bit key, made by xmlsec1 (which allows it): keur verify refuses it.
tamper weak; cp "$P/lab-1024.key" "$P/lab-1024.pem" "$T"
perl -0pi -e 's/(<(DigestValue|SignatureValue|X509Certificate)>).*?(<\/\2>)/$1$3/gs' "$T/report.xml"
(cd "$T" && xmlsec1 --sign --privkey-pem lab-1024.key,lab-1024.pem --output report.xml report.xml) > /dev/null 2>&1
xmlsec1_verify "$T"; ok $? "a report signed by xmlsec1 with an RSA-1024 key of the same CA: xmlsec1 accepts it"
"$KEUR" verify "$T" --ca "$P/body.pem" > "$TMP/v1024.out" 2>&1; is "$?" 1 "keur verify does not"
like "$(cat "$TMP/v1024.out")" "FAIL: the certificate in the signature holds a 1024-bit RSA key; keur accepts RSA of at least 2048 bits" \
	"saying the key is too small"

# ---- signing refuses what it should ----
P=$TMP/ec
out=$P/signed
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$TMP/pss.key" 2>/dev/null
openssl req -x509 -key "$TMP/pss.key" -subj "/CN=pss" -days 2 -out "$TMP/pss.pem" 2>/dev/null
"$KEUR" sign "$out" --key "$TMP/pss.key" --cert "$TMP/pss.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "an RSA-PSS key is refused"
like "$(cat "$TMP/s.err")" "holds an RSA-PSS key; keur signs with RSA \\(PKCS#1 v1.5\\) or ECDSA: RSA-PSS is not in this xmlsec" "saying why"
openssl genpkey -algorithm ed25519 -out "$TMP/ed.key" 2>/dev/null
openssl req -x509 -key "$TMP/ed.key" -subj "/CN=ed" -days 2 -out "$TMP/ed.pem" 2>/dev/null
"$KEUR" sign "$out" --key "$TMP/ed.key" --cert "$TMP/ed.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "an Ed25519 key is refused"
like "$(cat "$TMP/s.err")" "holds an Ed25519 key; keur signs with ECDSA \\(P-256 recommended\\) or RSA of at least 2048 bits" "saying what it signs with"
"$KEUR" sign "$out" --key "$P/lab-delft.key" --cert "$P/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"
like "$(cat "$TMP/s.err")" "does not belong to the certificate" "a key that is not the certificate's is refused"
"$KEUR" sign "$out" --key "$TMP/rsa/lab-utrecht.key" --cert "$P/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"
like "$(cat "$TMP/s.err")" "does not belong to the certificate" "an RSA key with an EC certificate is refused"
tamper evsign; printf 'Y' >> "$T/evidence/SELF-EVIDENCE-001/frame.bin"
"$KEUR" sign "$T" --key "$P/lab-utrecht.key" --cert "$P/lab-utrecht.pem" > /dev/null 2> "$TMP/s.err"; is "$?" 2 "keur sign refuses a run whose evidence changed"
"$SELF" run --dut "$D/self-dut.xml" --out "$TMP/badkey" --only SELF-PASS-001 --sign-key "$TMP/rsa/lab-1024.key" \
	--sign-cert "$TMP/rsa/lab-1024.pem" > /dev/null 2> "$TMP/bk.err"; is "$?" 2 "keur run with an unusable signing key: exit 2"
like "$(cat "$TMP/bk.err")" "holds a 1024-bit RSA key" "saying why"
[ ! -e "$TMP/badkey/journal" ]; ok $? "before any case ran"

# keur report on a signed run keeps the signed report.xml.
before=$(sha256sum "$out/report.xml")
"$KEUR" report "$out" > /dev/null 2> "$TMP/rep.err"
is "$(sha256sum "$out/report.xml")" "$before" "keur report leaves a signed report.xml as it is"
like "$(cat "$TMP/rep.err")" "is signed; left as it is" "and says so"
"$KEUR" verify "$out" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 0 "the run still verifies after keur report"
"$KEUR" sign "$out" --key "$P/lab-delft.key" --cert "$P/lab-delft.pem" > "$TMP/resign.out" 2>&1; is "$?" 0 "signing again replaces the signature"
xmlsec1_verify "$out"; ok $? "and xmlsec1 accepts the new one"
is "$(xp "$out/report.xml" 'count(//*[local-name()="Signature"])')" 1 "still one signature"

# A signed run killed mid-way is signed when --resume finishes it, with the key its journal names.
k=$TMP/killed
KEUR_SELFTEST_SLOW_MS=400 bg "$SELF" run --dut "$D/self-dut.xml" --out "$k" --only SELF-SLOW-001,SELF-SLOW-002,SELF-SLOW-004,SELF-EVIDENCE-001 \
	--sign-key "$P/lab-utrecht.key" --sign-cert "$P/lab-utrecht.pem" > /dev/null 2>&1
poll_until 10 grep -qs '^case id=SELF-SLOW-001 ' "$k/journal"; ok $? "signed run: the first case journaled"
kill -9 "$BG"; wait "$BG" 2>/dev/null
[ ! -s "$k/report.xml" ] || ! grep -q 'xmldsig' "$k/report.xml"; ok $? "killed before the end: no signed report yet"
"$SELF" run --resume "$k" > /dev/null 2> "$TMP/resume.err"; is "$?" 0 "keur run --resume finishes it"
like "$(cat "$TMP/resume.err")" "report.xml signed by 'CN=lab-utrecht" "and signs it with the journal's key"
"$KEUR" verify "$k" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 0 "the resumed, signed run verifies"

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
like "$(xp "$p/oscal.xml" 'string(//*[local-name()="result"]/*[local-name()="remarks"])')" "SELF-REQ-4: awaiting the assessor's review" \
	"the docs requirement is named as awaiting the assessor's review"
xmllint --noout --schema "$OSCAL_XSD" "$out/oscal.xml" 2>/dev/null; ok $? "oscal.xml without a profile is valid too"
is "$(xp "$out/oscal.xml" 'string(//*[local-name()="relevant-evidence"]/@href)')" "evidence/SELF-EVIDENCE-001/frame.bin" "OSCAL: evidence as relevant-evidence"
cp "$p/oscal.xml" "$TMP/oscal.1"; "$KEUR" report "$p" > /dev/null 2>&1
cmp -s "$TMP/oscal.1" "$p/oscal.xml"; ok $? "keur report writes the same oscal.xml again (UUIDs derived, not random)"

# report.html: the label, then failed requirements before the rest.
h=$p/report.html
grep -q 'This report is not signed' "$h"; ok $? "report.html says the report is not signed"
grep -q '<span class="small">security level</span><b>basic</b>' "$h"; ok $? "report.html shows the label's level"
order=$(grep -o 'id="req-SELF-REQ-[0-9]"' "$h" | tr -dc '0-9\n' | tr '\n' ' ')
is "$order" "2 3 1 4 " "report.html: failed, undecided, passed, then the one awaiting review"

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
	--sign-key "$P/lab-utrecht.key" --sign-cert "$P/lab-utrecht.pem" > "$TMP/secrets.tap" 2> "$TMP/secrets.err"
is "$(verdict_of "$TMP/secrets.tap" MQTT-ACL-001)" "$(verdict_of "$TMP/secrets.tap" MQTT-ACL-001 | grep -E '^(pass|fail)$')" \
	"the secrets were used: MQTT-ACL-001 logged in and decided ($(verdict_of "$TMP/secrets.tap" MQTT-ACL-001))"
[ -s "$s/report.xml" ] && [ -s "$s/oscal.xml" ] && [ -s "$s/report.html" ] && [ -d "$s/evidence" ]; ok $? "every output was written"
leaks=$(grep -rl -e 'Secret-Mqtt-Pw-1' -e 'Secret-Owner-Pw-2' -e 'Secret-Psk-Key-3' "$s" "$TMP/secrets.tap" "$TMP/secrets.err")
is "$leaks" "" "no password or PSK in the journal, TAP, JUnit, report.xml, oscal.xml, report.html, label or evidence"
"$KEUR" verify "$s" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 0 "the signed run against real peers verifies"

done_testing
