#!/usr/bin/env bash
# The bundled profiles and their traceability: each lints; every case of keur is used by at least
# one profile; EN 303 645 lists all 67 provisions, EN 18031-2 its 43 mechanisms, EN 18031-3 its
# 37, UK PSTI its four items, each count as the profile's comment states it with its source;
# every <same-as> names a requirement that exists; keur list --profiles and --matrix in text and
# CSV; the profile checks keur adds to the XSD (waivers, docs, label fields, applies-if).
. "$(dirname "$0")/lib.sh"
plan 51

P=$TOP/profiles
D=$TOP/tests/data
ALL="csr-label en303645 en18031-1 cra en18031-2 en18031-3 uk-psti"
is "$(ls "$P"/*.xml | grep -v '\.xsd' | wc -l)" 7 "seven bundled profiles"
for p in $ALL; do
	out=$("$KEUR" lint "$P/$p.xml" 2>&1)
	is "$?" 0 "profiles/$p.xml lints clean"
done

# Traceability: the union of the cases the profiles use is every case keur has.
"$KEUR" list | awk 'NR > 1 { print $1 }' | sort > "$TMP/all"
for p in $ALL; do
	"$KEUR" list --profile "$P/$p.xml" --matrix --csv > "$TMP/$p.csv" || echo "matrix of $p failed" >&2
	sed -E 's/"[^"]*"/Q/g' "$TMP/$p.csv" > "$TMP/$p.cols"	# quoted sources hold commas
done
used=$(for p in $ALL; do
	awk -F, 'NR == 1 { for (i = 5; i <= NF; i++) col[i] = $i; next }
		 { for (i = 5; i <= NF; i++) if ($i == "x") print col[i] }' "$TMP/$p.cols"
done | sort -u)
is "$(comm -23 "$TMP/all" <(echo "$used") | tr '\n' ' ')" "" "every case is used by at least one profile"
is "$(wc -l < "$TMP/all")" "$(echo "$used" | wc -l)" "and every case a profile uses exists ($(wc -l < "$TMP/all") cases)"
is "$(comm -23 "$TMP/all" <(awk -F, 'NR > 1 { for (i = 5; i <= NF; i++) if ($i == "x") { print h[i] } } NR == 1 { for (i = 5; i <= NF; i++) h[i] = $i }' "$TMP/csr-label.cols" | sort -u) | tr '\n' ' ')" "" \
	"csr-label, make demo's profile, uses every case"

# Each new profile's count of the scheme, as its comment states it with the source.
reqids() { grep -o '<requirement id="[^"]*"' "$P/$1.xml" | sed 's/.*id="//; s/"$//'; }
is "$(reqids en18031-2 | grep -vc -- '-functions$\|^KEUR-HIGH-PENTEST$')" 43 "en18031-2.xml: the 43 mechanisms of EN 18031-2"
grep -q 'The part has 43 mechanisms.  Counted from' "$P/en18031-2.xml"; ok $? "en18031-2.xml: its comment states 43 and the source"
like "$(reqids en18031-2 | tr '\n' ' ')" "EN18031-2-LGM-1 .*EN18031-2-DLM-1 .*EN18031-2-UNM-1 " "en18031-2.xml: logging, deletion and user notification, which only part 2 has"
is "$(reqids en18031-3 | grep -vc -- '-functions$\|^KEUR-HIGH-PENTEST$')" 37 "en18031-3.xml: the 37 mechanisms of EN 18031-3"
grep -q '37 mechanisms' "$P/en18031-3.xml"; ok $? "en18031-3.xml: its comment states 37"
like "$(reqids en18031-3 | tr '\n' ' ')" "EN18031-3-AUM-1-3 .*EN18031-3-GEC-8 " "en18031-3.xml: the financial-asset mechanisms only part 3 has"
is "$(reqids uk-psti | sed -E 's/^(UK-PSTI-[0-9A-Z]+).*/\1/' | sort -u | tr '\n' ' ')" "UK-PSTI-1 UK-PSTI-2 UK-PSTI-3 UK-PSTI-SOC " \
	"uk-psti.xml: the three security requirements and the statement of compliance"
grep -q 'asks four things' "$P/uk-psti.xml"; ok $? "uk-psti.xml: its comment states the four and the source"
! grep -q '<level\|level="' "$P/uk-psti.xml"; ok $? "uk-psti.xml: a pass/fail scheme without levels"
like "$(grep -A3 'id="UK-PSTI-3-update-period"' "$P/uk-psti.xml")" 'DECL-SUPPORT-001' "uk-psti.xml: the update period is DECL-SUPPORT-001's"
like "$(grep -A4 'id="UK-PSTI-1-passwords"' "$P/uk-psti.xml")" 'CRED-DEFAULT-001' "uk-psti.xml: passwords are the credential cases'"
# Every <same-as> names a requirement of a bundled profile.
bad=$(grep -ho '<same-as profile="[^"]*" requirement="[^"]*"' "$P"/*.xml | sed 's/.*profile="\([^"]*\)" requirement="\([^"]*\)"/\1 \2/' |
	while read -r prof req; do grep -q "<requirement id=\"$req\"" "$P/$prof.xml" 2>/dev/null || echo "$prof:$req"; done)
is "$bad" "" "every same-as names an existing requirement ($(grep -c '<same-as ' "$P"/*.xml | awk -F: '{ n += $2 } END { print n }') links)"
sed 's/requirement="EN303645-5.2-1"/requirement="EN303645-5.2-9"/' "$P/uk-psti.xml" > "$TMP/bad-psti.xml"
"$KEUR" lint "$TMP/bad-psti.xml" > /dev/null 2> "$TMP/err"
like "$?:$(cat "$TMP/err")" "^2:.*bad-psti.xml:[0-9]+: requirement 'UK-PSTI-2-reporting' is <same-as> 'EN303645-5.2-9' of profile 'en303645', which has no such requirement" \
	"keur lint names a same-as to a requirement the bundled profile does not have"
sed 's/<same-as profile="en303645" requirement="EN303645-5.2-1"/<same-as profile="en303645" requirement="EN303645-5.5-1"/' "$P/uk-psti.xml" > "$TMP/kind-psti.xml"
"$KEUR" lint "$TMP/kind-psti.xml" > /dev/null 2> "$TMP/err"
like "$?:$(cat "$TMP/err")" "^2:.*'UK-PSTI-2-reporting' is <same-as> 'EN303645-5.5-1' of profile 'en303645', but one is decided by the assessor" \
	"keur lint refuses a same-as between a docs requirement and a tested one"
# keur list --profiles: every bundled profile with what it holds.
"$KEUR" list --profiles > "$TMP/profiles.txt"
is "$(awk 'NR > 1 { print $1 }' "$TMP/profiles.txt" | sort | tr '\n' ' ')" "cra csr-label en18031-1 en18031-2 en18031-3 en303645 uk-psti " \
	"keur list --profiles: the seven"
like "$(grep '^uk-psti ' "$TMP/profiles.txt")" "^uk-psti +1 +7 +3 +4 +none \(pass/fail\)" "keur list --profiles: requirements, tested, to review, levels"
like "$(grep '^en18031-2 ' "$TMP/profiles.txt")" "^en18031-2 +1 +45 +[0-9]+ +[0-9]+ +basic,substantial,high" "keur list --profiles: en18031-2"

# EN 303 645 V2.1.1: 67 provisions, each by its clause ID; the mandatory ones as the catalogue lists.
ids=$(grep -o 'id="EN303645-[0-9]*\.*[0-9]*-[0-9]*"' "$P/en303645.xml" | sort -u | wc -l)
is "$ids" 67 "en303645.xml names all 67 provisions"
docs_pass=$(grep -c 'kind="docs"' "$P/en303645.xml")
ok $([ "$docs_pass" -gt 30 ]; echo $?) "the provisions keur cannot test are kind=\"docs\" ($docs_pass)"
for m in 5.1-1 5.1-5 5.3-2 5.3-10 5.3-13 5.5-1 5.5-5 5.5-7 5.6-1 5.6-2 5.13-1; do
	grep -q "id=\"EN303645-$m\" source=\"ETSI EN 303 645 V2.1.1, $m (M" "$P/en303645.xml" || echo "$m not marked M" >&2
done
ok $? "the tested mandatory provisions carry the standard's M in their source"
like "$(grep -A1 'id="EN303645-5.9-2"' "$P/csr-label.xml")" 'kind="mandatory"' "csr-label makes 5.9-2 mandatory (the CSR demands it)"
like "$(grep 'id="EN303645-5.3-4"' "$P/csr-label.xml")$(grep 'id="EN303645-5.3-6"' "$P/csr-label.xml")" \
	'kind="mandatory".*kind="mandatory"' "and 5.3-4 and 5.3-6"

# The matrix, text and CSV.
n=$(wc -l < "$TMP/all")
is "$(head -1 "$TMP/csr-label.csv" | awk -F, '{ print NF }')" "$((n + 4))" "CSV header: requirement, source, kind, level and one column per case"
nreq=$("$KEUR" lint "$P/csr-label.xml" | sed -n 's/.*version [^,]*, \([0-9]*\) requirements/\1/p')
is "$(($(wc -l < "$TMP/csr-label.csv") - 1))" "$nreq" "one CSV row per requirement ($nreq)"
row=$(grep '^EN303645-5.1-1,' "$TMP/csr-label.cols")
col=$(head -1 "$TMP/csr-label.csv" | tr ',' '\n' | grep -n '^CRED-DEFAULT-001$' | cut -d: -f1)
is "$(echo "$row" | awk -F, -v c="$col" '{ print $c }')" x "EN303645-5.1-1 x CRED-DEFAULT-001 is marked"
like "$(grep '^"ETSI\|^EN303645-5.1-1,' "$TMP/csr-label.csv")" '^EN303645-5.1-1,"ETSI EN 303 645 V2.1.1, 5.1-1",conditional,basic,' \
	"a source with a comma is quoted"
txt=$("$KEUR" list --profile "$P/en18031-1.xml" --matrix)
like "$txt" "profile en18031-1 version 1: [0-9]+ requirements x $n cases" "text matrix: a heading with the sizes"
like "$txt" "EN18031-1-AUM-6 +mandatory +substantial +[.x]+" "one row per requirement"
like "$txt" "COAP-AMP-001 .*\\[used by no requirement here\\]|[0-9]+ of $n cases used" "unused cases are marked"
"$KEUR" list --matrix > /dev/null 2> "$TMP/err"
is $? 2 "--matrix without --profile: exit 2"
"$KEUR" run --dut "$D/self-dut.xml" --matrix > /dev/null 2> "$TMP/err"
like "$(cat "$TMP/err")" "--matrix, --csv and --profiles are options of keur list" "keur run refuses --matrix"

# What keur checks beyond the XSD.
bad() { # bad NAME PATTERN WHAT: a profile with extra lines, lint must refuse it
	local out rc
	out=$("$KEUR" lint "$TMP/$1.xml" 2>&1); rc=$?
	if [ $rc -eq 2 ] && [[ $out =~ $2 ]]; then ok 0 "$3"; else ok 1 "$3"; echo "# exit $rc: $out"; fi
}
mk() { # mk NAME EXTRA-IN-REQUIREMENT EXTRA-AFTER-LEVELS [KIND]
	cat > "$TMP/$1.xml" <<EOF
<profile xmlns="urn:keur:profile:1" id="p" version="1">
  <title>t</title>
  <requirement id="R1" source="s" kind="${4:-mandatory}" level="basic" $2>
    <summary>s</summary>
    <check case="MQTT-AUTH-001"/>
  </requirement>
  <requirement id="R2" source="s" kind="docs" level="basic"><summary>d</summary></requirement>
  <level id="basic"/>
  $3
</profile>
EOF
}
mk w1 "" '<waiver requirement="R9" reason="r" approved-by="a"/>'
bad w1 "w1.xml:9: waiver for undefined requirement 'R9'" "a waiver for an unknown requirement"
mk w2 "" '<waiver requirement="R2" reason="r" approved-by="a"/>'
bad w2 "waiver for 'R2', which the assessor decides" "a waiver for a docs requirement"
mk w3 "" '<waiver requirement="R1" reason="r"/>'
bad w3 "w3.xml:9: .*approved-by" "a waiver without who approved it"
mk d1 "" "" docs
bad d1 "requirement 'R1' is kind=\"docs\" \\(decided by the assessor's review\\) but has <check>s" "a docs requirement with checks"
mk f1 "" '<label><field name="automatic-updates" from-requirement="R1"/><field name="automatic-updates"/></label>'
bad f1 "label field 'automatic-updates' is given twice" "a label field twice"
mk f2 "" '<label><field name="colour"/></label>'
bad f2 "f2.xml:9: .*colour" "an unknown label field"
mk a1 'applies-if="toaster"' ""
bad a1 "a1.xml:3: .*toaster" "an unknown applies-if"

# applies-if from the DUT: NMM-1 concerns network equipment only.
nm() { xmllint --xpath "string(//*[local-name()='requirement'][@id='EN18031-1-NMM-1']/@verdict)" "$TMP/$1/report.xml" 2>/dev/null; }
"$KEUR" run --profile "$P/en18031-1.xml" --dut "$D/self-dut.xml" --only MQTT-AUTH-001 --out "$TMP/ne0" --no-progress > /dev/null 2>&1
is "$(nm ne0)" na "EN18031-1 NMM-1 is na for a DUT that is no network equipment"
sed 's|firmware="0"/>|firmware="0"/> <declares network-equipment="true"/>|' "$D/self-dut.xml" > "$TMP/router.xml"
"$KEUR" run --profile "$P/en18031-1.xml" --dut "$TMP/router.xml" --only MQTT-AUTH-001 --out "$TMP/ne1" --no-progress > /dev/null 2>&1
is "$(nm ne1)" awaiting-review "and awaiting the assessor's review for one that declares it is"
done_testing
