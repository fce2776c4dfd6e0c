#!/usr/bin/env bash
# Benchmark: keur registry ingesting N signed reports (default 1000) and querying them, beside
#  xmlsec1 --verify on the same reports, in the same run.  The self-test runner makes N signed
#  runs of a small profile (3 cases, one fails, a declared support end; 20 vendors, 100 products,
#  700 rows of product and firmware, so later runs supersede earlier ones) with the lab's EC
#  P-256 key: that is setup, timed but no figure.  Then, each once: registry add of all N in one
#  process; the same N again (all duplicates); keur verify --ca and xmlsec1 --verify, a process
#  per report (xmlsec1 has no batch mode); registry add of min(N,200) bundles into a fresh
#  database; and the queries on the full database, 5 times each, medians in ms.  Prints
#  figures; asserts nothing.
#   bash tests/bench/registry.sh [N]
. "$(dirname "$0")/../lib.sh"
N=${1:-1000}
command -v xmlsec1 > /dev/null || { echo "bench: xmlsec1 is missing" >&2; exit 2; }
"$KEUR" registry --help > /dev/null 2>&1 || { echo "bench: $KEUR has no registry command" >&2; exit 2; }
# The demo's accreditation body and lab (EC P-256): $TMP/ca.pem, $TMP/lab.key, $TMP/lab.pem.
. "$TOP/hw/demo/signing.sh"
demo_signing_key "$TMP" "$TMP/ca.pem" || exit 2
cat > "$TMP/profile.xml" <<'P'
<?xml version="1.0"?>
<profile xmlns="urn:keur:profile:1" id="bench-reg" version="1">
  <title>Registry benchmark profile</title>
  <requirement id="REG-1" source="bench 1" kind="mandatory" level="basic"><summary>Passes</summary><check case="SELF-PASS-001"/></requirement>
  <requirement id="REG-2" source="bench 2" kind="mandatory" level="high"><summary>Fails</summary><check case="SELF-FAIL-001"/></requirement>
  <requirement id="REG-3" source="bench 3" kind="mandatory" level="basic"><summary>Support period</summary><check case="DECL-SUPPORT-001"/></requirement>
  <level id="basic"/>
  <level id="high" includes="basic"/>
</profile>
P
mkdir -p "$TMP/duts" "$TMP/runs" "$TMP/bundles"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# rate COUNT MS: reports per second, one decimal.
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f", (ms > 0 ? n * 1000 / ms : 0) }'; }
line() { printf 'registry: %-44s %s\n' "$1" "$2"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
t=$(date +%s%N)
for i in $(seq "$N"); do
	if [ $((i % 2)) = 0 ]; then until=2031-12; else until=2025-06; fi
	cat > "$TMP/duts/$i.xml" <<D
<?xml version="1.0"?>
<dut xmlns="urn:keur:dut:1" id="bench-dut">
  <identity vendor="Vendor $((i % 20))" model="Model $((i % 50))" firmware="1.$((i % 7)).0"/>
  <declares support-until="$until" market-date="2024-01"/>
  <mqtt role="broker" host="127.0.0.1" port="1" timeout="1"/>
</dut>
D
	# Exit 1 is expected: REG-2 fails, and REG-3 for every other run.
	"$SELF" run --dut "$TMP/duts/$i.xml" --profile "$TMP/profile.xml" --out "$TMP/runs/$i" --operator bench \
		--sign-key "$TMP/lab.key" --sign-cert "$TMP/lab.pem" > /dev/null 2>&1
	grep -q '<Signature' "$TMP/runs/$i/report.xml" 2>/dev/null || { echo "bench: run $i failed" >&2; exit 1; }
	[ $((i % 100)) = 0 ] && echo "bench: $i/$N signed runs made" >&2
done
setup_ms=$(ms "$t")
DIRS=()
for i in $(seq "$N"); do DIRS+=("$TMP/runs/$i"); done

# add_timed DB NAME WANT INPUT...: keur registry add of every INPUT in one process into DB
# (its trust list set up first, not timed); the time in ${NAME}_ms, the number added in
# ${NAME}_n, a line if fewer than WANT were.
add_timed() {
	local db=$1 name=$2 want=$3 t rc n
	shift 3
	"$KEUR" registry trust add "$TMP/ca.pem" --lab bench --db "$db" > /dev/null || { echo "bench: trust add failed" >&2; exit 1; }
	t=$(date +%s%N)
	"$KEUR" registry add --db "$db" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"
	rc=$?
	printf -v "${name}_ms" '%s' "$(ms "$t")"
	n=$(grep -c '^added #' "$TMP/$name.out")
	printf -v "${name}_n" '%s' "$n"
	[ "$n" = "$want" ] || echo "bench: registry add added $n of $want (exit $rc): $(head -3 "$TMP/$name.err")" >&2
}
# a. ingest, all N in one process
add_timed "$TMP/reg.db" add "$N" "${DIRS[@]}"
# b. the same again: every one a duplicate
t=$(date +%s%N)
"$KEUR" registry add --db "$TMP/reg.db" "${DIRS[@]}" > "$TMP/dup.out" 2> "$TMP/dup.err"
dup_rc=$? dup_ms=$(ms "$t")
dups=$(grep -c 'already stored as' "$TMP/dup.out")
[ "$dups" = "$N" ] || echo "bench: registry add again recognised $dups of $N as stored (exit $dup_rc): $(head -3 "$TMP/dup.err")" >&2
# c. xmlsec1, a process per report, in the run directory (the references are relative)
t=$(date +%s%N)
for i in $(seq "$N"); do
	(cd "$TMP/runs/$i" && xmlsec1 --verify --trusted-pem "$TMP/ca.pem" report.xml > /dev/null 2>&1) ||
		echo "bench: xmlsec1 refused run $i" >&2
done
xmlsec_ms=$(ms "$t")
# d. keur verify, the same way
t=$(date +%s%N)
for i in $(seq "$N"); do
	(cd "$TMP/runs/$i" && "$KEUR" verify . --ca "$TMP/ca.pem" > /dev/null 2>&1) ||
		echo "bench: keur verify refused run $i" >&2
done
verify_ms=$(ms "$t")
# e. bundles of the first min(N,200) runs (their making timed apart), added into a fresh database
B=$(( N < 200 ? N : 200 ))
t=$(date +%s%N)
for i in $(seq "$B"); do
	"$KEUR" bundle "$TMP/runs/$i" -o "$TMP/bundles/$i.tar" > /dev/null || echo "bench: keur bundle failed for run $i" >&2
done
bundle_ms=$(ms "$t")
BUNDLES=()
for i in $(seq "$B"); do BUNDLES+=("$TMP/bundles/$i.tar"); done
add_timed "$TMP/reg2.db" badd "$B" "${BUNDLES[@]}"
# f. queries on the full database, 5 times each
q=()
for query in "list" "list --format json" "vendors" "stats" "show 1"; do
	: > "$TMP/q"
	for _ in 1 2 3 4 5; do
		t=$(date +%s%N)
		# shellcheck disable=SC2086 # the query's words are meant to split
		"$KEUR" registry $query --db "$TMP/reg.db" > "$TMP/q.out" 2>&1 || echo "bench: registry $query failed: $(head -2 "$TMP/q.out")" >&2
		ms "$t" >> "$TMP/q"
	done
	q+=("$(median < "$TMP/q")")
done
rows=$(( $("$KEUR" registry list --db "$TMP/reg.db" | wc -l) - 1 ))
products=$("$KEUR" registry stats --db "$TMP/reg.db" | awk '$1 == "products" { print $2 }')
# g. sizes
db_kb=$(du -sk "$TMP/reg.db" | cut -f1)
files_kb=$(du -sk "$TMP/reg.db.files" | cut -f1)

size=$(cat "$TMP"/runs/*/report.xml | wc -c)
echo "registry: $N signed reports (report.xml ~$((size / N)) bytes, $(grep -c '<case id=' "$TMP/runs/1/report.xml") cases, $(grep -c '<evidence ' "$TMP/runs/1/report.xml") evidence file each; $products products), made in $(awk -v ms="$setup_ms" 'BEGIN { printf "%.1f", ms / 1000 }') s (setup)"
line "keur registry add (one process)" "$(rate "$add_n" "$add_ms") reports/s ($add_ms ms for $add_n: verify, chain, stage, store)"
line "keur registry add again (duplicates)" "$(rate "$dups" "$dup_ms") reports/s ($dup_ms ms for $dups, all already stored)"
line "keur verify --ca (a process each)" "$(rate "$N" "$verify_ms") reports/s ($verify_ms ms for $N: schema, signature, chain, evidence hashes)"
line "xmlsec1 --verify (a process each)" "$(rate "$N" "$xmlsec_ms") reports/s ($xmlsec_ms ms for $N: signature and chain; xmlsec1 has no batch mode)"
line "keur registry add, $B bundles (one process)" "$(rate "$badd_n" "$badd_ms") reports/s ($badd_ms ms for $badd_n into a fresh db; keur bundle took $bundle_ms ms, setup)"
echo "registry: list / list --format json / vendors / stats / show: ${q[0]} / ${q[1]} / ${q[2]} / ${q[3]} / ${q[4]} ms medians ($rows current rows)"
echo "registry: database $db_kb KB, files $files_kb KB"
