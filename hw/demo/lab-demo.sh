#!/usr/bin/env bash
# The simulated lab demo: two reference devices, one good and one with several flaws, tested at
# once, each in one run judged against four schemes (ETSI EN 303 645, the CSR label, EN 18031-1
# and the UK's PSTI): one line per case as it ends; then the assessor's review of each device's
# documentation pack (hw/simdev/pack/, reviewed with hw/demo/review-devN.xml by "demo assessor"
# on the day of the run; a review of an EN 303 645 provision also decides the PSTI requirement
# that the profiles state to be the same), the verdicts that differ side by side, each scheme's
# verdict, what was tested and what reviewed, and the labels; the signed reports under
# keur-out/; the lab removed.  KEUR_DEMO_LAB names the lab (default demo), for a demo beside
# another lab of that name; KEUR_DEMO_PROFILES other bundled profiles, by name (the reviews are
# then left open for those the review files do not cover).
set -u
. "$(dirname "$0")/where.sh"
export PATH=$PATH:/usr/sbin
out=${KEUR_DEMO_OUT:-$outbase/demo-$(date -u +%Y%m%dT%H%M%SZ)}
lab=$outbase/demo-lab
flaws="open-write dies-offline accept-unsigned extra-port"

for f in "$keur" "$simdev"; do
	[ -x "$f" ] || { echo "demo: $f is missing; $missing" >&2; exit 2; }
done
mkdir -p "$outbase" "$out"
# A demo that was killed may have left its lab: remove it first.
[ -f "$lab/lab.state" ] && "$keur" lab down --dir "$lab" >/dev/null 2>&1
trap '"$keur" lab down --dir "$lab" >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM

args=()
for f in $flaws; do args+=(--flaw "1:$f"); done
echo "demo: building the simulated lab (network namespaces, a TLS broker, two reference devices):" >&2
"$keur" lab up --dir "$lab" --name "${KEUR_DEMO_LAB:-demo}" --duts 2 "${args[@]}" >&2 || exit 3
echo >&2

# A demo accreditation body and the lab it certified sign the reports (EC P-256, 2 days); the
# CA goes beside the reports, for keur verify.
work=$(mktemp -d "${TMPDIR:-/tmp}/keur-demo.XXXXXX") || exit 3
trap '"$keur" lab down --dir "$lab" >/dev/null 2>&1; rm -rf "$work"' EXIT
. "$here/signing.sh"
demo_signing_key "$work" "$out/demo-ca.pem" || exit 3

# Both devices at once (each run mostly waits on its device).  Their TAP, with its YAML, goes
# to DIR/devI.tap; on screen one line per case as it ends: device, case, verdict, seconds.
# Each device's ICS for the first profile, from its documentation pack, goes with its run.
names=${KEUR_DEMO_PROFILES:-en303645 csr-label en18031-1 uk-psti}
pargs=()
for p in $names; do pargs+=(--profile "$profiles/$p.xml"); done
pid_=${names%% *}
packs=(good flawed)
# Up to substantial: level high rests on a penetration test, a person's job that the lab records
# with keur review; without it a run waits for that review (exit 3).
level=${KEUR_DEMO_LEVEL:-substantial}
echo "demo: keur run on dev0 and dev1 at once, profiles ${names// /, } up to level $level, about 5 minutes; each case as it ends:" >&2
follow() {	# DEV PID: the ended cases of DEV's run, until the run ends
	tail --pid="$2" -s 0.2 -n +1 -F "$out/$1.tap" 2>/dev/null |
		awk -v dev="$1" '/^  id: /{ id = $2; gsub(/"/, "", id) } /^  verdict: /{ v = $2 }
			/^  duration_ms: /{ printf "  %-5s %-26s %-7s %6.1f s\n", dev, id, v, $2 / 1000; fflush() }' >&2
}
pids=() followers=()
for i in 0 1; do
	ics=()
	[ -f "$pack/${packs[$i]}/ics-$pid_.xml" ] && ics=(--ics "$pack/${packs[$i]}/ics-$pid_.xml")
	"$keur" run "${pargs[@]}" --level "$level" --dut "$lab/dev$i.xml" --lab "$lab/lab.xml" --out "$out/dev$i" \
		"${ics[@]}" --operator "keur demo" --sign-key "$work/lab.key" --sign-cert "$work/lab.pem" \
		--no-progress > "$out/dev$i.tap" 2> "$out/dev$i.err" < /dev/null &
	pids+=($!)
	follow "dev$i" "$!" &
	followers+=($!)
done
rcs=()
for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
wait "${followers[@]}"
echo >&2

# The assessor's review of each device's documentation pack: the review file that ships with
# the demo, with the pack's place and the day of the run filled in.  Recording it rewrites and
# signs the outputs again; its exit code is the run's from then on.
today=$(date +%Y-%m-%d)
for i in 0 1; do
	rf=$reviews/review-dev$i.xml
	[[ " $names " == *" en303645 "* ]] && [ -f "$rf" ] && [ -f "$out/dev$i/journal" ] || continue
	sed "s|@DATE@|$today|g; s|@PACK@|$pack/${packs[$i]}|g" "$rf" > "$out/dev$i-review.xml"
	"$keur" review "$out/dev$i" --with "$out/dev$i-review.xml" --operator "keur demo" > /dev/null 2> "$out/dev$i-review.err"
	rcs[$i]=$?
	echo "demo: dev$i: the assessor's review of its documentation ($(grep -o 'recorded [0-9]* review(s)' "$out/dev$i-review.err" ||
		tail -n 1 "$out/dev$i-review.err")) by demo assessor, $today" >&2
done
for i in 0 1; do	# a run that could not start or ended in error says why in its last line
	case ${rcs[$i]} in 0|1) ;; *) echo "demo: dev$i's run ended with exit ${rcs[$i]}: $(tail -n 1 "$out/dev$i.err")" >&2 ;; esac
done
echo >&2

# Side by side, from each run's results.tap: the cases whose verdicts differ, a count of those
# that agree, and each device's totals.
verdicts() { awk '/^(not )?ok [0-9]+ - /{ id = $0; sub(/^(not )?ok [0-9]+ - /, "", id); sub(/ .*/, "", id) }
		/^  verdict: /{ print id, $2 }' "$1"; }
row() { if [ -n "${3:-}" ]; then printf '  %-26s %-24s %s\n' "$@"; else printf '  %-26s %s\n' "$1" "$2"; fi >&2; }
join <(verdicts "$out/dev0/results.tap" | sort) <(verdicts "$out/dev1/results.tap" | sort) > "$out/side-by-side.txt"
echo "demo: summary (profiles ${names// /, }); every case side by side in $out/side-by-side.txt" >&2
row "case" "dev0 (good)" "dev1 (flaws: ${flaws// /, })"
awk '$2 != $3' "$out/side-by-side.txt" | while read -r id a b; do row "$id" "$a" "$b"; done
same=$(awk '$2 == $3 { n[$2]++ } END { for (v in n) { printf "%s%d %s", sep, n[v], v; sep = ", " } }' "$out/side-by-side.txt")
row "the other $(awk '$2 == $3' "$out/side-by-side.txt" | wc -l) cases" "the same on both: $same"
totals() { awk -v c="$1" '{ n[$c]++ } END { printf "%d/%d/%d/%d/%d", n["pass"], n["fail"], n["inconc"], n["error"], n["na"] }' \
	"$out/side-by-side.txt"; }
row "pass/fail/inconc/error/na" "$(totals 2)" "$(totals 3)"
# Each scheme's verdict, from each report.xml: the first profile's is the report's own, the
# others' are its assessments.
verdict() { local x="//*[local-name()='assessment'][*[local-name()='profile']/@id='$2']/*[local-name()='levels']/@reached"
	[ "$2" = "$pid_" ] && x="/*/*[local-name()='levels']/@reached"
	local v; v=$(xmllint --xpath "string($x)" "$out/$1/report.xml" 2>/dev/null)
	case $v in met|"not met"|"not determined"|none) printf '%s' "${v:-?}" ;; *) printf 'level %s' "$v" ;; esac; }
for p in $names; do row "verdict of $p" "$(verdict dev0 "$p")" "$(verdict dev1 "$p")"; done
# What decided the requirements (the first profile's), from each report.xml: keur's tests and the assessor's review.
sumattr() { xmllint --xpath "string(//*[local-name()='summary']/@$2)" "$out/$1/report.xml" 2>/dev/null; }
decided() { printf '%s tested, %s reviewed' "$(sumattr "$1" decided-by-keur)" "$(sumattr "$1" reviewed)"
	[ "$(sumattr "$1" awaiting-review)" = 0 ] || printf ', %s open' "$(sumattr "$1" awaiting-review)"; }
row "requirements" "$(decided dev0)" "$(decided dev1)"
# The assessor's verdicts, recommended provisions among them (shown, not counted for the level).
reviewed() { for v in pass fail inconc na; do
		xmllint --xpath "count(/*/*[local-name()='requirements']/*[@decided-by='assessor'][@verdict='$v'])" "$out/$1/report.xml" 2>/dev/null
	done | paste -sd/; }
row "review pass/fail/inconc/na" "$(reviewed dev0)" "$(reviewed dev1)"
row "exit code" "${rcs[0]}" "${rcs[1]}"
# The label's fields (the first profile's), from each run's report.xml.
field() { xmllint --xpath "string(/*/*[local-name()='label']/*[@name='$2'])" "$out/$1/report.xml" 2>/dev/null; }
lvl() { xmllint --xpath "string(/*/*[local-name()='label']/*[@name='security-level']/@value)" "$out/$1/report.xml" 2>/dev/null; }
row "label: level" "$(lvl dev0)" "$(lvl dev1)"
for f in automatic-updates supported-until works-offline; do
	row "label: $f" "$(field dev0 "$f")" "$(field dev1 "$f")"
done
echo >&2
for i in 0 1; do	# each signed report, with the review documents it covers, checked as a regulator would
	[ -f "$out/dev$i/report.xml" ] || continue
	if "$keur" verify "$out/dev$i" --ca "$out/demo-ca.pem" > "$out/dev$i-verify.txt" 2>&1; then
		echo "demo: dev$i: keur verify: the report is intact and signed, the reviewed documents with it" >&2
	else
		echo "demo: dev$i: keur verify refused keur's own report: a bug ($(tail -n 1 "$out/dev$i-verify.txt"))" >&2
		rcs[$i]=9
	fi
done
echo "demo: reports and labels, per device: $out/dev0/ and $out/dev1/" >&2
echo "      report.xml (signed; keur verify DIR --ca $out/demo-ca.pem), report.html, oscal.xml, junit.xml," >&2
echo "      results.tap, evidence/ (the reviewed documents in evidence/REVIEW/), and a label per profile:" >&2
set -- $names
[ $# -gt 1 ] && labels=$(printf 'label-%s.svg ' $names) || labels=label.svg
echo "      ${labels% }" >&2
echo "demo: to look at a label: rsvg-convert -o label.png $out/dev0/${labels%% *}" >&2
# The good device earns the first profile's level; the flawed one fails.  (The good device's
# documentation falls short of EN 18031-1's secure storage, key and known-vulnerability
# mechanisms, which the review records: its exit code is then 1 too, the worst of its profiles.)
v0=$(verdict dev0 "$pid_")
if [ "${rcs[1]}" = 1 ] && { [ "$v0" = "level $level" ] || [ "$v0" = met ]; } && [ "${rcs[0]}" != 9 ]; then
	echo "demo: as expected: the good device reaches $v0 of $pid_, the flawed one fails; each scheme's verdict is above" >&2
	exit 0
fi
echo "demo: unexpected: want the good device at level $level of $pid_ (it has: $v0) and the flawed one failing (exit ${rcs[1]})" >&2
exit 1
