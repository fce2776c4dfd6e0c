#!/usr/bin/env bash
# The man pages man/keur.1 and man/keur-simdev.1: each renders with man and groff without a
# warning and fits 80 columns; and they name what the programs' own --help names: every command
# of keur --help (with a section of its own), every long option of each --help, every exit code,
# every keur-simdev subcommand and flaw.  MAN_KEUR and MAN_SIMDEV point the test at other copies
# of the pages (to see it fail on a page that lacks something).
. "$(dirname "$0")/lib.sh"

MAN_KEUR=${MAN_KEUR:-$TOP/man/keur.1}
MAN_SIMDEV=${MAN_SIMDEV:-$TOP/man/keur-simdev.1}

# The long options in a --help text, one a line.
long_options() { grep -oE -e '--[a-z][a-z0-9-]*' | sed 's/-$//' | sort -u; }

# missing_in SOURCE: the words on stdin (options, names) that SOURCE does not contain as a whole
# word, on one line.  SOURCE is a page with roff's \- turned into -.
missing_in() {
	local w out=""
	while read -r w; do
		[ -n "$w" ] || continue
		grep -qE -e "(^|[^a-z0-9-])${w}([^a-z0-9-]|\$)" "$1" || out="$out $w"
	done
	echo "${out# }"
}

# The page's source as the tests read it: \- as -, and the font escapes \fB, \fI, \fR, \fP gone.
plain_source() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"; }
plain_source "$MAN_KEUR" > "$TMP/keur.src"
plain_source "$MAN_SIMDEV" > "$TMP/simdev.src"

# What keur --help names: its commands (the first word of each line under "commands:"), the
# subcommand words that follow a command there (lab up, ics template, ...), its exit codes.
"$KEUR" --help > "$TMP/keur.help" 2>&1
awk '/^commands:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
	"$TMP/keur.help" | awk '!seen[$0]++' > "$TMP/commands"
awk '/^commands:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && /^  [a-z]+ [a-z]/ { print $1, $2 }' \
	"$TMP/keur.help" | sort -u > "$TMP/subcommands"
awk '/^exit codes:/ { on = 1 } on && NR > 1 && /^[^ ]/ && !/^exit codes:/ { on = 0 } on' "$TMP/keur.help" |
	grep -oE '(codes:|,|^)[[:space:]]*[0-9]+[[:space:]]+[a-z]' | grep -oE '[0-9]+' | sort -un > "$TMP/codes"

# What keur-simdev --help names: its subcommands (keur-simdev WORD on a usage line) and flaws.
"$SIMDEV" --help > "$TMP/simdev.help" 2>&1
sed -nE 's/^(usage: |       )keur-simdev ([a-z][a-z-]*) .*/\2/p' "$TMP/simdev.help" | awk '!seen[$0]++' > "$TMP/simdev-subs"
awk '/^flaws/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }' "$TMP/simdev.help" > "$TMP/flaws"

ncmd=$(wc -l < "$TMP/commands")
nsub=$(wc -l < "$TMP/simdev-subs")
plan $((20 + 2 * ncmd + 3 * nsub))

# ---- rendering ----
missing_tools=""
for t in man groff lexgrog; do command -v "$t" > /dev/null || missing_tools="$missing_tools $t"; done
is "$missing_tools" "" "man, groff and lexgrog are installed (man-db, groff-base)"

for page in "$MAN_KEUR" "$MAN_SIMDEV"; do
	name=$(basename "$page")
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" > "$TMP/$name.txt" 2> "$TMP/$name.err"
	rc=$?
	is "$rc:$(cat "$TMP/$name.err")" "0:" "$name: man --warnings renders it without a word on stderr"
	like "$(cat "$TMP/$name.txt")" "^NAME$" "$name: the rendered page is there, with its NAME section"
	is "$(groff -man -ww -z "$page" 2>&1)" "" "$name: groff -man -ww finds nothing to warn about"
	like "$(lexgrog "$page" 2>&1)" ": \"[a-z-]+ - .+\"" "$name: lexgrog finds its NAME line"
	width=$(LC_ALL=C.UTF-8 wc -L < "$TMP/$name.txt")
	ok "$([ "$width" -le 80 ]; echo $?)" "$name: every line fits 80 columns (widest: $width)"
	[ "$width" -le 80 ] || LC_ALL=C.UTF-8 awk 'length($0) > 80' "$TMP/$name.txt" | sed 's/^/#   /'
done

version=$("$KEUR" --version | awk '{ print $2 }')
for page in "$MAN_KEUR" "$MAN_SIMDEV"; do
	like "$(grep -m1 '^\.TH' "$page")" "\"keur ${version//./\\.}\"" "$(basename "$page"): .TH names keur's version, $version"
done

# ---- keur.1 against keur --help ----
like "$(tr '\n' ' ' < "$TMP/commands")" "^run .*lint .*verify .*review" \
	"keur --help names its commands ($ncmd: $(paste -sd" " "$TMP/commands"))"
m=$(long_options < "$TMP/keur.help" | missing_in "$TMP/keur.src")
is "$m" "" "keur.1 names every long option of keur --help"

while read -r cmd; do
	# This command's --help, and that of each of its subcommands that has one (ics template, ...).
	"$KEUR" "$cmd" --help > "$TMP/help-$cmd" 2>&1
	rc=$?
	awk -v c="$cmd" '$1 == c { print $2 }' "$TMP/subcommands" | while read -r sub; do
		"$KEUR" "$cmd" "$sub" --help 2> /dev/null
	done >> "$TMP/help-$cmd"
	m=$(long_options < "$TMP/help-$cmd" | missing_in "$TMP/keur.src")
	is "$rc:$m" "0:" "keur.1 names every long option of keur $cmd --help"
	grep -qE "^\.SS \"?keur $cmd( |\"|\$)" "$TMP/keur.src"
	ok $? "keur.1 has a section of its own for keur $cmd"
done < "$TMP/commands"

m=$(while read -r cmd; do grep -qE "^\.SY \"?keur $cmd( |\"|\$)" "$TMP/keur.src" || echo "$cmd"; done < "$TMP/commands" | tr '\n' ' ')
is "${m% }" "" "the SYNOPSIS of keur.1 has a form of every command"

# EXIT STATUS: a .TP entry per exit code keur --help names, and the commands whose --help gives
# exit codes of their own are named there.
awk '/^\.SH "?EXIT STATUS/ { on = 1; next } /^\.SH/ { on = 0 } on' "$TMP/keur.src" > "$TMP/exit.src"
m=$(while read -r c; do grep -qx "\.B $c" "$TMP/exit.src" || echo "$c"; done < "$TMP/codes" | tr '\n' ' ')
is "$(wc -l < "$TMP/codes"):${m% }" "$(wc -l < "$TMP/codes"):" \
	"EXIT STATUS has an entry for each exit code keur --help names ($(paste -sd" " "$TMP/codes"))"
own=$(while read -r cmd; do grep -qiE '^exit( codes)?( as [a-z ]+)?:' "$TMP/help-$cmd" && echo "$cmd"; done < "$TMP/commands")
m=$(for cmd in $own; do grep -qE "keur $cmd\b" "$TMP/exit.src" || echo "$cmd"; done | tr '\n' ' ')
is "${m% }" "" "EXIT STATUS names the commands whose --help gives exit codes of their own (${own//$'\n'/ })"

# ---- keur-simdev.1 against keur-simdev --help ----
m=$(long_options < "$TMP/simdev.help" | missing_in "$TMP/simdev.src")
is "$m" "" "keur-simdev.1 names every long option of keur-simdev --help"
awk '/^\.SH "?FLAWS/ { on = 1; next } /^\.SH/ { on = 0 } on' "$TMP/simdev.src" > "$TMP/flaws.src"
m=$(while read -r f; do grep -qx "\.B $f" "$TMP/flaws.src" || echo "$f"; done < "$TMP/flaws" | tr '\n' ' ')
is "$(wc -l < "$TMP/flaws"):${m% }" "$(wc -l < "$TMP/flaws"):" \
	"FLAWS in keur-simdev.1 has an entry for each flaw of keur-simdev --help ($(wc -l < "$TMP/flaws") flaws)"

while read -r sub; do
	"$SIMDEV" "$sub" --help > "$TMP/simdev-help-$sub" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^usage:' "$TMP/simdev-help-$sub"; then
		ok 0 "keur-simdev $sub --help prints its usage"
	else
		ok 1 "keur-simdev $sub --help prints its usage"
		sed 's/^/#   /' "$TMP/simdev-help-$sub"
	fi
	m=$(long_options < "$TMP/simdev-help-$sub" | missing_in "$TMP/simdev.src")
	is "$m" "" "keur-simdev.1 names every long option of keur-simdev $sub --help"
	upper=${sub^^}
	grep -qE "^\.S[HS] \"?(THE )?$upper( SUBCOMMAND)?\"?\$" "$TMP/simdev.src"
	ok $? "keur-simdev.1 has a section of its own for keur-simdev $sub"
done < "$TMP/simdev-subs"

done_testing
