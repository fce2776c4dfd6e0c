#!/usr/bin/env bash
# Cases run unprivileged (harness/contain.h): run as root, each case process gives root up before
# it talks to the DUT.  From inside a case: /etc/shadow, the signing key, the journal, another
# case's evidence, the parent, setuid(0) and a set-user-ID root program are all refused; /proc
# shows the case process with a non-zero uid, no capabilities and no_new_privs; the report, the
# journal and TAP say so; a file a case plants in its folder is never followed by the parent; the
# lab description's case-user is used, an unknown one refused; a run that is not root says that
# nothing was dropped.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP cases only give up root when keur runs as root"
	exit 0
fi
plan 43

DUT=$TOP/tests/data/self-dut.xml
# The signing key as a lab keeps it: its owner alone may read it.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/sign.key" 2> /dev/null
chmod 600 "$TMP/sign.key"
# A set-user-ID root program that prints its effective uid, where the case user can reach it.
mkdir "$TMP/suid" && chmod 755 "$TMP/suid"
cp "$(command -v id)" "$TMP/suid/id" && chown root:root "$TMP/suid/id" && chmod 4755 "$TMP/suid/id"
[ "$("$TMP/suid/id" -u)" = 0 ] || echo "# the set-user-ID copy of id does not run as root here"

# ---- 1. the attempts from inside a case ----
KEUR_SELFTEST_KEY=$TMP/sign.key KEUR_SELFTEST_OUT=$TMP/run KEUR_SELFTEST_SUID=$TMP/suid/id \
	"$SELF" run --dut "$DUT" --only SELF-EVIDENCE-001,SELF-CONTAIN-001 --out "$TMP/run" --no-progress \
	> "$TMP/run.tap" 2> "$TMP/run.err"
is "$(verdict_of "$TMP/run.tap" SELF-CONTAIN-001)" pass "every attempt to leave the case's confinement was refused"
C=$TMP/run/evidence/SELF-CONTAIN-001/contain.txt
like "$(cat "$C")" "read /etc/shadow \\(/etc/shadow\\): refused: Permission denied" "/etc/shadow: refused"
like "$(cat "$C")" "read the lab's signing key \\($TMP/sign.key\\): refused: Permission denied" "the signing key: refused"
like "$(cat "$C")" "write the journal \\($TMP/run/journal\\): refused: Permission denied" "the journal, by its path: refused"
like "$(cat "$C")" "write the journal from the evidence folder \\(../../journal\\): refused: Permission denied" \
	"the journal, from the case's own folder: refused"
like "$(cat "$C")" "read another case's evidence \\([^)]*\\): refused: Permission denied" "another case's evidence: refused"
like "$(cat "$C")" "write into another case's evidence \\([^)]*\\): refused: Permission denied" \
	"writing into another case's folder: refused"
like "$(cat "$C")" "open the controlling terminal \\(/dev/tty\\): refused" "no controlling terminal"
like "$(cat "$C")" "signal the parent \\(PID [0-9]+\\): refused: Operation not permitted" "signalling the parent: refused"
like "$(cat "$C")" "setuid\\(0\\): refused: Operation not permitted" "setuid(0): refused"
like "$(cat "$C")" "run set-user-ID root $TMP/suid/id: refused: it ran with effective uid [1-9][0-9]*" \
	"a set-user-ID root program runs without root (no_new_privs)"
like "$(cat "$C")" "write into its own evidence folder: allowed" "the case writes into its own folder"
ok "$([ ! -e "$TMP/run/evidence/SELF-EVIDENCE-001/planted" ]; echo $?)" "nothing was planted in the other case's folder"
like "$(stat -c '%U %a' "$TMP/run/evidence/SELF-CONTAIN-001" "$TMP/run/evidence/SELF-CONTAIN-001/contain.txt" | tr '\n' ' ')" \
	"^root 700 root [0-7]+ $" "after the case its folder and files are root's again, the folder root's alone"
is "$(stat -c '%a' "$TMP/run/journal")" 600 "the journal is readable by keur's user alone"

# ---- 2. the record: journal, TAP, report ----
J=$(grep '^case id=SELF-CONTAIN-001 ' "$TMP/run/journal")
like "$J" " contain-uid=[1-9][0-9]* contain-caps=0 contain-nnp=1 " "the journal records uid, capabilities and no_new_privs"
like "$(cat "$TMP/run.tap")" "containment: \"uid [1-9][0-9]* \\((_keur|nobody)\\), gid [0-9]+, 0 supplementary groups, capabilities none, no_new_privs 1\"" \
	"the TAP diagnostics say what the case ran as"
like "$(cat "$TMP/run/report.xml")" "<containment uid=\"[1-9][0-9]*\" capabilities=\"0\" no-new-privs=\"true\">uid" \
	"report.xml says what the case ran as"
xmllint --noout --schema "$TOP/reports/report.xsd" "$TMP/run/report.xml" 2> "$TMP/xsd.err"
ok $? "report.xml with its containment elements is valid"

# ---- 3. /proc, read by this test while a case runs ----
KEUR_SELFTEST_SLOW_MS=4000 bg "$SELF" run --dut "$DUT" --only SELF-LINGER-001 --out "$TMP/linger" --no-progress \
	> "$TMP/linger.tap" 2>&1
KPID=$BG
case_pid() {
	for s in /proc/[0-9]*/stat; do
		read -r pid _ _ ppid _ < "$s" 2> /dev/null || continue
		[ "$ppid" = "$KPID" ] && grep -q '^NoNewPrivs:' "/proc/$pid/status" 2> /dev/null && CPID=$pid && return 0
	done
	return 1
}
CPID=
poll_until 10 case_pid
ok $? "the running case process is found under keur ($CPID)"
S=$(cat "/proc/$CPID/status" 2> /dev/null)
like "$(printf '%s\n' "$S" | grep '^Uid:')" "^Uid:\s+[1-9][0-9]*\s+[1-9][0-9]*\s+[1-9][0-9]*\s+[1-9][0-9]*$" \
	"/proc: real, effective, saved and file-system uid are all not root"
like "$(printf '%s\n' "$S" | grep '^NoNewPrivs:')" "NoNewPrivs:\s+1" "/proc: NoNewPrivs 1"
like "$(printf '%s\n' "$S" | grep '^CapEff:')" "CapEff:\s+0+$" "/proc: no effective capabilities"
like "$(printf '%s\n' "$S" | grep '^CapPrm:')" "CapPrm:\s+0+$" "/proc: no permitted capabilities"
like "$(printf '%s\n' "$S" | grep '^Groups:')" "^Groups:\s*$" "/proc: no supplementary groups"
wait "$KPID"
is "$(verdict_of "$TMP/linger.tap" SELF-LINGER-001)" pass "the lingering case passed"

# ---- 4. a case that plants links: the parent never follows them ----
echo "keep me" > "$TMP/victim"
KEUR_SELFTEST_VICTIM=$TMP/victim "$SELF" run --dut "$DUT" --only SELF-PLANT-001 --out "$TMP/plant" --no-progress \
	> "$TMP/plant.tap" 2>&1
is "$(cat "$TMP/victim")" "keep me" "output.log planted as a link to a root file: the file is untouched"
F=$TMP/plant/evidence/SELF-PLANT-001
[ -f "$F/output.log" ] && [ ! -L "$F/output.log" ] && grep -q "overwritten by a case" "$F/output.log"
ok $? "... and output.log is the parent's record of the case's output, in place of the link"
like "$(cat "$F/harness-removed.txt" 2> /dev/null)" "^output.log \\(a symbolic link\\)$" "... and harness-removed.txt says a link was removed"

# ---- 5. requests: malformed or outside the case's needs refused; a flood stopped ----
"$SELF" run --dut "$DUT" --only SELF-REQUEST-001,SELF-FLOOD-001 --out "$TMP/req" --no-progress > "$TMP/req.tap" 2>&1
is "$(verdict_of "$TMP/req.tap" SELF-REQUEST-001)" pass "malformed requests and requests outside the case's needs are refused"
like "$(cat "$TMP/req/evidence/SELF-REQUEST-001/requests.txt")" "uplink check to 198.18.0.1:53: -1 refused: 198.18.0.1:53 is not where this DUT's uplink leads" \
	"... an uplink check to an address no description names among them"
is "$(verdict_of "$TMP/req.tap" SELF-FLOOD-001)" error "a case that floods the harness with requests is stopped: error"
like "$(grep -A6 'SELF-FLOOD-001' "$TMP/req.tap")" "sent the harness requests without waiting for the answers, and was killed" "... saying why"

# ---- 6. the lab's case-user, and a run that is not root ----
printf '<lab xmlns="urn:keur:lab:1" id="contain-lab" case-user="daemon">\n  <scope><allow net="127.0.0.0/8"/></scope>\n</lab>\n' > "$TMP/lab.xml"
"$SELF" run --dut "$DUT" --lab "$TMP/lab.xml" --only SELF-PASS-001 --out "$TMP/daemon" --no-progress > "$TMP/daemon.tap" 2>&1
like "$(grep '^case ' "$TMP/daemon/journal")" " contain-uid=$(id -u daemon) " "the lab description's case-user is the one cases run as"
sed 's/case-user="daemon"/case-user="nosuchuser"/' "$TMP/lab.xml" > "$TMP/lab2.xml"
"$SELF" run --dut "$DUT" --lab "$TMP/lab2.xml" --only SELF-PASS-001 --out "$TMP/nouser" --no-progress > /dev/null 2> "$TMP/nouser.err"
rc=$?
is "$rc $(cat "$TMP/nouser.err")" "2 keur: the lab's case-user \"nosuchuser\" does not exist on this machine" \
	"an unknown case-user: exit 2 with one line, before anything runs"
mkdir "$TMP/asuser" && chown nobody: "$TMP/asuser"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$SELF" run --dut "$DUT" --only SELF-PASS-001 \
	--out "$TMP/asuser/run" --no-progress > "$TMP/asuser.tap" 2>&1
like "$(grep '^case ' "$TMP/asuser/run/journal")" "nothing%20dropped:%20keur%20runs%20as%20uid%20$(id -u nobody),%20not%20root" \
	"a run that is not root says that nothing was dropped"

# ---- 7. the one capability a case may keep: a port below 1024 for the broker it plays ----
LOW=
for p in $(seq 1023 -1 900); do
	[ -z "$(ss -Htln "sport = :$p" 2> /dev/null)" ] && LOW=$p && break
done
printf '<lab xmlns="urn:keur:lab:1" id="contain-lab">\n  <scope><allow net="127.0.0.0/8"/></scope>\n  <broker listen="127.0.0.1" port="%s"/>\n</lab>\n' "$LOW" > "$TMP/lab-low.xml"
"$SELF" run --dut "$DUT" --lab "$TMP/lab-low.xml" --only SELF-BIND-001,SELF-BIND-002 --out "$TMP/low" --no-progress > "$TMP/low.tap" 2>&1
is "$(verdict_of "$TMP/low.tap" SELF-BIND-001)" pass "a case that plays the broker binds the lab's port $LOW"
like "$(grep '^case id=SELF-BIND-001 ' "$TMP/low/journal")" " contain-caps=400 contain-nnp=1 " \
	"... holding CAP_NET_BIND_SERVICE alone"
like "$(cat "$TMP/low.tap")" "capabilities cap_net_bind_service, no_new_privs 1" "... and TAP names it"
is "$(verdict_of "$TMP/low.tap" SELF-BIND-002)" fail "a case that does not play the broker cannot bind it"
like "$(grep '^case id=SELF-BIND-002 ' "$TMP/low/journal")" "Permission%20denied.* contain-caps=0 " "... as it holds no capability"

# ---- 8. a signing key others may read is named ----
openssl req -x509 -new -key "$TMP/sign.key" -subj "/CN=contain test lab" -days 1 -out "$TMP/sign.pem" 2> /dev/null
cp "$TMP/sign.key" "$TMP/open.key" && chmod 644 "$TMP/open.key"
"$SELF" run --dut "$DUT" --only SELF-PASS-001 --out "$TMP/signed" --no-progress --sign-key "$TMP/open.key" \
	--sign-cert "$TMP/sign.pem" > /dev/null 2> "$TMP/signed.err"
like "$(cat "$TMP/signed.err")" "^keur: warning: the signing key $TMP/open.key is open to others than its owner \\(mode 0644\\): chmod 600 it" \
	"a signing key with mode 0644: a warning that names it"
"$SELF" run --dut "$DUT" --only SELF-PASS-001 --out "$TMP/signed2" --no-progress --sign-key "$TMP/sign.key" \
	--sign-cert "$TMP/sign.pem" > /dev/null 2> "$TMP/signed2.err"
ok "$(grep -c warning "$TMP/signed2.err")" "a signing key with mode 0600: no warning"
done_testing
