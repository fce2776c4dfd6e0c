#!/usr/bin/env bash
# keur registry and keur bundle: signed reports from labs in, verified against the trust list,
# stored whole in SQLite and its file store, and the monitor on top.  Reports come from real
# runs of the self-test runner, signed by a test PKI (an accreditation body's CA, two labs it
# certified, a lab under another CA).  Intake of good, unsigned, tampered (report byte,
# evidence byte), foreign-lab and untrusted-lab reports; bundles that climb out, link, repeat a
# name, bomb or are cut short, each refused with nothing stored; supersession; support-end and
# advisory flags; list, show, vendors and stats in text, JSON and CSV; two processes adding at
# once; a process killed with SIGKILL mid-intake, then everything added again.
. "$(dirname "$0")/lib.sh"
plan 183

R=$TMP/reg.db
P=$TMP/pki
mkdir -p "$P" "$TMP/runs"
reg() { "$KEUR" registry "$@" --db "$R"; }
count() { sqlite3 "$R" "SELECT count(*) FROM $1"; }
# csv COLUMN...: the named columns of the CSV on stdin, a row per line, fields joined by '|'.
csv() { python3 -c 'import csv,sys; r=csv.DictReader(sys.stdin); [print("|".join(x[c] for c in sys.argv[1:])) for x in r]' "$@"; }

# ---- a test PKI ----
newkey="ec -pkeyopt ec_paramgen_curve:P-256"
for ca in body delftca otherbody; do
	openssl req -x509 -newkey $newkey -nodes -days 2 -subj "/CN=$ca root" -keyout "$P/$ca.key" -out "$P/$ca.pem" 2>/dev/null
done
lab_cert() {	# NAME CA
	openssl req -newkey $newkey -nodes -subj "/O=$1/CN=$1 report signing" -keyout "$P/$1.key" -out "$P/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial -days 2 -out "$P/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey $newkey -nodes -days 2 -subj "/CN=extra root" -keyout "$P/extra.key" -out "$P/extra.pem" 2>/dev/null
# An intermediate CA under the body's root, for a lab that trusts it alone.
openssl req -newkey $newkey -nodes -subj "/CN=body intermediate" -keyout "$P/bodyint.key" -out "$P/bodyint.csr" 2>/dev/null &&
openssl x509 -req -in "$P/bodyint.csr" -CA "$P/body.pem" -CAkey "$P/body.key" -CAcreateserial -days 2 \
	-extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n') -out "$P/bodyint.pem" 2>/dev/null
lab_cert utrecht body && lab_cert delft delftca && lab_cert elsewhere otherbody && lab_cert rotterdam bodyint
ok $? "test PKI made: labs each under their own CA, one under an intermediate of another's root"
openssl req -x509 -newkey $newkey -nodes -days 2 -subj "/CN=not a ca" -addext "basicConstraints=critical,CA:FALSE" \
	-keyout "$TMP/leaf.key" -out "$TMP/leaf.pem" 2>/dev/null

# mkrun NAME VENDOR MODEL FIRMWARE SUPPORT-UNTIL LAB [PROFILE...]: a signed run in $TMP/runs/NAME.
mkrun() {
	local name=$1 vendor=$2 model=$3 fw=$4 support=$5 lab=$6
	shift 6
	local profiles=(--profile "$TOP/tests/data/registry-profile.xml")
	[ $# -gt 0 ] && profiles=()
	for p in "$@"; do profiles+=(--profile "$p"); done
	cat > "$TMP/runs/$name.dut.xml" <<EOF
<?xml version="1.0"?>
<dut xmlns="urn:keur:dut:1" id="reg-dut">
  <identity vendor="$vendor" model="$model" firmware="$fw"/>
  <declares support-until="$support" market-date="2020-01"/>
  <mqtt role="broker" host="127.0.0.1" port="1" timeout="1"/>
</dut>
EOF
	"$SELF" run --dut "$TMP/runs/$name.dut.xml" "${profiles[@]}" --out "$TMP/runs/$name" --operator "Jan de Keurder" \
		--sign-key "$P/$lab.key" --sign-cert "$P/$lab.pem" > "$TMP/runs/$name.log" 2>&1
	grep -q '<Signature' "$TMP/runs/$name/report.xml"
}
mkrun good "Acme" "Cam 1" "1.2.0" "2031-12" utrecht && mkrun ended "Acme" "Plug" "2.0" "2025-06" utrecht &&
mkrun other "Globex" "Hub" "3.1" "2030-01" delft && mkrun foreign "Initech" "Lamp" "1.0" "2030-01" elsewhere &&
mkrun old "Globex" "Hub" "3.2" "2030-01" delft && sleep 0.01 && mkrun new "Globex" "Hub" "3.2" "2030-01" utrecht &&
mkrun two "Umbrella" "Sensor" "0.9" "2032-01" delft "$TOP/tests/data/registry-profile.xml" "$TOP/tests/data/self-profile.xml"
ok $? "seven signed runs made with the self-test runner"

# ---- the trust list ----
reg add "$TMP/runs/good" > "$TMP/o" 2> "$TMP/e"; is "$?" 1 "add with an empty trust list: exit 1"
like "$(cat "$TMP/e")" "refused: signed by 'CN=utrecht report signing,O=utrecht' \(issued by 'CN=body root'\), which chains to no lab on the registry's trust list \(the list is empty" \
	"refused in one line naming the signer and the empty list"
reg trust add "$TMP/leaf.pem" --lab x > /dev/null 2> "$TMP/e"; is "$?" 2 "trust add of a certificate that is not a CA: exit 2"
like "$(cat "$TMP/e")" "is not a CA certificate" "saying so"
reg trust add "$TMP/runs/good.log" --lab x > /dev/null 2> "$TMP/e"; is "$?" 2 "trust add of a file without a certificate: exit 2"
reg trust add "$P/body.pem" --lab utrecht --by "Anna Toezicht" --reason "accredited 2026-01" > "$TMP/o"; is "$?" 0 "trust add CA.pem --lab utrecht: exit 0"
reg trust add "$P/delftca.pem" --lab delft --by "Anna Toezicht" --reason "accredited 2026-02" > /dev/null
reg trust add "$P/otherbody.pem" --lab delft > /dev/null 2> "$TMP/e"; is "$?" 1 "the same lab with another CA is refused while trusted"
reg trust add "$P/body.pem" --lab copycat > /dev/null 2> "$TMP/e"; is "$?" 1 "a CA already on the list for another lab is refused"
like "$(cat "$TMP/e")" "this CA \('CN=body root'\) is lab 'utrecht''s on the trust list" "naming that lab"
# A file of two certificates: only the first is kept, so the second (utrecht's CA) brings
# utrecht's reports to no other lab.
cat "$P/extra.pem" "$P/body.pem" "$P/extra.key" > "$TMP/combo.pem"
reg trust add "$TMP/combo.pem" --lab combo > /dev/null; is "$?" 0 "a CA file of two certificates and a key: accepted for its first certificate"
is "$(sqlite3 "$R" "SELECT ca_subject || ' ' || (ca_pem LIKE '%PRIVATE%') || ' ' || ((length(ca_pem) - length(replace(ca_pem, 'BEGIN CERTIFICATE', ''))) / 17) FROM lab WHERE name = 'combo'")" \
	"CN=extra root 0 1" "only that certificate is kept: not the second, not the key"
reg trust list --format csv > "$TMP/trust.csv"
like "$(cat "$TMP/trust.csv")" "^lab,trusted,ca,ca_sha256,since,by,reason" "trust list --format csv: a header row"
like "$(grep '^utrecht,' "$TMP/trust.csv")" "^utrecht,yes,CN=body root,[0-9a-f]{64},2[0-9-]+T[0-9:.]+Z,Anna Toezicht,accredited 2026-01" \
	"and the lab with its CA's subject and fingerprint, who trusted it, when and why"

# ---- intake ----
reg add "$TMP/runs/good" > "$TMP/o" 2> "$TMP/e"; is "$?" 0 "a good signed run directory: exit 0"
like "$(cat "$TMP/o")" "^added #1: Acme Cam 1 firmware 1.2.0 \(regtest: level basic\), lab utrecht" "added, naming the product, its level and the lab"
reg add "$TMP/runs/good" > "$TMP/o"; is "$?" 0 "the same report again: exit 0"
like "$(cat "$TMP/o")" "^already stored as #1" "stored once: already stored as #1"
is "$(count report)" 1 "one report row"
is "$(sqlite3 "$R" "SELECT count(*) FROM file WHERE report = 1")" "$(( $(grep -c ' file=' "$TMP/runs/good/report.xml") + 1 ))" \
	"its files indexed: report.xml, the journal and every evidence file"
ok "$(sqlite3 "$R" "SELECT sha256 FROM file WHERE report = 1" | while read -r h; do
	[ "$(sha256sum < "$R.files/sha256/${h:0:2}/$h" | cut -c1-64)" = "$h" ] || echo bad; done | grep -c bad)" \
	"each stored file is in the file store under its SHA-256, with that content"
is "$(sqlite3 "$R" "SELECT verdict FROM verdict v JOIN assessment a ON a.id = v.assessment WHERE a.report = 1 ORDER BY requirement" | tr '\n' ' ')" \
	"pass fail pass pass " "every requirement's verdict is indexed"

refused() {	# DIR PATTERN WHAT: refused with that reason, nothing stored, no staging left
	local before
	before=$(count report)
	reg add "$1" > "$TMP/o" 2> "$TMP/e"
	is "$?" 1 "$3: exit 1"
	like "$(cat "$TMP/e")" "$2" "$3: refused, saying why"
	is "$(count report)/$(ls "$R.files/tmp" | wc -l)" "$before/0" "$3: nothing stored, no staging folder left"
}
mkdir "$TMP/unsigned" && cp -a "$TMP/runs/good/." "$TMP/unsigned/" && perl -0pi -e 's/<Signature .*<\/Signature>\n?//s' "$TMP/unsigned/report.xml"
refused "$TMP/unsigned" "refused: the report is not signed" "an unsigned report"
cp -a "$TMP/runs/good" "$TMP/tampered" && sed -i '0,/verdict="fail"/s//verdict="pass"/' "$TMP/tampered/report.xml"
refused "$TMP/tampered" "the signature does not match: changed after it was signed: report.xml" "one verdict changed in report.xml"
cp -a "$TMP/runs/good" "$TMP/tampered-ev" && f=$(ls "$TMP/tampered-ev"/evidence/SELF-EVIDENCE-001/* | head -1) &&
	printf 'X' | dd of="$f" bs=1 seek=0 conv=notrunc 2>/dev/null
refused "$TMP/tampered-ev" "changed after it was signed: evidence/SELF-EVIDENCE-001/" "one evidence byte changed"
"$KEUR" verify "$TMP/tampered-ev" --ca "$P/body.pem" > /dev/null 2>&1; is "$?" 1 "keur verify refuses the same report"
refused "$TMP/runs/foreign" "signed by 'CN=elsewhere report signing,O=elsewhere' \(issued by 'CN=otherbody root'\), which chains to no lab on the registry's trust list$" \
	"a report of a lab under a CA not on the trust list"
refused "$TMP/nonexistent" "nonexistent: No such file or directory" "a path that is not there"
mkrun inter "Hooli" "Box" "1.0" "2031-01" rotterdam
I=$TMP/inter.db
"$KEUR" registry trust add "$P/body.pem" --lab utrecht --db "$I" > /dev/null
"$KEUR" registry trust add "$P/bodyint.pem" --lab rotterdam --db "$I" > /dev/null; is "$?" 0 "an intermediate CA alone on a trust list"
"$KEUR" registry add --db "$I" "$TMP/runs/inter" "$TMP/runs/good" > "$TMP/o"
like "$(cat "$TMP/o")" "^added #1: Hooli Box .*, lab rotterdam: .*
added #2: Acme Cam 1 .*, lab utrecht: " \
	"a report under the intermediate is rotterdam's, though utrecht's CA issued the intermediate; utrecht's own stays utrecht's"
cp -a "$TMP/runs/good" "$TMP/linked" && mv "$TMP/linked/journal" "$TMP/journal-outside" && ln -s "$TMP/journal-outside" "$TMP/linked/journal"
refused "$TMP/linked" "linked/journal is a symbolic link" "a run directory whose journal is a symbolic link"
cp -a "$TMP/runs/good" "$TMP/fifo" && f=$(ls "$TMP/fifo"/evidence/SELF-EVIDENCE-001/* | head -1) && rm "$f" && mkfifo "$f"
timeout 20 "$KEUR" registry add --db "$R" "$TMP/fifo" > /dev/null 2> "$TMP/e"; is "$?" 1 "a run directory with a FIFO for an evidence file: refused, not hung"
like "$(cat "$TMP/e")" "is not a regular file" "saying what it is"
# A report that names a URL as a run file: refused before xmlsec could fetch it.
U=$(freeport)
bg python3 -m http.server "$U" --bind 127.0.0.1 --directory "$TMP" 2> "$TMP/http.log" > /dev/null
wait_port "$U"
cp -a "$TMP/runs/good" "$TMP/url" && mkdir -p "$TMP/url/http:/127.0.0.1:$U" && echo x > "$TMP/url/http:/127.0.0.1:$U/x"
perl -0pi -e "s|(<evidence file=\"evidence/[^\"]*\"[^>]*/>)(?!.*<evidence )|\\1<evidence file=\"http:/127.0.0.1:$U/x\" sha256=\"$(printf x | sha256sum | cut -c1-64)\" size=\"2\"/>|s; s|(</SignedInfo>)|<Reference URI=\"http%3A/127.0.0.1%3A$U/x\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue>AAAA</DigestValue></Reference>\\1|" "$TMP/url/report.xml"
grep -q "http:/127.0.0.1:$U/x" "$TMP/url/report.xml"; ok $? "a report naming http:/127.0.0.1:$U/x as evidence, with a reference to it"
refused "$TMP/url" "not a plain path" "a report that names a URL as a run file"
"$KEUR" verify "$TMP/url" > /dev/null 2>&1; is "$?" 1 "keur verify refuses it too"
is "$(grep -c 'GET' "$TMP/http.log")" 0 "and nothing was fetched from the URL"
stop_pid "$BG"

# ---- bundles ----
"$KEUR" bundle "$TMP/runs/other" -o "$TMP/other.tar" > "$TMP/o"; is "$?" 0 "keur bundle RUN-DIR -o FILE: exit 0"
is "$(tar -tf "$TMP/other.tar" | head -2 | tr '\n' ' ')" "report.xml journal " "a plain tar: report.xml first, then the journal"
is "$(tar -tf "$TMP/other.tar" | wc -l)" "$(( $(grep -c ' file=' "$TMP/runs/other/report.xml") + 1 ))" "and every file the report names, nothing else"
"$KEUR" bundle "$TMP/unsigned" -o "$TMP/u.tar" > /dev/null 2> "$TMP/e"; is "$?" 1 "keur bundle of an unsigned run: exit 1"
like "$(cat "$TMP/e")" "not signed" "saying so"
reg add "$TMP/other.tar" > "$TMP/o"; is "$?" 0 "the bundle added: exit 0"
like "$(cat "$TMP/o")" "^added #2: Globex Hub firmware 3.1 " "as report #2"

python3 - "$TMP" "$TMP/runs/other" <<'EOF'
import io, os, sys, tarfile
tmp, run = sys.argv[1], sys.argv[2]
def bundle(name, extra, base=True):
    with tarfile.open(os.path.join(tmp, name + ".tar"), "w", format=tarfile.USTAR_FORMAT) as t:
        if base:
            t.add(os.path.join(run, "report.xml"), "report.xml")
            t.add(os.path.join(run, "journal"), "journal")
        for info, data in extra:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
def reg(name, data=b"x"):
    i = tarfile.TarInfo(name); i.size = len(data); return (i, data)
def link(name, kind, target):
    i = tarfile.TarInfo(name); i.type = kind; i.linkname = target; return (i, None)
bundle("climb", [reg("../escaped")])
bundle("absolute", [reg("/tmp/escaped")])
bundle("symlink", [link("evidence", tarfile.SYMTYPE, "/etc")])
bundle("hardlink", [link("evidence/x", tarfile.LNKTYPE, "/etc/passwd")])
bundle("duplicate", [reg("journal", b"another journal")])
bundle("fifo", [link("pipe", tarfile.FIFOTYPE, "")])
bundle("noreport", [reg("journal")], base=False)
bundle("many", [reg("f%05d" % k) for k in range(4100)])
# A GNU sparse member: 64 MiB of hole in a few bytes.
with tarfile.open(os.path.join(tmp, "sparse.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    t.add(os.path.join(run, "report.xml"), "report.xml")
with open(os.path.join(tmp, "hole"), "wb") as f:
    f.truncate(64 << 20); f.seek(0); f.write(b"x")
# A member whose header claims 300 MiB, with no data behind it: refused on the header.
with open(os.path.join(tmp, "bomb.tar"), "wb") as f:
    i = tarfile.TarInfo("huge.bin"); i.size = 300 << 20
    f.write(i.tobuf(tarfile.USTAR_FORMAT)); f.write(b"\0" * 1024)
EOF
ok $? "hostile bundles made"
head -c 3000 "$TMP/other.tar" > "$TMP/truncated.tar"
gzip -c "$TMP/other.tar" > "$TMP/gzipped.tar.gz"
printf 'this is not a tar\n' > "$TMP/text.tar"
refused "$TMP/climb.tar" "member '../escaped' climbs out of the bundle" "a bundle with ../ in a name"
ok "$([ -e "$TMP/escaped" ] || [ -e "$R.files/escaped" ]; echo $((!$?)))" "nothing was written outside"
refused "$TMP/absolute.tar" "member '/tmp/escaped'" "a bundle with an absolute name"
refused "$TMP/symlink.tar" "member 'evidence'.*link" "a bundle with a symbolic link"
refused "$TMP/hardlink.tar" "member 'evidence/x'.*link" "a bundle with a hard link"
refused "$TMP/duplicate.tar" "holds 'journal' twice" "a bundle with a name twice"
refused "$TMP/fifo.tar" "member 'pipe'" "a bundle with a FIFO"
refused "$TMP/noreport.tar" "no report.xml" "a bundle without report.xml"
refused "$TMP/many.tar" "one more than the 4096 a bundle may hold" "a bundle of 4100 members"
refused "$TMP/bomb.tar" "member 'huge.bin'.*(too large|over|bytes)" "a member of 300 MiB"
refused "$TMP/truncated.tar" "truncated or corrupt" "a bundle cut short"
refused "$TMP/gzipped.tar.gz" "not a tar bundle" "a gzip file"
refused "$TMP/text.tar" "not a tar bundle" "a text file"
tar --sparse -rf "$TMP/sparse.tar" -C "$TMP" hole
refused "$TMP/sparse.tar" "member 'hole' is a sparse file" "a bundle with a sparse member"

# ---- supersession ----
reg add "$TMP/runs/new" "$TMP/runs/old" > "$TMP/o" 2> "$TMP/e"; is "$?" 0 "a newer and an older report of Globex Hub 3.2 added (the newer first)"
is "$(cat "$TMP/e")" "keur registry: 2 source(s): 2 added, 0 already stored, 0 refused, 0 not stored" "several sources: the sum at the end"
is "$(reg list --vendor Globex --format csv | csv id firmware status | tr '\n' ' ')" "3|3.2|ok 2|3.1|ok " \
	"list: the current report of each firmware (3.2: the newer, #3, though added first); 3.1 kept"
is "$(reg list --vendor Globex --all --format csv | csv id firmware status | tr '\n' ' ')" "3|3.2|ok 4|3.2|superseded 2|3.1|ok " \
	"list --all: the older one kept, marked superseded"
reg show 4 > "$TMP/show.txt"
like "$(cat "$TMP/show.txt")" "report #4 .*firmware 3.2.*
.*
  status       superseded \(by report #3, tested " "show: the older report says which one supersedes it"
is "$(count report)" 4 "both stored: superseded, never erased"

# ---- support end, advisories ----
reg add "$TMP/runs/ended" "$TMP/runs/two" > /dev/null; is "$?" 0 "a report whose support ended, and a report of two profiles, added"
is "$(reg list --vendor Acme --format csv | csv model status support_end | grep '^Plug')" 'Plug|failing,support-ended|2025-06-30' \
	"support until 2025-06: support ended (on 2025-06-30, before today), beside failing (REG-3: too short)"
is "$(reg list --vendor Acme --format csv --today 2025-06-30 | csv model status | grep '^Plug')" "Plug|failing" "--today 2025-06-30: not ended yet on its last day"
is "$(reg list --vendor Umbrella --format csv | csv profile level | tr '\n' ' ')" "regtest|basic selftest|basic " "a report of two profiles: a row for each, with its own level"
reg advisory add --vendor Acme --model "Cam 1" --firmware "1.2.x" --reference CVE-2026-0001 > /dev/null 2> "$TMP/e"
is "$?" 0 "a firmware series is a range (1.2.x)"
reg advisory add --vendor Acme --model "Cam 1" --firmware ">=1.0,<=" --reference X > /dev/null 2> "$TMP/e"
is "$?" 2 "a broken range (>=1.0,<=) is refused: exit 2"
reg advisory add --vendor Acme --model "Cam 1" --firmware ">=5.0," --reference X > /dev/null 2>&1
is "$?" 2 "a range ending in a comma is refused: exit 2"
reg advisory add --vendor Acme --model "Cam 1" --firmware "<1.0" --reference "CVE-1,CVE-2" > /dev/null 2>&1
is "$?" 2 "two references in one advisory are refused: exit 2"
like "$(cat "$TMP/e")" "is not a range" "saying so"
reg advisory add --vendor Acme --model "Cam 1" --firmware ">=1.0,<1.10" --reference NCSC-2026-0042 --url https://advisories.ncsc.nl/ \
	--by "Anna Toezicht" > "$TMP/o"; is "$?" 0 "advisory add --firmware '>=1.0,<1.10': exit 0"
is "$(reg list --vendor Acme --format csv | csv model level status advisories | grep '^Cam 1')" 'Cam 1|basic|advisory|CVE-2026-0001,NCSC-2026-0042' \
	"firmware 1.2.0 is in both ranges (1.2.x; 2 < 10 as numbers): the advisories beside its level"
reg advisory add --vendor Globex --model Hub --firmware "<3.2" --reference CVE-2026-1111 > /dev/null
is "$(reg list --vendor Globex --format csv | csv firmware status | tr '\n' ' ')" '3.2|ok 3.1|advisory ' \
	"an advisory for firmware <3.2 flags 3.1, not 3.2"
reg advisory close 3 --reason "fixed in 3.2; 3.1 withdrawn" --by "Anna Toezicht" > /dev/null; is "$?" 0 "advisory close 3: exit 0"
is "$(reg list --vendor Globex --format csv | csv firmware status | tr '\n' ' ')" '3.2|ok 3.1|ok ' "a closed advisory flags nothing"
reg advisory close 3 --reason again > /dev/null 2> "$TMP/e"; is "$?" 1 "closing it twice: exit 1"
like "$(reg advisory list --format csv | grep '^3,')" "closed,.*,Anna Toezicht,fixed in 3.2; 3.1 withdrawn" "advisory list: who closed it and why"
is "$(reg list --status advisory --format csv | csv vendor model | tr '\n' ' ')" "Acme|Cam 1 " "list --status advisory"
is "$(reg list --status support-ended --format csv | csv model)" "Plug" "list --status support-ended"
is "$(reg list --status failing --format csv | csv model profile)" "Plug|regtest" "list --status failing: the one that reached no level"
is "$(reg list --level high --format csv | csv model | wc -l)/$(reg list --level basic --format csv | csv model | wc -l)" "0/5" \
	"list --level: high reached by none (REG-2 fails), basic by all five current regtest assessments"
reg list --status nonsense > /dev/null 2> "$TMP/e"; is "$?" 2 "list --status nonsense: exit 2"
like "$(cat "$TMP/e")" "failing, undetermined, support-ended, advisory, untrusted, superseded, ok" "naming the statuses"

# ---- untrusted lab ----
reg trust remove --lab delft > /dev/null 2> "$TMP/e"; is "$?" 2 "trust remove without --reason: exit 2 (the record says why)"
reg trust remove --lab delft --reason "accreditation suspended" --by "Anna Toezicht" > "$TMP/o"; is "$?" 0 "trust remove --lab delft: exit 0"
is "$(count report)" 6 "its reports are kept"
is "$(reg list --vendor Globex --format csv | csv firmware status | tr '\n' ' ')" '3.2|ok 3.1|untrusted ' \
	"delft's report shows as untrusted; the newer 3.2 report, of utrecht, does not"
mkrun later "Globex" "Hub" "3.3" "2030-01" delft
refused "$TMP/runs/later" "signed by 'CN=delft report signing,O=delft' of lab 'delft', whose trust was removed from the registry" \
	"a new report of the lab whose trust was removed"
like "$(reg trust list --format csv | grep '^delft,')" "^delft,no,.*,Anna Toezicht,accreditation suspended" "trust list: no longer trusted, by whom and why"
is "$(sqlite3 "$R" "SELECT event || ':' || by FROM trust_event t JOIN lab l ON l.id = t.lab WHERE l.name = 'delft' ORDER BY t.id" | tr '\n' ' ')" \
	"add:Anna Toezicht remove:Anna Toezicht " "every change of trust is kept"

# ---- the formats ----
for q in list vendors stats; do
	reg $q --format json > "$TMP/$q.json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["keur-registry"]==1 and d["kind"]==sys.argv[2] and len(d["rows"])>0' \
		"$TMP/$q.json" "$q"
	ok $? "$q --format json: valid JSON, versioned (keur-registry 1), kind $q, rows"
	reg $q --format csv > "$TMP/$q.csv"
	python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); assert len(r)>1 and all(len(x)==len(r[0]) for x in r)' "$TMP/$q.csv"
	ok $? "$q --format csv: a header and rows of as many fields"
	reg $q > "$TMP/$q.txt"; ok $? "$q as text: exit 0"
done
python3 - "$TMP/list.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
cam = [r for r in rows if r["model"] == "Cam 1"][0]
assert cam["status"] == ["advisory"] and cam["advisories"] == ["CVE-2026-0001", "NCSC-2026-0042"], cam
assert cam["support_end"] == "2031-12-31" and isinstance(cam["id"], int) and cam["lab"] == "utrecht", cam
EOF
ok $? "list JSON: status and advisories are arrays, the support end a date, the id a number"
like "$(head -1 "$TMP/list.txt")" "^ID +VENDOR +MODEL +FIRMWARE +PROFILE +LEVEL +STATUS +SUPPORT_END +ADVISORIES +LAB" "list as text: headed columns"
python3 - "$TMP/vendors.json" <<'EOF'
import json, sys
v = {r["vendor"]: r for r in json.load(open(sys.argv[1]))["rows"]}
a = v["Acme"]
assert a["products"] == 2 and a["assessed"] == 2 and a["failing"] == 1 and a["share_failing"] == "50%", a
assert a["support_ended"] == 1 and a["open_advisories"] == 2 and a["levels"] == ["basic 1", "none 1"], a
g = v["Globex"]
assert g["products"] == 1 and g["assessed"] == 2 and g["untrusted"] == 1 and g["open_advisories"] == 0, g
EOF
ok $? "vendors: products, assessed, levels, share failing, support ended, open advisories, untrusted per vendor"
is "$(grep -E '^(reports|current|superseded|support_ended|open_advisories|labs_untrusted),' "$TMP/stats.csv" | tr -d '\r' | tr '\n' ' ')" \
	"reports,6 current,6 superseded,1 support_ended,1 open_advisories,2 labs_untrusted,1 " "stats: the totals"
reg show 1 --format json > "$TMP/show.json"
python3 - "$TMP/show.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "product" and d["vendor"] == "Acme" and d["model"] == "Cam 1", d
r = d["reports"][0]
assert [v["verdict"] for v in r["verdicts"]] == ["pass", "fail", "pass", "pass"], r
assert {a["reference"] for a in d["advisories"]} == {"CVE-2026-0001", "NCSC-2026-0042"}, d["advisories"]
EOF
ok $? "show --format json: the product, its report's verdicts and its advisories"
id=$(sqlite3 "$R" "SELECT report_id FROM report WHERE id = 2")
like "$(reg show "$id")" "product   Globex Hub" "show by report ID ($id)"
like "$(reg show "$(sqlite3 "$R" "SELECT substr(sha256, 1, 12) FROM report WHERE id = 5")")" "product   Acme Plug" "show by the start of report.xml's SHA-256"
reg show 99 > /dev/null 2> "$TMP/e"; is "$?" 1 "show of a report not stored: exit 1"
reg show 2 --format csv > "$TMP/show.csv"
is "$(head -1 "$TMP/show.csv" | tr -d '\r')" "id,firmware,profile,level,status,requirement,kind,verdict,decided_by" "show --format csv: one row per verdict"

# ---- a stored report, out again ----
reg get 2 -o "$TMP/got" > "$TMP/o"; is "$?" 0 "get 2 -o DIR: exit 0"
"$KEUR" verify "$TMP/got" --ca "$P/delftca.pem" > "$TMP/v" 2>&1; is "$?" 0 "keur verify accepts the stored report as it comes out"
is "$(cd "$TMP/got" && find . -type f | sort | tr '\n' ' ')" "$(cd "$TMP/runs/other" && { echo ./report.xml; echo ./journal; ls evidence/*/* | sed 's|^|./|'; } | sort | tr '\n' ' ')" \
	"the same files as the run signed, no more"
reg get 2 -o "$TMP/got" > /dev/null 2> "$TMP/e"; is "$?" 2 "get into a directory that exists: exit 2"
h=$(sqlite3 "$R" "SELECT sha256 FROM file WHERE report = 2 AND path = 'journal'")
chmod u+w "$R.files/sha256/${h:0:2}/$h" && printf 'X' >> "$R.files/sha256/${h:0:2}/$h"
reg get 2 -o "$TMP/got2" > /dev/null 2> "$TMP/e"; is "$?" 3 "a stored file changed behind the registry's back: get exits 3"
like "$(cat "$TMP/e")" "the file store's copy of journal has changed since it was stored" "naming the file"
truncate -s -1 "$R.files/sha256/${h:0:2}/$h"
reg get nothing -o "$TMP/got3" > /dev/null 2> "$TMP/e"; is "$?" 1 "get of a report not stored: exit 1"

# ---- two processes at once ----
for i in $(seq 1 12); do mkrun "c$i" "Stark" "Model $i" "1.0" "2031-01" utrecht || echo "run c$i failed"; done
C=$TMP/conc.db
"$KEUR" registry trust add "$P/body.pem" --lab utrecht --db "$C" > /dev/null
set -- $(for i in $(seq 1 12); do echo "$TMP/runs/c$i"; done)
"$KEUR" registry add --db "$C" "$@" > "$TMP/a.out" 2>&1 & pa=$!
"$KEUR" registry add --db "$C" $(printf '%s\n' "$@" | tac) > "$TMP/b.out" 2>&1 & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
is "$ra/$rb" "0/0" "two processes adding the same 12 reports at once (in opposite orders): both exit 0"
is "$(sqlite3 "$C" "SELECT count(*), count(DISTINCT sha256) FROM report")" "12|12" "each stored once"
is "$(cat "$TMP/a.out" "$TMP/b.out" | grep -c '^added #')/$(cat "$TMP/a.out" "$TMP/b.out" | grep -c '^already stored as #')" "12/12" \
	"each added by exactly one of them; the other found it stored"

# ---- killed mid-intake ----
K=$TMP/kill.db
"$KEUR" registry trust add "$P/body.pem" --lab utrecht --db "$K" > /dev/null
killed=0
for round in 1 2 3; do
	"$KEUR" registry add --db "$K" "$@" > /dev/null 2>&1 & pk=$!
	# SIGKILL while it works through the list: after its first report is committed, or at once.
	for _ in $(seq 500); do
		[ "$(sqlite3 "$K" "SELECT count(*) FROM report" 2>/dev/null || echo 0)" -ge "$round" ] && break
		sleep 0.01
	done
	kill -9 $pk 2>/dev/null && killed=$((killed + 1))
	wait $pk 2>/dev/null
done
ok "$([ "$killed" -ge 1 ]; echo $?)" "keur registry add killed with SIGKILL mid-intake ($killed of 3 rounds caught it running)"
is "$(sqlite3 "$K" "PRAGMA integrity_check; PRAGMA foreign_key_check;" | tr '\n' ' ')" "ok " "the database is consistent (integrity and foreign keys)"
is "$(sqlite3 "$K" "SELECT count(*) FROM report r WHERE NOT EXISTS (SELECT 1 FROM file f WHERE f.report = r.id AND f.path = 'report.xml')")" 0 \
	"every stored report has its files"
"$KEUR" registry add --db "$K" "$@" > "$TMP/k.out" 2>&1; is "$?" 0 "the same reports added again: exit 0"
is "$(sqlite3 "$K" "SELECT count(*), count(DISTINCT sha256) FROM report")" "12|12" "all 12 stored, each once"
is "$(ls "$K.files/tmp" | wc -l)" 0 "the staging folders of the killed intake are gone"
ok "$(sqlite3 "$K" "SELECT sha256 FROM file" | while read -r h; do [ -f "$K.files/sha256/${h:0:2}/$h" ] || echo missing; done | grep -c missing)" \
	"every file the database names is in the file store"

# ---- the command line ----
"$KEUR" registry --help > "$TMP/h"; is "$?" 0 "keur registry --help: exit 0"
like "$(cat "$TMP/h")" "keur registry advisory add --vendor V --model M --firmware RANGE --reference ID" "and it lists the commands"
"$KEUR" registry frobnicate > /dev/null 2> "$TMP/e"; is "$?" 2 "an unknown registry command: exit 2"
reg list --format xml > /dev/null 2> "$TMP/e"; is "$?" 2 "list --format xml: exit 2"
"$KEUR" registry list --db "$TMP/nodir/x.db" > /dev/null 2> "$TMP/e"; is "$?" 3 "a database that cannot be made: exit 3"
like "$(cat "$TMP/e")" "^keur registry: cannot make $TMP/nodir/x.db.files/tmp" "in one line naming it"
sqlite3 "$TMP/other.db" "CREATE TABLE customers (name TEXT)"
"$KEUR" registry list --db "$TMP/other.db" > /dev/null 2> "$TMP/e"; is "$?" 3 "another program's SQLite database: exit 3"
like "$(cat "$TMP/e")" "other.db: it is a database of another program, not a keur registry" "in one line"
is "$(sqlite3 "$TMP/other.db" .tables)" "customers" "and it is left as it was"
printf 'not a database at all, but long enough to look like a header of a file ........................\n' > "$TMP/junk.db"
"$KEUR" registry list --db "$TMP/junk.db" > /dev/null 2> "$TMP/e"; is "$?" 3 "a file that is not a database: exit 3"
like "$(cat "$TMP/e")" "junk.db: .*not a database" "in one line"
done_testing
