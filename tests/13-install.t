#!/usr/bin/env bash
# make install into a DESTDIR: keur runs from there, in another directory, with a bundled
# profile by name, reads only what was installed (the installed tree moved elsewhere still
# works), runs its installed demo against a real broker; make uninstall removes exactly what
# install put there.
. "$(dirname "$0")/lib.sh"
plan 28

R=$TMP/root
make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr/local > "$TMP/install.log" 2>&1
is $? 0 "make install DESTDIR PREFIX=/usr/local"
P=$R/usr/local
for f in bin/keur bin/keur-simdev share/keur/profiles/csr-label.xml share/keur/profiles/en18031-1.xml \
	share/keur/schemas/profile.xsd share/keur/schemas/report.xsd share/keur/demo/run-demo.sh \
	share/keur/demo/pack/good/ics-en303645.xml share/man/man1/keur.1 share/man/man1/keur-simdev.1; do
	[ -s "$P/$f" ] || missing="${missing:-} $f"
done
is "${missing:-}" "" "installed: programs, profiles, schemas, demo with its packs, man pages"
is "$(ls "$P/share/keur/profiles" | wc -l)" "$(ls "$TOP"/profiles/*.xml | wc -l)" "every bundled profile installed"
[ -x "$P/bin/keur" ] && [ -x "$P/share/keur/demo/run-demo.sh" ]; ok $? "programs and demo scripts are executable"

# Run from another directory, where no profiles/ is.
mkdir -p "$TMP/elsewhere" && cd "$TMP/elsewhere" || exit 1
version=$(changelog_version)
is "$("$P/bin/keur" --version)" "keur $version" "keur --version prints the version of debian/changelog"
out=$("$P/bin/keur" lint csr-label en303645 cra en18031-1 2>&1); rc=$?
is "$rc" 0 "keur lint NAME...: the bundled profiles, by name"
like "$out" "csr-label \($P/share/keur/profiles/csr-label.xml\): ok: profile 'csr-label'" "lint names the installed file it found"
out=$("$P/bin/keur" list --profile en303645 --requirement 5.1-1 2>&1)
like "$out" "5.1-1" "keur list --profile NAME --requirement: the installed profile"
out=$("$P/bin/keur" list --profile nosuch 2>&1); rc=$?
is "$rc" 2 "an unknown profile name: exit 2"
like "$out" "^keur: nosuch: no such file, nor a bundled profile of that name \(bundled, in $P/share/keur/profiles: cra, csr-label, en18031-1, en18031-2, en18031-3, en303645, uk-psti\)$" \
	"an unknown profile name: one line listing the installed profiles"
cp "$TOP/profiles/cra.xml" ./cra
out=$("$P/bin/keur" lint ./cra 2>&1)
like "$out" "^\./cra: ok: profile 'cra'" "a path is still a path"
out=$("$P/bin/keur" lint cra 2>&1)
like "$out" "^cra: ok: profile 'cra'" "a file here of that name wins over the bundled one"
rm -f cra

# Only the installed tree: moved elsewhere, it still finds its profiles there, not in the build tree.
mv "$R/usr/local" "$TMP/moved"
out=$("$TMP/moved/bin/keur" lint csr-label 2>&1)
like "$out" "^csr-label \($TMP/moved/share/keur/profiles/csr-label.xml\): ok" "moved, the installation finds its own profiles"
mv "$TMP/moved" "$R/usr/local"

# A checkout whose parent folder has a share/keur (built in /usr/src/keur, say) keeps to its own.
mkdir -p "$TMP/co/src/profiles" "$TMP/co/share/keur/profiles"
cp "$TOP/keur" "$TMP/co/src/" && cp "$TOP"/profiles/* "$TMP/co/src/profiles/"
cp "$TOP/profiles/cra.xml" "$TMP/co/share/keur/profiles/csr-label.xml"
like "$("$TMP/co/src/keur" lint csr-label 2>&1)" "^csr-label \($TMP/co/src/profiles/csr-label.xml\): ok: profile 'csr-label'" \
	"a checkout finds its own profiles, not those of an installation beside it"

# A run against a real broker with the installed keur and a bundled profile by name; --resume of
# it from yet another directory finds the same profile (the journal holds the file it was).
port=$(freeport)
start_mosquitto broker "listener $port 127.0.0.1
allow_anonymous true"
broker=$BG
cat > dut.xml <<X
<dut xmlns="urn:keur:dut:1" id="installed">
  <identity vendor="Eclipse" model="mosquitto" firmware="2"/>
  <mqtt role="broker" host="127.0.0.1" port="$port" timeout="3"/>
</dut>
X
"$P/bin/keur" run --profile csr-label --dut dut.xml --only MQTT-AUTH-001 --out run > run.tap 2> run.err
is $? 1 "installed keur, profile by name, on an anonymous broker: exit 1"
is "$(verdict_of run.tap MQTT-AUTH-001)" fail "MQTT-AUTH-001 fails on the anonymous broker"
like "$(grep -m1 'profile-file' run/journal)" "$P/share/keur/profiles/csr-label.xml" "the journal holds the installed profile's path"
(cd / && "$P/bin/keur" report "$TMP/elsewhere/run" > /dev/null 2>&1); is $? 0 "keur report of that run from another directory"
"$P/bin/keur" campaign --profile csr-label --only MQTT-AUTH-001 --out camp dut.xml > camp.out 2>&1
is "$(grep '^profile ' camp/campaign.plan)" "profile $P/share/keur/profiles/csr-label.xml" \
	"keur campaign --profile NAME: the plan holds the installed file, for --resume"
stop_pid "$broker"

# The installed demo, from another directory, with its bundled broker.
(cd "$TMP/elsewhere" && TMPDIR=$TMP KEUR_DEMO=broker bash "$P/share/keur/demo/run-demo.sh" > demo.tap 2> demo.err)
is $? 0 "the installed demo runs (broker mode) from another directory"
[ -f demo.tap ] && [ -d keur-out ] && [ -s "$(ls -d keur-out/demo-*)/report.xml" ]; ok $? "its reports land in ./keur-out"
like "$(cat demo.err)" "verify: .*/report.xml is intact and signed" "and keur verify accepts them"

# The man pages, as man finds them under the installed prefix.
page=$(MANPATH=$P/share/man man -w keur 2>&1)
is "$page" "$P/share/man/man1/keur.1" "man finds keur(1) under PREFIX/share/man"
MANPATH=$P/share/man MANWIDTH=80 man keur-simdev 2>/dev/null | grep -q "accept-forged"; ok $? "man keur-simdev shows the flaws"

# make uninstall: exactly what install put there.  A profile the lab added itself stays.
cp "$TOP/profiles/cra.xml" "$P/share/keur/profiles/lab-own.xml"
make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr/local > "$TMP/uninstall.log" 2>&1
is $? 0 "make uninstall"
is "$(cd "$R" && find . -type f | sort | tr '\n' ' ')" "./usr/local/share/keur/profiles/lab-own.xml " "uninstall removes every installed file, and only those"
rm "$P/share/keur/profiles/lab-own.xml"
make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr/local > "$TMP/uninstall.log" 2>&1
is $? 0 "make uninstall again: nothing to do is no error"
[ ! -e "$P/share/keur" ] && [ -z "$(find "$R" -type f)" ]; ok $? "nothing of keur left: no file, no share/keur"
done_testing
