#!/usr/bin/env bash
# libmodbus-examples.sh DIR: builds the example programs Debian ships with libmodbus-dev
# (random-test-server, unit-test-server, bandwidth-server-many-up, bandwidth-client) into DIR.
# They are libmodbus's own code; the one change is where they listen or connect: the fixed
# port 1502 becomes $PEER_PORT and the fixed serial device becomes $PEER_TTY, so that tests
# can pick free ports and ptys, and bandwidth-client's 100000 loops may be lowered with
# $PEER_LOOPS for a benchmark that has to end in reasonable time.  Quiet on success; exits 1 with the reason otherwise.
set -eu
dir=$1
src=/usr/share/doc/libmodbus-dev/examples
[ -r "$src/random-test-server.c" ] || { echo "libmodbus-examples: $src is missing (install libmodbus-dev)" >&2; exit 1; }
mkdir -p "$dir"
for p in random-test-server unit-test-server bandwidth-server-many-up bandwidth-client; do
	[ -x "$dir/$p" ] && [ "$dir/$p" -nt "$src/$p.c" ] && [ "$dir/$p" -nt "$0" ] && continue
	sed -e 's|modbus_new_tcp("127.0.0.1", 1502)|modbus_new_tcp("127.0.0.1", atoi(getenv("PEER_PORT")))|' \
	    -e 's|modbus_new_tcp_pi("::0", "1502")|modbus_new_tcp_pi("::0", getenv("PEER_PORT"))|' \
	    -e 's|"/dev/ttyUSB[01]"|getenv("PEER_TTY")|' \
	    -e 's|n_loop = 100000;|n_loop = getenv("PEER_LOOPS") ? atoi(getenv("PEER_LOOPS")) : 100000;|' "$src/$p.c" > "$dir/$p.c"
	cp "$src/unit-test.h" "$dir/" 2>/dev/null || true
	cc -O2 -w $(pkg-config --cflags libmodbus) -I"$dir" -o "$dir/$p" "$dir/$p.c" $(pkg-config --libs libmodbus)
done
