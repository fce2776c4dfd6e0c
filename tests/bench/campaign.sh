#!/usr/bin/env bash
# Benchmark: many devices at once (root).  For each N (default 1 8 32): `keur lab up --duts N`,
# then `keur campaign` runs the full csr-label profile against all N reference devices at once,
# one keur process each.  Prints the campaign's wall time, its ratio to N = 1 in the same
# invocation (the target: 32 devices in at most twice the time of one), the slowest run, the
# peak memory of any one keur run (keur and its cases), and the levels reached; asserts nothing.
#   bash tests/bench/campaign.sh [N...]
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "campaign: the simulated lab needs root" >&2
	exit 2
fi
NS=${*:-1 8 32}
L=$TMP/lab
trap '[ -f "$L/lab.state" ] && "$KEUR" lab down --dir "$L" >/dev/null 2>&1; cleanup' EXIT

base=
echo "| devices | campaign s | vs 1 device | slowest run s | peak kB per keur run | levels reached | exit | cases not passed (runs) |"
echo "|---|---|---|---|---|---|---|---|"
for n in $NS; do
	"$KEUR" lab up --dir "$L" --name bench --duts "$n" > "$TMP/up-$n.out" 2>&1 ||
		{ echo "campaign: lab up --duts $n failed: $(tail -1 "$TMP/up-$n.out")" >&2; exit 1; }
	duts=()
	for i in $(seq 0 $((n - 1))); do duts+=("$L/dev$i.xml"); done
	t=$(date +%s%N)
	"$KEUR" campaign --profile "$TOP/profiles/csr-label.xml" --lab "$L/lab.xml" --out "$TMP/c$n" "${duts[@]}" \
		< /dev/null 2> "$TMP/c$n.err"
	rc=$?
	ms=$(( ($(date +%s%N) - t) / 1000000 ))
	"$KEUR" lab down --dir "$L" > /dev/null 2>&1
	[ -n "$base" ] || base=$ms
	# which cases held a run back, and in how many runs (na is not counted)
	held=$(cat "$TMP/c$n"/dev*/results.tap | awk '/^(not )?ok [0-9]+ - / { id = $4 }
		/^  verdict: (fail|inconc|error)/ { print id " " $2 }' | sort | uniq -c |
		awk '{ printf "%s%s %s (%d)", sep, $2, $3, $1; sep = ", " }')
	awk -F'\t' -v n="$n" -v ms="$ms" -v base="$base" -v rc="$rc" -v held="${held:-none}" 'NR > 1 {
			if ($9 > slow) slow = $9
			if ($10 > peak) peak = $10
			lv[$3]++
		}
		END {
			for (l in lv) levels = levels (levels ? ", " : "") lv[l] "x " l
			printf "| %d | %.1f | %.2f | %.1f | %d | %s | %d | %s |\n", n, ms / 1000, ms / base, slow, peak, levels, rc, held
		}' "$TMP/c$n/campaign.tsv"
done
