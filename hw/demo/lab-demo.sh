#!/usr/bin/env bash
# The simulated lab demo: two reference devices, one good and one with several flaws, tested
# against ETSI EN 303 645 at once: one line per case as it ends; then the assessor's review of
# each device's documentation pack (hw/simdev/pack/, reviewed with hw/demo/review-devN.xml by
# "demo assessor" on the day of the run), the verdicts that differ side by side, what was tested
# and what reviewed, and the labels; the signed reports under keur-out/; the lab removed.
# KEUR_DEMO_LAB names the lab (default demo), for a demo beside another lab of that name;
# KEUR_DEMO_PROFILE another profile (its review is then left open: the review files are for
# en303645).
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
# Each device's ICS for the profile, from its documentation pack, goes with its run.
prof=${KEUR_DEMO_PROFILE:-$profiles/en303645.xml}
pid_=$(xmllint --xpath 'string(/*/@id)' "$prof" 2>/dev/null)
packs=(good flawed)
# Up to substantial: level high rests on a penetration test, a person's job that the lab records
# with keur review; without it a run waits for that review (exit 3).
level=${KEUR_DEMO_LEVEL:-substantial}
echo "demo: keur run on dev0 and dev1 at once, profile $(basename "$prof" .xml) up to level $level, about 4 minutes; each case as it ends:" >&2
follow() {	# DEV PID: the ended cases of DEV's run, until the run ends
	tail --pid="$2" -s 0.2 -n +1 -F "$out/$1.tap" 2>/dev/null |
		awk -v dev="$1" '/^  id: /{ id = $2; gsub(/"/, "", id) } /^  verdict: /{ v = $2 }
			/^  duration_ms: /{ printf "  %-5s %-26s %-7s %6.1f s\n", dev, id, v, $2 / 1000; fflush() }' >&2
}
pids=() followers=()
for i in 0 1; do
	ics=()
	[ -f "$pack/${packs[$i]}/ics-$pid_.xml" ] && ics=(--ics "$pack/${packs[$i]}/ics-$pid_.xml")
	"$keur" run --profile "$prof" --level "$level" --dut "$lab/dev$i.xml" --lab "$lab/lab.xml" --out "$out/dev$i" \
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
	[ "$pid_" = en303645 ] && [ -f "$rf" ] && [ -f "$out/dev$i/journal" ] || continue
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
echo "demo: summary (profile $(basename "$prof" .xml)); every case side by side in $out/side-by-side.txt" >&2
row "case" "dev0 (good)" "dev1 (flaws: ${flaws// /, })"
awk '$2 != $3' "$out/side-by-side.txt" | while read -r id a b; do row "$id" "$a" "$b"; done
same=$(awk '$2 == $3 { n[$2]++ } END { for (v in n) { printf "%s%d %s", sep, n[v], v; sep = ", " } }' "$out/side-by-side.txt")
row "the other $(awk '$2 == $3' "$out/side-by-side.txt" | wc -l) cases" "the same on both: $same"
totals() { awk -v c="$1" '{ n[$c]++ } END { printf "%d/%d/%d/%d/%d", n["pass"], n["fail"], n["inconc"], n["error"], n["na"] }' \
	"$out/side-by-side.txt"; }
row "pass/fail/inconc/error/na" "$(totals 2)" "$(totals 3)"
# What decided the requirements, from each report.xml: keur's tests and the assessor's review.
sumattr() { xmllint --xpath "string(//*[local-name()='summary']/@$2)" "$out/$1/report.xml" 2>/dev/null; }
decided() { printf '%s tested, %s reviewed' "$(sumattr "$1" decided-by-keur)" "$(sumattr "$1" reviewed)"
	[ "$(sumattr "$1" awaiting-review)" = 0 ] || printf ', %s open' "$(sumattr "$1" awaiting-review)"; }
row "requirements" "$(decided dev0)" "$(decided dev1)"
# The assessor's verdicts, recommended provisions among them (shown, not counted for the level).
reviewed() { for v in pass fail inconc na; do
		xmllint --xpath "count(//*[local-name()='requirement'][@decided-by='assessor'][@verdict='$v'])" "$out/$1/report.xml" 2>/dev/null
	done | paste -sd/; }
row "review pass/fail/inconc/na" "$(reviewed dev0)" "$(reviewed dev1)"
row "exit code" "${rcs[0]}" "${rcs[1]}"
# The label's fields, from each run's report.xml.
field() { xmllint --xpath "string(//*[local-name()='label']/*[@name='$2'])" "$out/$1/report.xml" 2>/dev/null; }
lvl() { xmllint --xpath "string(//*[local-name()='label']/*[@name='security-level']/@value)" "$out/$1/report.xml" 2>/dev/null; }
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
echo "      results.tap, evidence/ (the reviewed documents in evidence/REVIEW/), and the label: label.svg" >&2
echo "demo: to look at a label: rsvg-convert -o label.png $out/dev0/label.svg" >&2
if [ "${rcs[0]}" = 0 ] && [ "${rcs[1]}" = 1 ]; then
	echo "demo: as expected: the good device passes, the flawed one fails" >&2
	exit 0
fi
echo "demo: unexpected exit codes (want 0 for dev0 and 1 for dev1)" >&2
exit 1
