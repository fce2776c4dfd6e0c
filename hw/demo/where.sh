# Sourced by the demos: where keur and its material are, in the build tree (hw/demo/ of a
# checkout, after make) or installed (PREFIX/share/keur/demo/, from make install or the
# package).  Sets keur, simdev, profiles, pack (the documentation packs), reviews (the review
# files) and outbase (where reports go unless KEUR_DEMO_OUT says: keur-out/ of the checkout, or
# of the current directory when installed).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -f "$here/../../profiles/profile.xsd" ] && [ -d "$here/../../hw" ]; then
	top=$(cd "$here/../.." && pwd)
	keur=$top/keur simdev=$top/keur-simdev profiles=$top/profiles pack=$top/hw/simdev/pack
	outbase=$top/keur-out missing="run 'make demo'"
else
	share=$(cd "$here/.." && pwd)
	bin=$(cd "$share/../../bin" 2>/dev/null && pwd)
	keur=$bin/keur simdev=$bin/keur-simdev profiles=$share/profiles pack=$here/pack
	outbase=$PWD/keur-out missing="reinstall keur"
fi
reviews=$here

# free_port: a TCP port nothing on 127.0.0.1 listens on now (bash's /dev/tcp; the caller retries
# if another program takes it first).
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# wait_port PORT PID: until something listens on 127.0.0.1:PORT (5 s at most), while PID lives.
wait_port() {
	local i
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
