#!/usr/bin/env bash
# The simulated lab demo: two reference devices, one good and one with several flaws, tested
# against the bundled profile; a side-by-side summary; reports under keur-out/; the lab removed.
# KEUR_DEMO_LAB names the lab (default demo), for a demo beside another lab of that name.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
keur=$top/keur
export PATH=$PATH:/usr/sbin
out=${KEUR_DEMO_OUT:-$top/keur-out/demo-$(date -u +%Y%m%dT%H%M%SZ)}
lab=$top/keur-out/demo-lab
flaws="open-write dies-offline accept-unsigned extra-port"

for f in "$keur" "$top/keur-simdev"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run 'make demo'" >&2; exit 2; }
done
mkdir -p "$top/keur-out" "$out"
# A demo that was killed may have left its lab: remove it first.
[ -f "$lab/lab.state" ] && "$keur" lab down --dir "$lab" >/dev/null 2>&1
trap '"$keur" lab down --dir "$lab" >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM

args=()
for f in $flaws; do args+=(--flaw "1:$f"); done
echo "demo: building the simulated lab (network namespaces, a TLS broker, two reference devices):" >&2
"$keur" lab up --dir "$lab" --name "${KEUR_DEMO_LAB:-demo}" --duts 2 "${args[@]}" >&2 || exit 3
echo >&2

# Both devices at once (each run mostly waits on its device): dev0's TAP on screen, dev1's into
# its results directory.
prof=${KEUR_DEMO_PROFILE:-$top/profiles/csr-label.xml}
echo "demo: keur run on dev0 (TAP below) and dev1 (in the background), profile $(basename "$prof"):" >&2
"$keur" run --profile "$prof" --dut "$lab/dev1.xml" --lab "$lab/lab.xml" --out "$out/dev1" \
	--no-progress > "$out/dev1.tap" 2> "$out/dev1.err" < /dev/null &
p1=$!
"$keur" run --profile "$prof" --dut "$lab/dev0.xml" --lab "$lab/lab.xml" --out "$out/dev0"
rcs=($?)
wait $p1
rcs+=($?)
echo >&2

# Side by side, from each run's results.tap.
verdicts() { awk '/^(not )?ok [0-9]+ - /{ id = $0; sub(/^(not )?ok [0-9]+ - /, "", id); sub(/ .*/, "", id) }
		/^  verdict: /{ print id, $2 }' "$1"; }
echo "demo: summary (profile csr-label)" >&2
printf '  %-26s %-15s %s\n' "case" "dev0 (good)" "dev1 (flaws: ${flaws// /, })" >&2
join <(verdicts "$out/dev0/results.tap" | sort) <(verdicts "$out/dev1/results.tap" | sort) |
	while read -r id a b; do printf '  %-26s %-15s %s\n' "$id" "$a" "$b" >&2; done
printf '  %-26s %-15s %s\n' "exit code" "${rcs[0]}" "${rcs[1]}" >&2
# The label's fields, from each run's report.xml.
field() { xmllint --xpath "string(//*[local-name()='label']/*[@name='$2'])" "$out/$1/report.xml" 2>/dev/null; }
lvl() { xmllint --xpath "string(//*[local-name()='label']/*[@name='security-level']/@value)" "$out/$1/report.xml" 2>/dev/null; }
printf '  %-26s %-15s %s\n' "label: level" "$(lvl dev0)" "$(lvl dev1)" >&2
for f in automatic-updates supported-until works-offline; do
	printf '  %-26s %-15s %s\n' "label: $f" "$(field dev0 $f)" "$(field dev1 $f)" >&2
done
echo "demo: reports in $out/dev0 and $out/dev1 (results.tap, junit.xml, report.xml, label.svg, evidence/)" >&2
echo "demo: look at the labels: rsvg-convert -o label.png $out/dev0/label.svg" >&2
if [ "${rcs[0]}" = 0 ] && [ "${rcs[1]}" = 1 ]; then
	echo "demo: as expected: the good device passes, the flawed one fails" >&2
	exit 0
fi
echo "demo: unexpected exit codes (want 0 for dev0 and 1 for dev1)" >&2
exit 1
