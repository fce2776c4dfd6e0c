#!/usr/bin/env bash
# UPDATE-* and DECL-* against the simulated lab (needs root): keur plays each device's vendor.
# The reference device passes all; accept-unsigned, accept-forged and accept-downgrade fail the
# matching cases and no other; a device that never installs anything fails GENUINE and AUTO but
# passes the FORGED cases and ROLLBACK.  A device left on the new firmware is put back by the
# lab's reflash fixture before the next case, and its SBOM no longer matches what it shows.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the simulated lab needs root"
	exit 0
fi
lab_begin
LN=$(lab_name t72)
plan 29

L=$TMP/lab
trap '[ -f "$L/lab.state" ] && "$KEUR" lab down --dir "$L" >/dev/null 2>&1; cleanup' EXIT
# dev5, a second good device, takes UPDATE-INTERRUPT-001, so that dev0's run is no longer than
# the others (all six run at once).
"$KEUR" lab up --dir "$L" --name "$LN" --duts 6 --flaw 1:accept-unsigned --flaw 2:accept-forged \
	--flaw 3:accept-downgrade --flaw 4:no-update > "$TMP/up.out" 2>&1
is $? 0 "keur lab up: two good devices and four with update flaws"

ALL=UPDATE-FORGED-001,UPDATE-FORGED-002,UPDATE-FORGED-003,UPDATE-ROLLBACK-001,UPDATE-GENUINE-001,UPDATE-AUTO-001
run() { # run I NAME CASES
	"$KEUR" run --dut "$L/dev$1.xml" --lab "$L/lab.xml" --out "$TMP/$2" --only "$3" --no-progress \
		> "$TMP/$2.tap" 2> "$TMP/$2.err" < /dev/null
}
run 0 r0 "DECL-SUPPORT-001,DECL-SBOM-001,$ALL" & p0=$!
run 5 r5 UPDATE-INTERRUPT-001 & p5=$!
run 1 r1 "$ALL" & p1=$!
run 2 r2 "$ALL" & p2=$!
run 3 r3 "$ALL" & p3=$!
# dev4 (it installs nothing) then takes FORGED-001 and -002 with its images declared as SWUpdate's:
# keur forges them in that format, the same bytes as `keur image forge` makes.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/vendor.key" \
	-out "$TMP/vendor.crt" -days 30 -subj "/CN=Vendor Signer" 2>/dev/null
make_swu 1.1.0 "$TMP/fw.swu" "$TMP/vendor.crt" "$TMP/vendor.key" 100000
# (Beside dev4.xml, whose other files it names relative to it; removed before keur lab down.)
sed 's|format="kfw1" image="updates/fw-1.1.0.bin" older-image="updates/fw-0.9.0.bin"|format="swu" image="'"$TMP"'/fw.swu"|' \
	"$L/dev4.xml" > "$L/dev4-swu.xml"
{ run 4 r4 "$ALL"; "$KEUR" run --dut "$L/dev4-swu.xml" --lab "$L/lab.xml" --out "$TMP/r4s" --no-progress \
	--only UPDATE-FORGED-001,UPDATE-FORGED-002 > "$TMP/r4s.tap" 2> "$TMP/r4s.err" < /dev/null; } & p4=$!
wait $p0 $p1 $p2 $p3 $p4 $p5

v() { verdict_of "$TMP/$1.tap" "$2"; }
r() { awk -v id="$2" '$0 ~ "^(not )?ok [0-9]+ - " id " " { hit = 1; next } hit && /^  reason: / { print; exit }' "$TMP/$1.tap"; }
row() { local out=""; for c in FORGED-001 FORGED-002 FORGED-003 ROLLBACK-001 GENUINE-001 AUTO-001; do out="$out $(v "$1" "UPDATE-$c")"; done; echo "${out# }"; }

is "$(v r0 DECL-SUPPORT-001) $(v r0 DECL-SBOM-001)" "pass pass" "the reference device: support period and SBOM pass"
like "$(r r0 DECL-SBOM-001)" "keur-simdev 1.0.0 \\(Modbus device identification\\) listed" "the SBOM names the firmware the device shows"
is "$(row r0) $(v r5 UPDATE-INTERRUPT-001)" "pass pass pass pass pass pass pass" "the reference device passes every UPDATE case"
like "$(r r0 UPDATE-FORGED-001)" "tampered image refused .*; truncated image refused" "FORGED-001 offers a tampered and a truncated image"
like "$(r r0 UPDATE-GENUINE-001)" "installed the genuine 1.1.0: the DUT fetched all [0-9]+ bytes" "GENUINE reports the install"
like "$(r r0 UPDATE-AUTO-001)" "found and installed 1.1.0 by itself, [0-9.]+ s after it was published" "AUTO: found by itself"
like "$(r r5 UPDATE-INTERRUPT-001)" "power cut mid-download: .* works; uplink cut mid-download: .* works; offered again, 1.1.0 installed" \
	"INTERRUPT: power and uplink cut mid-download, then completed"
grep -q "holding after" "$TMP/r5/evidence/UPDATE-INTERRUPT-001/http.txt"; ok $? "the interrupted downloads are in http.txt"
like "$(cat "$TMP/r0/evidence/UPDATE-FORGED-003/transcript.txt")" "offered on keur/dev0/update: version=1.1.0 url=http://$(re "$(lab_broker "$L" 0)"):[0-9]+/keur/fw-foreign-signed.bin" \
	"the offer went over the declared topic with keur's URL"
( cd "$TMP/r0/evidence/UPDATE-FORGED-001" && awk '{ print $1 "  " $2 }' images.txt | sha256sum -c --quiet ); ok $? \
	"the forged images are in the evidence with their SHA-256"
grep -q "^= reflash to 1.0.0$" "$TMP/r0/evidence/UPDATE-AUTO-001/fixtures.txt"; ok $? \
	"after GENUINE the device was put back to 1.0.0 before AUTO"

is "$(row r1)" "pass fail pass pass pass pass" "accept-unsigned: only FORGED-002 fails"
like "$(r r1 UPDATE-FORGED-002)" "the unsigned image got in: .* reported 1.1.0" "naming the unsigned image"
is "$(row r2)" "fail pass fail pass pass pass" "accept-forged: FORGED-001 (tampered) and -003 (foreign-signed) fail"
like "$(r r2 UPDATE-FORGED-001)" "the tampered image got in" "FORGED-001 names the tampered image"
grep -q "^= reflash to 1.0.0$" "$TMP/r2/evidence/UPDATE-FORGED-001/fixtures.txt" &&
	grep -q "GET /keur/fw-truncated.bin: 200" "$TMP/r2/evidence/UPDATE-FORGED-001/http.txt"
ok $? "after the tampered image got in, the device was put back and offered the truncated one too"
like "$(r r2 UPDATE-FORGED-003)" "the foreign-signed image got in" "FORGED-003 names the foreign signer"
is "$(row r3)" "pass pass pass fail pass pass" "accept-downgrade: only ROLLBACK fails"
like "$(r r3 UPDATE-ROLLBACK-001)" "the older image got in: .* reported 0.9.0" "naming the version it went back to"
is "$(row r4)" "pass pass pass pass fail fail" "no-update: GENUINE and AUTO fail, FORGED and ROLLBACK pass"
like "$(r r4 UPDATE-GENUINE-001)" "offered the genuine 1.1.0; in 10 s the DUT fetched all [0-9]+ bytes and still reports 1.0.0" \
	"GENUINE says it fetched but did not install"
like "$(r r4 UPDATE-AUTO-001)" "published 1.1.0 at http://$(re "$(lab_broker "$L" 4)"):8080/dev4/latest.txt; .* asked [1-9][0-9]* time" "AUTO says it asked"

# The SWUpdate images the cases offered are the ones keur image forge makes, byte for byte
# (the foreign-signed one aside: its key is new each time).
"$KEUR" image forge "$TMP/fw.swu" --out "$TMP/forged" > /dev/null 2>&1
is "$(v r4s UPDATE-FORGED-001) $(v r4s UPDATE-FORGED-002)" "pass pass" "swu images: dev4 refuses every forgery (it installs nothing)"
same=0
for f in fw-tampered.swu fw-truncated.swu fw-unsigned.swu; do
	e=$(find "$TMP/r4s/evidence" -name "$f" | head -1)
	[ -n "$e" ] && cmp -s "$e" "$TMP/forged/$f" || { same=1; echo "# $f differs from keur image forge's"; }
done
ok $same "swu images: the tampered, truncated and unsigned images offered are keur image forge's"
like "$(cat "$TMP/r4s/evidence/UPDATE-FORGED-002/transcript.txt")" "url=http://[0-9.]+:[0-9]+/keur/fw-unsigned.swu" \
	"swu images: offered under the format's own name"

# dev1 now runs 1.1.0 (AUTO installed it): its SBOM, written for 1.0.0, no longer matches.
run 1 s1 DECL-SBOM-001
is "$(v s1 DECL-SBOM-001)" fail "a device running 1.1.0 against an SBOM for 1.0.0: DECL-SBOM fails"
like "$(r s1 DECL-SBOM-001)" "shows keur-simdev 1.1.0, but the SBOM lists keur-simdev at another version" "naming both"
rm -f "$L/dev4-swu.xml"
"$KEUR" lab down --dir "$L" > "$TMP/down.out" 2>&1
is "$? $(ip netns list | grep -c "^keur-$LN-" || true)" "0 0" "keur lab down removes the lab"
