#!/usr/bin/env bash
# deps.sh install|auto PACKAGE...: install the Debian packages keur needs that are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -u
mode=$1; shift
missing=()
for p in "$@"; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	[ "$s" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	[ "$mode" = install ] && echo "deps: all ${#@} packages present"
	exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || exit 1
