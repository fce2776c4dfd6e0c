#!/usr/bin/env bash
# The guided review: guidance for every documentation requirement of the bundled profiles,
# EN 18031-1's decision trees (each linted, every path ending in a verdict; a tree with a dead
# end refused naming its line), keur list --requirement, a run of en18031-1 against a real
# mosquitto whose review is answered through the trees (the verdict the tree gives, checked
# against this test's own walk of the profile), the template carrying guidance and questions,
# and the review on a terminal driven through a pseudo-terminal: answers typed, the process
# killed in the middle, a restart that goes on at the next open requirement.
. "$(dirname "$0")/lib.sh"
plan 54

P=$TOP/profiles/en18031-1.xml
DRIVE=$TOP/tests/pty-drive.py
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }

# ---- guidance and trees in the bundled profiles ----
for p in cra csr-label en18031-1 en303645; do
	n=$(xp "$TOP/profiles/$p.xml" 'count(//*[local-name()="requirement"][@kind="docs"])')
	m=$(xp "$TOP/profiles/$p.xml" 'count(//*[local-name()="requirement"][@kind="docs"]/*[local-name()="guidance"])')
	[ "$n" -gt 0 ] && [ "$n" = "$m" ]; ok $? "$p: every one of its $n documentation requirements has guidance ($m)"
done
n=$(xp "$P" 'count(//*[local-name()="requirement"][@kind="docs"])')
m=$(xp "$P" 'count(//*[local-name()="requirement"][@kind="docs"]/*[local-name()="tree"])')
is "$m" "$n" "en18031-1: every documentation requirement has a decision tree"
"$KEUR" lint "$TOP"/profiles/*.xml > "$TMP/lint.out" 2>&1; ok $? "the four bundled profiles lint, their trees with them"

# This test's own reading of the trees (python, not keur): every path from the first question
# ends in pass, fail or na; each tree has a path to pass and one to fail.
python3 - "$P" > "$TMP/paths.txt" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"p": "urn:keur:profile:1"}
for r in ET.parse(sys.argv[1]).getroot().findall("p:requirement", ns):
    t = r.find("p:tree", ns)
    if t is None:
        continue
    qs = {q.get("id"): q for q in t.findall("p:question", ns)}
    first = t.findall("p:question", ns)[0].get("id")
    def walk(qid, path, seen):
        if qid in seen:
            print(r.get("id"), "CIRCLE", ",".join(path)); return
        q = qs.get(qid)
        if q is None:
            print(r.get("id"), "DEADEND", ",".join(path)); return
        for a in ("yes", "no"):
            el = q.find("p:" + a, ns)
            p = path + ["%s=%s" % (qid, a)]
            if el.get("verdict"):
                print(r.get("id"), el.get("verdict"), ",".join(p))
            elif el.get("next"):
                walk(el.get("next"), p, seen | {qid})
            else:
                print(r.get("id"), "DEADEND", ",".join(p))
    walk(first, [], set())
EOF
! grep -qE ' (DEADEND|CIRCLE) ' "$TMP/paths.txt"; ok $? "every path of every EN 18031-1 tree ends in a verdict ($(wc -l < "$TMP/paths.txt") paths)"
bad=$(awk '{ v[$1] = v[$1] " " $2 } END { for (r in v) if (v[r] !~ / pass/ || v[r] !~ / fail/) print r }' "$TMP/paths.txt")
is "$bad" "" "every EN 18031-1 tree can lead to pass and to fail"

# A tree with a dead end, a wrong turn, a circle and a question nobody reaches: refused by line.
req=EN18031-1-AUM-3
sed_dead() {	# FILE: the profile with the first "no" of $req's tree changed by the sed expression $2
	awk -v req="$req" -v repl="$2" '
		index($0, "id=\"" req "\"") { inreq = 1 }
		inreq && /<no / && !done { sub(/<no [^>]*\/>/, repl); done = 1; line = NR }
		{ print } END { print line > "/dev/stderr" }' "$P" > "$1"
}
line=$(sed_dead "$TMP/dead.xml" '<no/>' 2>&1 >/dev/null)
"$KEUR" lint "$TMP/dead.xml" > "$TMP/dead.out" 2>&1
is "$?" 2 "keur lint: a tree answer that leads nowhere is refused (exit 2)"
like "$(cat "$TMP/dead.out")" "dead.xml:$line: requirement '$req': question '[^']*' answer 'no' leads nowhere \\(a dead end\\)" \
	"keur lint names the dead end by its line ($line)"
line=$(sed_dead "$TMP/wrong.xml" '<no next="DN-99"/>' 2>&1 >/dev/null)
"$KEUR" lint "$TMP/wrong.xml" > "$TMP/wrong.out" 2>&1
like "$(cat "$TMP/wrong.out")" "wrong.xml:$line: .*leads to question 'DN-99', which the tree does not have" \
	"an answer leading to a question the tree lacks: refused, by line"
first=$(awk -v req="$req" 'index($0, "id=\"" req "\"") { inreq = 1 } inreq && /<question id=/ { sub(/.*<question id="/, ""); sub(/".*/, ""); print; exit }' "$P")
line=$(sed_dead "$TMP/circle.xml" "<no next=\"$first\"/>" 2>&1 >/dev/null)
"$KEUR" lint "$TMP/circle.xml" > "$TMP/circle.out" 2>&1
like "$(cat "$TMP/circle.out")" "circle.xml:$line: .*leads back to question '$first' \\(a circle" "a circle in a tree: refused, by line"
line=$(sed_dead "$TMP/both.xml" '<no next="X" verdict="fail"/>' 2>&1 >/dev/null)
"$KEUR" lint "$TMP/both.xml" > "$TMP/both.out" 2>&1
like "$(cat "$TMP/both.out")" "both.xml:$line: .*has both next and verdict" "an answer with both next and verdict: refused"
"$KEUR" run --profile "$TMP/dead.xml" --dut /dev/null --out "$TMP/never" > /dev/null 2> "$TMP/never.err"
is "$?" 2 "keur run refuses a profile with a dead end too"
[ ! -e "$TMP/never" ]; ok $? "and creates nothing"

# ---- keur list --requirement ----
"$KEUR" list --profile "$P" --requirement "$req" > "$TMP/list.out" 2>&1
is "$?" 0 "keur list --profile P --requirement ID: exit 0"
grep -q '^  Examine: ' "$TMP/list.out" && grep -q '^  Pass: ' "$TMP/list.out" && grep -q '^  Fail: ' "$TMP/list.out" &&
	grep -q '^  Not applicable: ' "$TMP/list.out"; ok $? "it shows the guidance"
grep -q '^Decision tree' "$TMP/list.out" && grep -q "^  $first " "$TMP/list.out" &&
	grep -qE '^ +yes: (question [A-Za-z0-9.-]+|pass|fail|na); no: (question [A-Za-z0-9.-]+|pass|fail|na)$' "$TMP/list.out"
ok $? "and the tree: its questions and where each answer leads"
"$KEUR" list --profile "$P" --requirement NO-SUCH > /dev/null 2> "$TMP/list.err"
is "$?" 2 "keur list --requirement with an unknown requirement: exit 2"
like "$(cat "$TMP/list.err")" "has no requirement 'NO-SUCH'" "naming it"
"$KEUR" list --requirement "$req" > /dev/null 2>&1
is "$?" 2 "--requirement without --profile: a usage error"

# ---- a run of en18031-1 against a real mosquitto ----
mosquitto_passwd -c -b "$TMP/passwd" lab-test 'pw-only-for-tests' > /dev/null 2>&1
chmod 644 "$TMP/passwd"
port=$(freeport)
start_mosquitto good "listener $port 127.0.0.1
allow_anonymous false
password_file $TMP/passwd"
echo "$BG" > "$TMP/mosquitto.pid"
cat > "$TMP/dut.xml" <<EOF
<dut xmlns="urn:keur:dut:1" id="mosq">
  <identity vendor="Eclipse" model="mosquitto" firmware="2"/>
  <declares support-until="2032-12" market-date="2026-01" automatic-updates="true"/>
  <mqtt role="broker" host="127.0.0.1" port="$port" username="lab-test" password="pw-only-for-tests" timeout="3"/>
  <local-process pid-file="$TMP/mosquitto.pid"/>
</dut>
EOF
"$KEUR" run --profile "$P" --dut "$TMP/dut.xml" --out "$TMP/r" --no-progress > "$TMP/r.tap" 2> "$TMP/r.err" < /dev/null
ok $([ -s "$TMP/r/report.xml" ]; echo $?) "en18031-1 against mosquitto: a report ($(tail -n 1 "$TMP/r.err"))"

"$KEUR" review template "$TMP/r" > "$TMP/tpl.xml" 2> "$TMP/tpl.err"
is "$?" 0 "keur review template: exit 0"
want=$(for r in $(sed -n 's/.*<review requirement="\([^"]*\)".*/\1/p' "$TMP/tpl.xml"); do
	xp "$P" "count(//*[local-name()='requirement'][@id='$r']//*[local-name()='question'])"; echo; done | awk '{ n += $1 } END { print n }')
is "$(grep -c '<answer question=' "$TMP/tpl.xml")" "$want" "the template has an <answer> for every question of each open requirement's tree"
grep -q "Examine: " "$TMP/tpl.xml" && grep -q "Decision tree: answer yes or no" "$TMP/tpl.xml"
ok $? "and the guidance and the questions as comments"
xmllint --noout --schema "$TOP/profiles/review.xsd" "$TMP/tpl.xml" 2>/dev/null; ok $? "the template is a valid review file"

# Answers for every tree, each along a path this test picked from its own walk (the k-th path
# of requirement k, so that pass, fail and na all occur), and the verdict that path ends in.
echo "the DPIA, version 1" > "$TMP/design.txt"
python3 - "$TMP/tpl.xml" "$TMP/paths.txt" "$TMP/answered.xml" "$TMP/expect.txt" <<'EOF'
import sys, re
tpl, paths, out, expect = sys.argv[1:5]
by = {}
for l in open(paths):
    r, v, p = l.split()
    by.setdefault(r, []).append((v, p))
text = open(tpl).read()
exp = open(expect, "w")
def fill(m):
    r = m.group(1)
    body = m.group(2)
    if r not in by:
        return m.group(0)
    k = sorted(by).index(r)
    v, p = by[r][k % len(by[r])]
    ans = dict(a.split("=") for a in p.split(","))
    exp.write("%s %s %s\n" % (r, v, p))
    body = re.sub(r'<answer question="([^"]+)"></answer>',
                  lambda a: '<answer question="%s">%s</answer>' % (a.group(1), ans.get(a.group(1), "")), body)
    body = body.replace("<rationale></rationale>", "<rationale>answered along the tree</rationale>")
    body = body.replace('<!-- <document path="" title=""/> -->', '<document path="design.txt" title="design"/>')
    return '<review requirement="%s" verdict="" assessor="test assessor" date="2026-12-01">%s</review>' % (r, body)
text = re.sub(r'<review requirement="([^"]+)" verdict="" assessor="" date="">(.*?)</review>', fill, text, flags=re.S)
open(out, "w").write(text)
EOF
"$KEUR" review "$TMP/r" --with "$TMP/answered.xml" > "$TMP/rev.out" 2> "$TMP/rev.err"
rc=$?
ok $([ "$rc" != 2 ]; echo $?) "keur review --with answers only: recorded (exit $rc; $(grep 'recorded' "$TMP/rev.err"))"
got=$(while read -r r v p; do
	printf '%s %s\n' "$r" "$(xp "$TMP/r/report.xml" "string(//*[local-name()='requirement'][@id='$r']/*[local-name()='review']/@verdict)")"
done < "$TMP/expect.txt")
is "$got" "$(awk '{ print $1, $2 }' "$TMP/expect.txt")" "every reviewed requirement has the verdict its answers lead to in this test's own walk"
is "$(awk '{ print $2 }' "$TMP/expect.txt" | sort -u | tr '\n' ' ')" "fail na pass " "among them pass, fail and na"
r1=$(head -n 1 "$TMP/expect.txt" | cut -d' ' -f1)
p1=$(head -n 1 "$TMP/expect.txt" | cut -d' ' -f3)
is "$(xp "$TMP/r/report.xml" "count(//*[local-name()='requirement'][@id='$r1']/*[local-name()='review']/*[local-name()='answer'])")" \
	"$(echo "$p1" | tr ',' '\n' | wc -l)" "report.xml: the answers of $r1 beside its verdict"
like "$(xp "$TMP/r/report.xml" "string(//*[local-name()='requirement'][@id='$r1']/*[local-name()='review']/@path)")" \
	"^$(echo "$p1" | sed 's/=/ /g; s/,/, /g'): " "report.xml: and the path taken"
like "$(xp "$TMP/r/oscal.xml" "string(//*[local-name()='observation'][*[local-name()='prop'][@name='requirement'][@value='$r1']]/*[local-name()='prop'][@name='decision-path']/@value)")" \
	"$(echo "$p1" | sed 's/=.*//')" "oscal.xml: the review's observation carries the path"
"$KEUR" verify "$TMP/r" > "$TMP/verify.out" 2>&1
like "$(cat "$TMP/verify.out")" "ok: +journal and [0-9]+ evidence file\\(s\\) match" "keur verify: the journal and the documents match the report"

# ---- answers that do not hold together: refused with one line, nothing recorded ----
nrec() { grep -c '^review ' "$TMP/r/journal"; }
before=$(nrec)
r2=$(sed -n 2p "$TMP/expect.txt" | cut -d' ' -f1)
q1=$(xp "$P" "string(//*[local-name()='requirement'][@id='$r2']//*[local-name()='question'][1]/@id)")
qn=$(xp "$P" "string(//*[local-name()='requirement'][@id='$r2']//*[local-name()='question'][last()]/@id)")
# the first question's "no", where it leads, and a verdict other than that
lead=$(xp "$P" "string(//*[local-name()='requirement'][@id='$r2']//*[local-name()='question'][1]/*[local-name()='no']/@verdict)")
review_one() {	# FILE VERDICT ANSWERS...: a review file of $r2
	f=$1 v=$2; shift 2
	{ echo "<reviews xmlns=\"urn:keur:review:1\"><review requirement=\"$r2\" verdict=\"$v\" assessor=\"a\" date=\"2026-12-01\">"
	  for a in "$@"; do echo "<answer question=\"${a%%=*}\">${a#*=}</answer>"; done
	  echo '<rationale>r</rationale><document path="design.txt"/></review></reviews>'; } > "$TMP/$f"
}
review_one off.xml "" "$q1=no" "$qn=yes"
"$KEUR" review "$TMP/r" --with "$TMP/off.xml" > /dev/null 2> "$TMP/off.err"
is "$?:$(nrec)" "2:$before" "an answer off the path the others take: exit 2, nothing recorded"
like "$(cat "$TMP/off.err")" "off.xml:1: review of '$r2': question '$qn' is answered but not on the path" "naming the question"
other=$( [ "$lead" = pass ] && echo fail || echo pass)
review_one disagree.xml "$other" "$q1=no"
"$KEUR" review "$TMP/r" --with "$TMP/disagree.xml" > /dev/null 2> "$TMP/disagree.err"
is "$?:$(nrec)" "2:$before" "a verdict other than the answers lead to: refused"
like "$(cat "$TMP/disagree.err")" "the answers lead to $lead \\($q1 no: $lead\\), the verdict says $other" "saying both"
review_one bare.xml pass
"$KEUR" review "$TMP/r" --with "$TMP/bare.xml" > /dev/null 2> "$TMP/bare.err"
is "$?:$(nrec)" "2:$before" "a verdict without the answers its tree asks for: refused"
like "$(cat "$TMP/bare.err")" "its decision tree gives the verdict: answer its questions" "pointing at the questions"

# ---- the review on a terminal ----
"$KEUR" run --profile "$P" --dut "$TMP/dut.xml" --out "$TMP/t" --no-progress > /dev/null 2>&1 < /dev/null
"$KEUR" review "$TMP/t" < /dev/null > /dev/null 2> "$TMP/notty.err"
is "$?" 2 "keur review DIR off a terminal: exit 2"
like "$(cat "$TMP/notty.err")" "not on a terminal.*--with FILE" "saying to give the reviews with --with FILE"
"$KEUR" review --help | grep -q "on a terminal: a guided review" && "$KEUR" --help | grep -q "review DIR  *on a terminal" &&
	"$KEUR" --help | grep -q "list --profile P --requirement ID"
ok $? "keur --help and keur review --help name the guided review and keur list --requirement"
"$KEUR" review template "$TMP/t" 2>/dev/null | sed -n 's/.*<review requirement="\([^"]*\)".*/\1/p' > "$TMP/open.txt"
nopen=$(wc -l < "$TMP/open.txt")
o1=$(sed -n 1p "$TMP/open.txt") o2=$(sed -n 2p "$TMP/open.txt") o3=$(sed -n 3p "$TMP/open.txt")
answers_for() { grep "^$1 " "$TMP/paths.txt" | head -n 1; }	# REQ: its first path: "REQ VERDICT Q=a,Q=a"
steps_for() {	# REQ: pty-drive steps answering REQ's tree along its first path
	answers_for "$1" | cut -d' ' -f3 | tr ',' '\n' | while IFS== read -r q a; do
		printf 'expect %s \\[yes, no, skip, quit\\]: \nsend %s\n' "$q" "$a"; done
}
v1=$(answers_for "$o1" | cut -d' ' -f2)
{
	echo "expect Your name, as the assessor who decides: "
	echo "send pty assessor"
	echo "expect ==== 1 of $nopen: $o1 "
	steps_for "$o1"
	echo "expect The answers lead to: $v1 "
	echo "expect rationale: "
	echo "send read the design note, section 2"
	echo "expect document: "
	echo "send $TMP/design.txt"
	echo "expect document: "
	echo "send "
	echo "expect Record it \\[yes, redo, skip, quit\\]: "
	echo "send yes"
	echo "expect saved: $o1 $v1 by pty assessor"
	echo "expect ==== 2 of $nopen: $o2 "
	echo "expect \\[yes, no, skip, quit\\]: "
	echo "send skip"
	echo "expect ==== 3 of $nopen: $o3 "
	steps_for "$o3" | head -n 2
	echo "kill"
} > "$TMP/s1.txt"
(cd "$TMP" && python3 "$DRIVE" "$TMP/s1.txt" "$TMP/s1.out" -- "$KEUR" review "$TMP/t")
rc=$?
is "$rc" 137 "terminal: one requirement answered and recorded, one skipped, then the process killed mid-way"
[ "$rc" = 137 ] || { tail -n 15 "$TMP/s1.out"; echo; } | sed 's/^/#   /'
grep -q "Guidance:" "$TMP/s1.out" && grep -q "    Examine: " "$TMP/s1.out" && grep -q "  ICS: " "$TMP/s1.out"
ok $? "terminal: it showed the guidance and the ICS entry"
is "$(grep -c '^review ' "$TMP/t/journal")" 1 "terminal: the answered requirement is in the journal at once, the others not"
is "$(xp "$TMP/t/report.xml" "string(//*[local-name()='requirement'][@id='$o1']/@verdict)")" "$v1" \
	"terminal: report.xml already shows $o1 $v1, as its answers lead"
like "$(xp "$TMP/t/report.xml" "string(//*[local-name()='requirement'][@id='$o1']/*[local-name()='review']/@path)")" ": $v1\$" \
	"terminal: with the path taken"
"$KEUR" verify "$TMP/t" > "$TMP/tv.out" 2>&1
like "$(cat "$TMP/tv.out")" "ok: +journal and [0-9]+ evidence file\\(s\\) match" "terminal: the kill left journal and evidence whole"

# Started again: it goes on with the next open requirement; nonsense and empty answers are
# asked again, never taken for a verdict; quit keeps what was recorded.
v2=$(answers_for "$o2" | cut -d' ' -f2)
{
	echo "expect $((nopen - 1)) requirement\\(s\\) open"
	echo "expect ==== 1 of $((nopen - 1)): $o2 "
	echo "expect \\[yes, no, skip, quit\\]: "
	echo "send maybe"
	echo "expect \\(answer one of: yes no skip quit\\)"
	echo "send "
	echo "expect \\(answer one of: yes no skip quit\\)"
	first_a=$(answers_for "$o2" | cut -d' ' -f3 | cut -d, -f1 | cut -d= -f2)
	echo "send $first_a"
	steps_for "$o2" | tail -n +3
	echo "expect rationale: "
	echo "send "
	echo "expect \\(a review needs its reason\\)"
	echo "send checked the asset list"
	echo "expect document: "
	echo "send no-such-file.pdf"
	echo "expect No such file or directory"
	echo "send design.txt"
	echo "expect document: "
	echo "send "
	echo "expect Record it"
	echo "send yes"
	echo "expect saved: $o2 $v2"
	echo "expect ==== 2 of $((nopen - 1)): $o3 "
	echo "expect \\[yes, no, skip, quit\\]: "
	echo "send quit"
	echo "expect still open"
	echo "end"
} > "$TMP/s2.txt"
(cd "$TMP" && python3 "$DRIVE" "$TMP/s2.txt" "$TMP/s2.out" -- "$KEUR" review "$TMP/t" --assessor "pty assessor")
rc=$?
is "$rc" "$(tail -n 1 "$TMP/s2.out" | sed -n 's/.*(exit \([0-9]\)).*/\1/p')" \
	"terminal, again: it went on at $o2, recorded it, quit at $o3; the run's exit code"
grep -q "^keur: 1 review(s) recorded in this session; $((nopen - 2)) requirement(s) still open" "$TMP/s2.out"
ok $? "terminal: it says what this session recorded and what is still open"
is "$(grep -c '^review ' "$TMP/t/journal")" 2 "terminal: two reviews in the journal now"
"$KEUR" review template "$TMP/t" 2>/dev/null | grep -q "<review requirement=\"$o3\""; ok $? "terminal: $o3 is still open"
! grep -q "<review requirement=\"$o2\"" <("$KEUR" review template "$TMP/t" 2>/dev/null); ok $? "terminal: $o2 is not"

# A terminal closed before a name is given: nothing recorded.
printf 'expect Your name\neof\nend\n' > "$TMP/s3.txt"
(cd "$TMP" && python3 "$DRIVE" "$TMP/s3.txt" "$TMP/s3.out" -- "$KEUR" review "$TMP/t")
grep -q "input ended; nothing recorded" "$TMP/s3.out" && [ "$(grep -c '^review ' "$TMP/t/journal")" = 2 ]
ok $? "terminal: input ended at the first question: nothing recorded"

done_testing
