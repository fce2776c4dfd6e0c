#!/usr/bin/env bash
# The csr-label profile end to end against the simulated lab (needs root): the reference device
# reaches substantial or higher with all four label fields positive; with accept-unsigned the
# automatic-updates field is "no" and the level falls; without an uplink fixture the offline
# field is "not determined".  The label is checked as a person would read it and as XML.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_begin
LN=$(lab_name t73)
plan 27

L=$TMP/lab
trap '[ -f "$L/lab.state" ] && "$KEUR" lab down --dir "$L" >/dev/null 2>&1; cleanup' EXIT
"$KEUR" lab up --dir "$L" --name "$LN" --duts 3 --flaw 1:accept-unsigned > "$TMP/up.out" 2>&1
is $? 0 "keur lab up: a good device, one that accepts unsigned images, one for a lab without uplink"
grep -v '<uplink' "$L/lab.xml" > "$L/lab-nouplink.xml"

run() { # run I NAME LAB: the full csr-label profile
	"$KEUR" run --profile "$TOP/profiles/csr-label.xml" --dut "$L/dev$1.xml" --lab "$3" --out "$TMP/$2" \
		--no-progress > "$TMP/$2.tap" 2> "$TMP/$2.err" < /dev/null
	echo $? > "$TMP/$2.rc"
}
run 0 good "$L/lab.xml" & p0=$!
run 1 unsigned "$L/lab.xml" & p1=$!
run 2 nouplink "$L/lab-nouplink.xml" & p2=$!
wait $p0 $p1 $p2

field() { xmllint --xpath "string(//*[local-name()='label']/*[@name='$2']/@value)" "$TMP/$1/report.xml" 2>/dev/null; }
svg() { xmllint --xpath "string(//*[local-name()='g'][@id='$2']/@data-value)" "$TMP/$1/label.svg" 2>/dev/null; }
rank() { case $1 in high) echo 3 ;; substantial) echo 2 ;; basic) echo 1 ;; *) echo 0 ;; esac; }

lv=$(field good security-level)
is "$(cat "$TMP/good.rc")" 3 "the reference device: exit 3, every tested requirement passed, the penetration test awaits a person"
like "$(cat "$TMP/good.err")" "1 requirement waits for the assessor's review: KEUR-HIGH-PENTEST" "the summary says which review is awaited"
ok $([ "$(rank "$lv")" -ge 2 ]; echo $?) "the reference device reaches substantial or higher (got: $lv)"
is "$(field good automatic-updates) $(field good supported-until) $(field good works-offline)" "yes 2031-12 yes" \
	"and all three other fields are positive: updates yes, supported until 2031-12, works offline yes"
like "$(cat "$TMP/good.err")" "level reached: $lv; automatic updates: Yes; supported until: December 2031; works offline: Yes" \
	"the run's summary says so"
is "$(grep -c '^\(not \)\?ok ' "$TMP/good.tap")" "$("$KEUR" list | awk 'NR > 1' | wc -l)" "csr-label ran every case keur has"

xmllint --noout "$TMP/good/label.svg" 2>/dev/null; ok $? "label.svg parses"
is "$(svg good security-level) $(svg good automatic-updates) $(svg good supported-until) $(svg good works-offline)" \
	"$lv yes 2031-12 yes" "label.svg carries the same four fields as report.xml"
txt=$(xmllint --xpath '//*[local-name()="text"]/text()' "$TMP/good/label.svg" 2>/dev/null | tr '\n' ' ')
like "$txt" "keur simdev thermostat .*$lv REACHED .*Automatic security updates YES .*December 2031 .*Works without internet YES" \
	"the label reads: device, level reached, YES, December 2031, YES"
like "$txt" "Profile csr-label 1 .*Lab keur simulated lab .*Tested [0-9]{4}-[0-9]{2}-[0-9]{2} · report KEUR-[0-9a-f]{12}" \
	"with the profile, the lab, the date and the report ID"
sha=$(sha256sum "$TMP/good/report.xml" | cut -c1-64)
like "$txt" "${sha:0:32} ${sha:32:32}" "and report.xml's SHA-256, so a printed label leads to its report"
renders_svg "$TMP/good/label.svg" "rsvg-convert renders it"

# The lab's penetration tester records the test with its report: the level becomes high, exit 0.
echo "penetration test report: no finding above low" > "$TMP/pentest.txt"
cat > "$TMP/pentest.xml" <<EOF
<reviews xmlns="urn:keur:review:1">
  <review requirement="KEUR-HIGH-PENTEST" verdict="pass" assessor="P. Tester" date="$(date -u +%F)">
    <rationale>Two days of testing against the state of the art; no finding above low</rationale>
    <document path="pentest.txt" title="Penetration test report"/>
  </review>
</reviews>
EOF
"$KEUR" review "$TMP/good" --with "$TMP/pentest.xml" > /dev/null 2> "$TMP/good-review.err"
is "$?" 0 "with the penetration test reviewed: exit 0, every mandatory requirement passed"
is "$(field good security-level)" high "and the level reached is high"
like "$(xmllint --xpath '//*[local-name()="text"]/text()' "$TMP/good/label.svg" 2>/dev/null | tr '\n' ' ')" \
	"high REACHED .*1 reviewed by the assessor; none awaiting review" "the label says a person's review is part of it"

lu=$(field unsigned security-level)
is "$(cat "$TMP/unsigned.rc")" 1 "accept-unsigned: exit 1"
is "$(field unsigned automatic-updates)" no "accept-unsigned: automatic security updates: no"
ok $([ "$(rank "$lu")" -lt "$(rank "$lv")" ]; echo $?) "and the level falls ($lv -> $lu)"
like "$(xmllint --xpath "string(//*[local-name()='levels']/*[@id='basic'])" "$TMP/unsigned/report.xml")" \
	"held back by failed .*CSR-LABEL-ii" "the report names the requirement that held it back"
is "$(svg unsigned automatic-updates)" no "the label says no"
is "$(field unsigned works-offline)" yes "its offline field is unaffected"

is "$(field nouplink works-offline)" not-determined "no uplink fixture: works without internet is not determined"
is "$(xmllint --xpath "string(//*[local-name()='case'][@id='OFFLINE-LOCAL-001']/@verdict)" "$TMP/nouplink/report.xml")" inconc \
	"because OFFLINE-LOCAL-001 was inconclusive"
is "$(svg nouplink works-offline)" not-determined "the label says not determined, not yes or no"
ok $([ "$(field nouplink security-level)" != "$lv" ] && [ "$(cat "$TMP/nouplink.rc")" = 3 ]; echo $?) \
	"an undecided mandatory requirement keeps the level from being reached; exit 3"

"$KEUR" lab down --dir "$L" > "$TMP/down.out" 2>&1
is "$? $(ip netns list | grep -c "^keur-$LN-" || true)" "0 0" "keur lab down removes the lab"
