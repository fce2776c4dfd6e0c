#!/usr/bin/env bash
# The assessor's half against a real mosquitto broker with en303645: the manufacturer's ICS
# (keur ics template, keur run --ics; bad ones refused with one line, nothing created), its
# contradictions with keur's tests in every output, the level "not determined" while the
# documentation waits, keur review template listing exactly what is open, bad review files
# refused with one line and nothing recorded, a partial review, a review killed mid-way (the
# journal stays whole, the review can be given again), the rest of the review deciding the
# level, overrides and replaced reviews, and signing: a reviewed document changed after signing
# is refused by keur verify.
. "$(dirname "$0")/lib.sh"
plan 85

P=$TOP/profiles/en303645.xml
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }
rx() { xp "$TMP/b/report.xml" "$1"; }
lvl() { rx "string(//*[local-name()='levels']/@reached)"; }
req() { rx "string(//*[local-name()='requirement'][@id='$1']/@$2)"; }
nrev() { grep -c '^review ' "$TMP/b/journal"; }
jsha() { sha256sum "$TMP/b/journal" | cut -c1-64; }

# A well-configured broker: no anonymous access, a password file, an ACL.
mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' > /dev/null 2>&1
mosquitto_passwd -b "$TMP/passwd" kitchen 'kitchen-pw-for-tests' > /dev/null 2>&1
printf 'user lab-test\ntopic readwrite lab-test/#\nuser kitchen\ntopic readwrite home/kitchen/#\n' > "$TMP/acl"
chmod 644 "$TMP/passwd" "$TMP/acl"
port=$(freeport)
start_mosquitto good "listener $port 127.0.0.1
allow_anonymous false
password_file $TMP/passwd
acl_file $TMP/acl"
echo "$BG" > "$TMP/mosquitto.pid"
cat > "$TMP/dut.xml" <<EOF
<dut xmlns="urn:keur:dut:1" id="mosq">
  <identity vendor="Eclipse" model="mosquitto" firmware="2"/>
  <declares support-until="2032-12" market-date="2026-01" automatic-updates="true"/>
  <mqtt role="broker" host="127.0.0.1" port="$port" username="lab-test" password="pw-only-for-tests" timeout="3">
    <account username="kitchen" password="kitchen-pw-for-tests" topic="home/kitchen/#"/>
  </mqtt>
  <local-process pid-file="$TMP/mosquitto.pid"/>
</dut>
EOF

# ---- run A: en303645 as bundled; what keur cannot pass on a broker is waived for run B ----
"$KEUR" run --profile "$P" --dut "$TMP/dut.xml" --out "$TMP/a" --no-progress > "$TMP/a.tap" 2> "$TMP/a.err" < /dev/null
w=$(xp "$TMP/a/report.xml" "//*[local-name()='requirement'][@decided-by='keur'][@verdict!='pass' and @verdict!='na']/@id" |
	sed 's/ id="\([^"]*\)"/\1\n/g' | sed '/^$/d')
ok $([ -n "$w" ]; echo $?) "run A: keur's tests fail or cannot decide some requirements on a broker ($(echo $w | tr '\n' ' '))"
fails=$(xp "$TMP/a/report.xml" "//*[local-name()='requirement'][@decided-by='keur'][@verdict='fail']/@id" |
	sed 's/ id="\([^"]*\)"/\1\n/g' | sed '/^$/d')
failed=$(echo "$fails" | head -1)
waivers=$(for r in $w; do printf '<waiver requirement="%s" reason="not in this test'"'"'s scope" approved-by="test scheme owner"/>' "$r"; done)
sed "s|<level id=\"high\" includes=\"substantial\"/>|&\n$waivers|" "$P" > "$TMP/p.xml"
"$KEUR" lint "$TMP/p.xml" > /dev/null 2>&1; ok $? "en303645 with those waived lints"

# ---- the ICS ----
"$KEUR" ics template --profile "$TMP/p.xml" > "$TMP/ics-template.xml" 2> "$TMP/ics-template.err"
is "$?" 0 "keur ics template --profile: exit 0"
is "$(grep -c '<statement requirement=' "$TMP/ics-template.xml")" "$(grep -c '<requirement id=' "$P")" \
	"the template has a statement per requirement of the profile"
"$KEUR" run --profile "$TMP/p.xml" --ics "$TMP/ics-template.xml" --dut "$TMP/dut.xml" --out "$TMP/never" > /dev/null 2> "$TMP/e.err"
is "$?" 2 "the template unfilled is refused (exit 2)"
like "$(head -1 "$TMP/e.err")" "ics-template.xml:[0-9]+: .*(status|issued-by|date)" "naming the file and line of what is empty"
# Filled: all implemented; 5.1-1 (keur's cases pass) not applicable; 5.1-2 (documentation) not
# applicable; of the requirements keur failed, the first stays implemented, the rest are stated
# as not implemented.
python3 - "$TMP/ics-template.xml" "$TMP/ics.xml" $(echo "$fails" | tail -n +2) <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
for r in sys.argv[3:]:
    s = s.replace('<statement requirement="%s" status="">\n    <justification></justification>' % r,
                  '<statement requirement="%s" status="not-implemented">\n    <justification>Not in this release</justification>' % r)
s = s.replace('issued-by="" date=""', 'issued-by="M. Maker, product security" date="2026-11-30"')
s = s.replace('vendor="" model="" firmware=""', 'vendor="Eclipse" model="mosquitto" firmware="2"')
s = s.replace('status=""', 'status="implemented"')
for r in ("EN303645-5.1-1", "EN303645-5.1-2"):
    s = s.replace('<statement requirement="%s" status="implemented">\n    <justification></justification>' % r,
                  '<statement requirement="%s" status="not-applicable">\n    <justification>The device has no passwords</justification>' % r)
open(sys.argv[2], "w").write(s)
EOF
bad_ics() { # bad_ics NAME SED WANT WHAT: an ICS the run refuses with one line, creating nothing
	sed "$2" "$TMP/ics.xml" > "$TMP/$1.xml"
	"$KEUR" run --profile "$TMP/p.xml" --ics "$TMP/$1.xml" --dut "$TMP/dut.xml" --out "$TMP/never-$1" > /dev/null 2> "$TMP/$1.err"
	local rc=$?
	ok $([ $rc = 2 ] && [ "$(wc -l < "$TMP/$1.err")" = 1 ] && [ ! -e "$TMP/never-$1" ] &&
		grep -Eq -- "$3" "$TMP/$1.err"; echo $?) "bad ICS, $4: exit $rc, one line, nothing created ($(head -c 200 "$TMP/$1.err" | tr "\n" " "))"
}
bad_ics i-prof 's/profile="en303645"/profile="cra"/' "answers profile 'cra' version 1, the run's profile is 'en303645'" "another profile"
bad_ics i-missing '/<statement requirement="EN303645-5.2-1"/,/<\/statement>/d' "no statement for 1 requirement.*EN303645-5.2-1" "a requirement left out"
bad_ics i-just '0,/The device has no passwords/s///' "i-just.xml:[0-9]+: 'EN303645-5.1-1' is not-applicable: say why" "not applicable without a justification"
bad_ics i-unknown 's|</ics>|<statement requirement="EN303645-9.9-9" status="implemented"/></ics>|' ":[0-9]+: requirement 'EN303645-9.9-9' is not in profile" "an unknown requirement"
bad_ics i-schema 's/<statement requirement="EN303645-5.2-1" status="implemented"/<statement requirement="EN303645-5.2-1" status="yes"/' \
	":[0-9]+: .*status.*yes" "a status the schema does not know"
bad_ics i-product 's/model="mosquitto"/model="toaster"/' "the ICS is for model 'toaster', the DUT description's is 'mosquitto'" "another product"
"$KEUR" run --ics "$TMP/ics.xml" --dut "$TMP/dut.xml" --out "$TMP/never" > /dev/null 2> "$TMP/e.err"
is "$?" 2 "--ics without --profile: exit 2"

# ---- run B: the waived profile and the ICS ----
"$KEUR" run --profile "$TMP/p.xml" --ics "$TMP/ics.xml" --dut "$TMP/dut.xml" --out "$TMP/b" --no-progress \
	> "$TMP/b.tap" 2> "$TMP/b.err" < /dev/null
is "$?" 3 "run B: every tested requirement passes or is waived, the documentation waits: exit 3"
is "$(lvl)" "not determined" "the level is not determined while documentation is open"
open=$(rx "count(//*[local-name()='requirement'][@verdict='awaiting-review'])")
counted=$(rx "string(//*[local-name()='summary']/@awaiting-review)")
like "$(cat "$TMP/b.err")" "keur: $counted requirements wait for the assessor's review: EN303645-5.1-2, .* and [0-9]+ more \\(keur review template" \
	"the summary says how many wait for a review and which ($counted counted of $open open)"
like "$(cat "$TMP/b.err")" "requirements decided: [0-9]+ by keur's cases, 0 by the assessor's review; $counted waiting" "and how the rest was decided"
like "$(rx "string(//*[local-name()='levels']/*[@id='basic'])")" "awaiting the assessor's review" "report.xml: basic held back by the review awaited"
# Contradictions, in every output.
like "$(cat "$TMP/b.err")" "ICS contradiction: EN303645-5.1-1: the ICS says not applicable; keur's cases found it applies: .*CRED-DEFAULT-001 \\(pass\\)" \
	"stderr: the ICS calls a tested requirement not applicable"
like "$(cat "$TMP/b.err")" "ICS contradiction: $failed: the ICS says implemented; keur's cases failed" "stderr: implemented, yet keur failed it ($failed)"
is "$(rx "string(//*[local-name()='ics']/@contradictions)")" 2 "report.xml counts 2 contradictions"
like "$(req EN303645-5.1-1 verdict) $(rx "string(//*[local-name()='requirement'][@id='EN303645-5.1-1']/*[local-name()='contradiction'])")" \
	"^pass the ICS says not applicable" "and keeps keur's verdict beside it: never resolved either way"
like "$(cat "$TMP/b/results.tap")" "# ICS contradiction: EN303645-5.1-1: " "results.tap"
like "$(xp "$TMP/b/junit.xml" "string(//property[@name='EN303645-5.1-1.contradiction']/@value)")" \
	"^the ICS says not applicable; keur's cases found it applies" "junit.xml"
like "$(xp "$TMP/b/oscal.xml" "string(//*[local-name()='finding'][*[local-name()='target']/@target-id='EN303645-5.1-1']/*[local-name()='remarks'])")" \
	"ICS contradiction: the ICS says not applicable" "oscal.xml"
grep -q 'class="contradiction">ICS contradiction: the ICS says implemented' "$TMP/b/report.html"; ok $? "report.html"
like "$(xp "$TMP/b/label.svg" '//*[local-name()="text"]/text()' | tr '\n' ' ')" "2 ICS contradictions with keur's tests" "label.svg"
is "$(rx "string(//*[local-name()='ics']/*[local-name()='evidence']/@sha256)")" "$(sha256sum "$TMP/ics.xml" | cut -c1-64)" \
	"the ICS as given is in the evidence, hashed"

# ---- the template: exactly the open requirements ----
"$KEUR" review template "$TMP/b" > "$TMP/t.xml" 2> "$TMP/t.err"
is "$?" 0 "keur review template: exit 0"
is "$(grep -o 'requirement="[^"]*"' "$TMP/t.xml" | sort | tr '\n' ' ')" \
	"$(rx "//*[local-name()='requirement'][@verdict='awaiting-review']/@id" | sed 's/ id=/\nrequirement=/g' | sed '/^$/d' | sort | tr '\n' ' ')" \
	"it lists exactly the requirements awaiting review ($open)"
like "$(grep -A1 '<!-- EN303645-5.1-2 ' "$TMP/t.xml")" "ICS: not-applicable: The device has no passwords" "with the ICS statement beside each"
grep -q "<reviews xmlns=\"urn:keur:review:1\" run=\"$(rx "string(//*[local-name()='label']/@report-id)")\">" "$TMP/t.xml"
ok $? "and the run's report ID, so that it cannot be given to another run"

# ---- bad review files: one line each, exit 2, nothing recorded ----
echo "User manual, version 2" > "$TMP/manual.txt"
echo "Vulnerability disclosure policy" > "$TMP/vdp.txt"
review() { # review REQ VERDICT [DOC] [ASSESSOR] [DATE] [RATIONALE] [EXTRA]: one <review> element
	printf '  <review requirement="%s" verdict="%s" assessor="%s" date="%s">\n    <rationale>%s</rationale>\n%b%b  </review>\n' \
		"$1" "$2" "${4-A. Assessor}" "${5-2026-12-01}" "${6-The manual shows it}" \
		"${3:+    <document path=\"$3\" title=\"doc\"/>\n}" "${7:-}"
}
reviews() { printf '<reviews xmlns="urn:keur:review:1">\n'; cat; printf '</reviews>\n'; }
j0=$(jsha)
bad_review() { # bad_review NAME WANT WHAT (the file on stdin)
	cat > "$TMP/$1.xml"
	"$KEUR" review "$TMP/b" --with "$TMP/$1.xml" > /dev/null 2> "$TMP/$1.err"
	local rc=$?
	ok $([ $rc = 2 ] && [ "$(grep -vc '^keur: nothing recorded$' "$TMP/$1.err")" = 1 ] && grep -Eq -- "$2" "$TMP/$1.err" &&
		[ "$(jsha)" = "$j0" ] && [ ! -e "$TMP/b/evidence/REVIEW" ]; echo $?) \
		"bad review, $3: exit $rc, one line, nothing recorded ($(head -c 160 "$TMP/$1.err" | tr "\n" " "))"
}
bad_review r-unknown "r-unknown.xml:2: requirement 'EN303645-9.9-9' is not in this run" "an unknown requirement" < <(review EN303645-9.9-9 pass manual.txt | reviews)
bad_review r-tested "r-tested.xml:2: 'EN303645-5.1-1' is decided by keur's cases \\(pass: CRED-DEFAULT-001.*needs <override" \
	"a requirement keur tested, without an override" < <(review EN303645-5.1-1 fail | reviews)
bad_review r-nodoc "r-nodoc.xml:4: review of 'EN303645-5.2-1': document '.*nowhere.pdf': No such file" "a missing document" < <(review EN303645-5.2-1 pass nowhere.pdf | reviews)
bad_review r-noname "r-noname.xml:2: review of 'EN303645-5.2-1': assessor is empty" "no assessor" < <(review EN303645-5.2-1 pass manual.txt "" | reviews)
bad_review r-norat "r-norat.xml:2: .*<rationale> is empty" "no rationale" < <(review EN303645-5.2-1 pass manual.txt "A. Assessor" 2026-12-01 "" | reviews)
bad_review r-future "r-future.xml:2: .*date 2099-01-01 is in the future" "a date in the future" < <(review EN303645-5.2-1 pass manual.txt "A. Assessor" 2099-01-01 | reviews)
bad_review r-nodocs "r-nodocs.xml:2: .*a pass needs the documents examined" "a pass without a document" < <(review EN303645-5.2-1 pass | reviews)
bad_review r-schema "r-schema.xml:2: .*verdict.*maybe" "a verdict the schema does not know" < <(review EN303645-5.2-1 maybe manual.txt | reviews)
bad_review r-twice "r-twice.xml:6: requirement 'EN303645-5.2-1' is reviewed twice in this file \\(first on line 2\\)" "one requirement twice" < <({ review EN303645-5.2-1 pass manual.txt; review EN303645-5.2-1 fail manual.txt; } | reviews)
bad_review r-empty "no review has a verdict yet \\(1 left open\\); nothing to record" "nothing filled in" < <(review EN303645-5.2-1 "" | reviews)
bad_review r-run "r-run.xml:1: these reviews are for run KEUR-000000000000; this run is KEUR-" "a file for another run" \
	< <(review EN303645-5.2-1 pass manual.txt | reviews | sed 's|<reviews xmlns="urn:keur:review:1">|<reviews xmlns="urn:keur:review:1" run="KEUR-000000000000">|')
"$KEUR" review "$TMP/b" > /dev/null 2> "$TMP/e.err"
is "$?" 2 "keur review DIR without --with: exit 2"

# ---- a partial review: the level stays not determined ----
ids=$(grep -o 'requirement="[^"]*"' "$TMP/t.xml" | cut -d'"' -f2 | grep -v -e '^EN303645-5.1-2$' -e '^KEUR-HIGH-PENTEST$')
half=$(echo "$ids" | head -n $((open / 2)))
rest="EN303645-5.1-2 KEUR-HIGH-PENTEST $(echo "$ids" | tail -n +$((open / 2 + 1)))"
for r in $half; do review "$r" pass manual.txt; done | reviews > "$TMP/half.xml"
"$KEUR" review "$TMP/b" --with "$TMP/half.xml" > /dev/null 2> "$TMP/half.err"
is "$?" 3 "a partial review: exit 3"
is "$(lvl)" "not determined" "the level stays not determined"
like "$(cat "$TMP/half.err")" "recorded $(echo "$half" | wc -w) review\\(s\\) from .*half.xml" "keur says what it recorded"
is "$(nrev)" "$(echo "$half" | wc -w)" "the journal holds one review record per review"
r1=$(echo "$half" | head -1)
is "$(req "$r1" verdict) $(req "$r1" decided-by)" "pass assessor" "a reviewed requirement: pass, decided by the assessor"
is "$(rx "string(//*[local-name()='requirement'][@id='$r1']/*[local-name()='review']/@assessor)")" "A. Assessor" "with the assessor's name"
doc=$(rx "string(//*[local-name()='requirement'][@id='$r1']/*[local-name()='review']/*[local-name()='document']/@file)")
is "$(rx "string(//*[local-name()='requirement'][@id='$r1']/*[local-name()='review']/*[local-name()='document']/@sha256)")" \
	"$(sha256sum "$TMP/manual.txt" | cut -c1-64)" "the document examined, copied into the evidence ($doc) with its SHA-256"
cmp -s "$TMP/manual.txt" "$TMP/b/$doc"; ok $? "and the copy is the document"

# ---- killed mid-way: all of the file or none of it, the journal whole, given again ----
# The rest of the review: the documentation passes, 5.1-2 is agreed not applicable (as the
# ICS says), the penetration test with its report; one document large enough to be caught.
head -c 32000000 /dev/zero > "$TMP/pentest-report.bin"
{
	for r in $rest; do
		case $r in
		EN303645-5.1-2) review "$r" na "" "A. Assessor" 2026-12-01 "Agree with the ICS: the device has no passwords" ;;
		KEUR-HIGH-PENTEST) review "$r" pass pentest-report.bin "P. Tester" ;;
		*) review "$r" pass vdp.txt ;;
		esac
	done
} | reviews > "$TMP/rest.xml"
n0=$(nrev); nrest=$(echo "$rest" | wc -w); mid=0; whole=0
for delay in 0 0.01 0.02 0.05 0.1 0.2; do
	"$KEUR" review "$TMP/b" --with "$TMP/rest.xml" > /dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ls "$TMP"/b/evidence/REVIEW/*/*/*.tmp.* > /dev/null 2>&1 && mid=$((mid + 1))
	"$KEUR" report "$TMP/b" > /dev/null 2> "$TMP/report.err"
	rc=$?
	n=$(nrev)
	[ $rc -ne 2 ] && [ $(((n - n0) % nrest)) = 0 ] && whole=$((whole + 1))
done
is "$whole" 6 "six kills at 0 to 0.2 s: each time keur report reads the journal, and it holds all of the file or none ($mid caught copying)"
"$KEUR" review "$TMP/b" --with "$TMP/rest.xml" > /dev/null 2> "$TMP/rest.err"
rc=$?
ok $([ $(($(nrev) - n0)) -ge "$nrest" ] && [ $(((($(nrev) - n0)) % nrest)) = 0 ]; echo $?) "given again, it is recorded whole"
! ls "$TMP"/b/evidence/REVIEW/*/*/*.tmp.* > /dev/null 2>&1; ok $? "and no partial copy is left in the evidence"

# ---- the rest decides the level ----
is "$rc" 0 "the rest of the review: exit 0, every counted requirement passed"
is "$(lvl)" high "level reached: high (the penetration test recorded by a person with its report)"
is "$(req EN303645-5.1-2 verdict) $(req EN303645-5.1-2 decided-by)" "na assessor" "the ICS's not-applicable counts as na once the assessor agrees"
is "$(rx "count(//*[local-name()='requirement'][@verdict='awaiting-review'])")" 0 "nothing awaits review"
like "$(cat "$TMP/rest.err")" "requirements decided: [0-9]+ by keur's cases, $counted by the assessor's review; 0 waiting" "the summary says how the level was reached"
like "$(rx "string(//*[local-name()='levels']/*[@id='high'])")" "[0-9]+ decided by keur's cases, $counted reviewed by the assessor" "and so does report.xml"
is "$(xp "$TMP/b/oscal.xml" "count(//*[local-name()='observation'][*[local-name()='method']='EXAMINE'])")" "$open" \
	"oscal.xml: each review an observation with method EXAMINE"
ok $(xmllint --noout --schema "$TOP/reports/schemas/junit-10.xsd" "$TMP/b/junit.xml" 2>/dev/null; echo $?) "junit.xml is valid"
is "$(xp "$TMP/b/junit.xml" "count(//testsuite[@name='review']/testcase)")" "$open" "junit.xml: a testsuite for the review, a testcase per requirement"
like "$(cat "$TMP/b/results.tap")" "# review: EN303645-5.1-2 na by A. Assessor on 2026-12-01: Agree with the ICS" "results.tap: each review with who, when and why"
grep -q "Assessor's review: <span class=\"v pass\">pass</span>" "$TMP/b/report.html"; ok $? "report.html: the review beside the requirement"

# ---- a later review replaces, both stay in the journal; an override is shown as one ----
{
	review EN303645-5.2-1 fail "" "B. Second" 2026-12-02 "The policy page is gone"
	review EN303645-5.1-1 fail "" "B. Second" 2026-12-02 "Found a default password in the manual" \
		'    <override reason="the manual lists a default password that the test identity did not use"/>\n'
} | reviews > "$TMP/again.xml"
"$KEUR" review "$TMP/b" --with "$TMP/again.xml" > /dev/null 2> "$TMP/again.err"
is "$?" 1 "a later review that fails: exit 1"
is "$(req EN303645-5.2-1 verdict) $(rx "string(//*[local-name()='requirement'][@id='EN303645-5.2-1']/*[local-name()='review']/@reviews)")" \
	"fail 2" "the later review replaces the earlier in the outputs; report.xml says there were 2"
is "$(grep -c '^review requirement=EN303645-5.2-1 ' "$TMP/b/journal")" 2 "both stay in the journal"
is "$(req EN303645-5.1-1 verdict) $(req EN303645-5.1-1 tested-verdict)" "fail pass" "an override: the person's verdict, keur's beside it"
like "$(rx "string(//*[local-name()='requirement'][@id='EN303645-5.1-1']/*[local-name()='review']/*[local-name()='override'])")" \
	"lists a default password" "with the reason for the override"

# ---- signing ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=keur test body" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=test lab/CN=test lab signing" \
	-keyout "$TMP/lab.key" -out "$TMP/lab.csr" 2>/dev/null &&
openssl x509 -req -in "$TMP/lab.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 -out "$TMP/lab.pem" 2>/dev/null
"$KEUR" sign "$TMP/b" --key "$TMP/lab.key" --cert "$TMP/lab.pem" > /dev/null 2>&1
"$KEUR" verify "$TMP/b" --ca "$TMP/ca.pem" > "$TMP/v1.out" 2>&1
is "$?" 0 "signed after the review: keur verify exit 0"
like "$(cat "$TMP/v1.out")" "journal and [0-9]+ evidence file\\(s\\) match" "covering the review's documents"
cp "$TMP/b/$doc" "$TMP/doc.keep"
echo "changed" >> "$TMP/b/$doc"
"$KEUR" verify "$TMP/b" --ca "$TMP/ca.pem" > "$TMP/v2.out" 2>&1
is "$?" 1 "a reviewed document changed after signing: keur verify refuses it"
like "$(cat "$TMP/v2.out")" "$doc: changed since the report was written" "naming the document"
(cd "$TMP/b" && xmlsec1 --verify --trusted-pem "$TMP/ca.pem" report.xml > /dev/null 2>&1); is "$?" 1 "xmlsec1 refuses it too"
cp "$TMP/doc.keep" "$TMP/b/$doc"
review EN303645-5.2-1 pass vdp.txt "B. Second" 2026-12-03 "The policy is back online" | reviews > "$TMP/late.xml"
"$KEUR" review "$TMP/b" --with "$TMP/late.xml" > /dev/null 2> "$TMP/late.err"
like "$(cat "$TMP/late.err")" "report.xml was signed before; the new report is not: sign it again" "a review after signing: keur says to sign again"
"$KEUR" verify "$TMP/b" --ca "$TMP/ca.pem" > "$TMP/v3.out" 2>&1
ok $([ $? = 1 ] && grep -q "is not signed" "$TMP/v3.out"; echo $?) "and keur verify says it is no longer signed"
"$KEUR" sign "$TMP/b" --key "$TMP/lab.key" --cert "$TMP/lab.pem" > /dev/null 2>&1
"$KEUR" verify "$TMP/b" --ca "$TMP/ca.pem" > /dev/null 2>&1; is "$?" 0 "signed again: keur verify exit 0"
ok $(xmllint --noout --schema "$TOP/reports/report.xsd" "$TMP/b/report.xml" 2>/dev/null; echo $?) "report.xml is valid against report.xsd"

# ---- the DUT description names the ICS ----
sed "s|automatic-updates=\"true\"/>|automatic-updates=\"true\" ics=\"ics.xml\"/>|" "$TMP/dut.xml" > "$TMP/dut-ics.xml"
"$KEUR" run --profile "$TMP/p.xml" --dut "$TMP/dut-ics.xml" --only MQTT-AUTH-001 --out "$TMP/c" --no-progress > /dev/null 2>&1
is "$(xp "$TMP/c/report.xml" "string(//*[local-name()='ics']/@issued-by)")" "M. Maker, product security" \
	"<declares ics=\"FILE\"/>: the run takes the ICS the DUT description names"
cp "$TMP/ics.xml" "$TMP/ics.orig"; sed -i 's/Not in this release/Not in release 2/' "$TMP/ics.xml"
"$KEUR" run --resume "$TMP/c" > /dev/null 2> "$TMP/resume.err"
ok $([ $? = 2 ] && grep -q "the ICS '.*ics.xml' changed since the run started" "$TMP/resume.err"; echo $?) \
	"a resumed run refuses an ICS changed since it started"
cp "$TMP/ics.orig" "$TMP/ics.xml"

# ---- keur lint knows both files ----
out=$("$KEUR" lint "$TMP/p.xml" "$TMP/ics.xml" "$TMP/rest.xml" 2>&1)
ok $([ $? = 0 ]; echo $?) "keur lint takes a profile, its ICS and a review file together"
like "$out" "ics.xml: ok: ICS for profile 'en303645' version 1 by M. Maker, product security, [0-9]+ statements$" \
	"and checks the ICS against the profile among them"
"$KEUR" lint "$TMP/p.xml" "$TMP/i-missing.xml" > "$TMP/lint.out" 2>&1
ok $([ $? = 2 ] && grep -q "no statement for 1 requirement" "$TMP/lint.out"; echo $?) "an ICS that leaves a requirement out: exit 2, named"
