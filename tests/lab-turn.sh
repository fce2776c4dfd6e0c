#!/usr/bin/env bash
# lab-turn.sh COMMAND...: runs COMMAND when it is its turn with the simulated lab (root).  Every
# lab uses the same addresses, so one is up per machine, and test files that build one take
# turns, also across two test suites on one machine (two clones' make check).  flock(1) holds
# the machine's lab lock itself (-o: COMMAND and the lab's daemons do not inherit it, so a
# killed test frees it), waiting up to 30 min.  Holding it, this first removes any lab that a
# killed test run left behind: no test holds the lock now, so a lab built in a test's directory
# (/tmp/keur-test.*) belongs to none.  A lab built anywhere else is left alone; keur lab up then
# names it.  LAB_TURN_WAIT sets the wait in seconds.
set -u
LOCK=/run/keur/tests.lock
if [ -z "${KEUR_LAB_LOCKED:-}" ]; then
	mkdir -p /run/keur
	flock -n "$LOCK" true || echo "# another test suite on this machine has the simulated lab: waiting for it" >&2
	wait=${LAB_TURN_WAIT:-1800}
	KEUR_LAB_LOCKED=1 flock -o -E 75 -w "$wait" "$LOCK" bash "$0" "$@"
	rc=$?
	[ $rc -eq 75 ] && echo "Bail out! waited $wait s for the simulated lab: another test suite on this machine holds $LOCK"
	exit $rc
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
KEUR=${KEUR_BUILD:-$TOP}/keur
for rec in /run/keur/labs/*; do
	[ -f "$rec" ] || continue
	name=${rec##*/} dir=$(cat "$rec")
	case $dir in /tmp/keur-test.*) ;; *) continue ;; esac
	echo "# removing the lab '$name' that a killed test run left in $dir" >&2
	if [ -f "$dir/lab.state" ]; then
		"$KEUR" lab down --dir "$dir" >&2
		continue
	fi
	# Its directory is gone as well: the processes in its namespaces, the namespaces, and the
	# broker addresses keur may have held for its devices.
	for ns in $(ip netns list | sed -n "s/^\(keur-$name-[a-z0-9]*\).*/\1/p"); do
		for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns"
		case $ns in *-dut[0-9]*) ip addr del "198.19.${ns##*-dut}.3/32" dev lo 2>/dev/null ;; esac
	done
	rm -f "$rec"
done
exec "$@"
