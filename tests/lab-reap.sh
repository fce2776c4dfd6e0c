#!/usr/bin/env bash
# lab-reap.sh: removes the simulated labs that killed test runs left behind.  Several labs can be
# up at once (each its own name and addresses), so lab tests run side by side, also those of two
# test suites on one machine.  A lab test notes itself as the owner of its directory
# (/tmp/keur-test.*/owner: PID and start time, tests/lib.sh lab_begin); a lab noted in
# /run/keur/labs whose test directory has no living owner belongs to no test: keur lab down
# removes it, or, its directory gone as well, its namespaces, their processes and the broker
# addresses keur may have held for its devices and its broker's files are removed by name.  A lab built anywhere else
# is left alone.  One reaper runs at a time.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
KEUR=${KEUR_BUILD:-$TOP}/keur
mkdir -p /run/keur/labs
# KEUR_REAP_LOCKED: the caller holds the lock already (tests/70-lab.t).
if [ -z "${KEUR_REAP_LOCKED:-}" ]; then
	exec 9> /run/keur/reap.lock
	flock -w 120 9 || { echo "# lab-reap.sh: another reaper held /run/keur/reap.lock for 120 s; not reaping" >&2; exit 0; }
fi
for rec in /run/keur/labs/*; do
	[ -f "$rec" ] || continue
	name=${rec##*/}
	dir=$(sed -n 1p "$rec")
	case $dir in /tmp/keur-test.*) ;; *) continue ;; esac
	top=$(printf '%s\n' "$dir" | cut -d/ -f1-3)
	if [ -f "$top/owner" ]; then
		read -r pid start < "$top/owner"
		[ -n "${pid:-}" ] && [ "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" = "${start:-}" ] && continue
	fi
	echo "# removing the lab '$name' that a killed test run left in $dir" >&2
	if [ -f "$dir/lab.state" ]; then
		"$KEUR" lab down --dir "$dir" >&2
		continue
	fi
	# "net SLOT BASE N": device I's broker address is 198.19.(BASE+I).3.
	read -r _ _ base _ < <(sed -n 2p "$rec")
	for ns in $(ip netns list | sed -n "s/^\(keur-$name-[a-z0-9]*\).*/\1/p"); do
		for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns"
		case $ns in *-dut[0-9]*) ip addr del "198.19.$((${base:-0} + ${ns##*-dut})).3/32" dev lo 2>/dev/null ;; esac
	done
	rm -rf "/run/keur/brokers/$name"	# the broker's files (keur lab names are [a-z0-9]{1,8})
	rm -f "$rec"
done
exit 0
