#!/usr/bin/env bash
# Update images in the formats real devices use (images/): SWUpdate (.swu), Mender artifacts
# and RAUC bundles (plain and verity), each signed by a vendor key and certificate made here.
# keur reads the version of the genuine and the older image and who signed them; `keur image
# forge` writes the forgeries the UPDATE cases offer, and the format's own tool refuses each
# one for the reason it was made for: swupdate -c -k CA, mender-artifact validate -k,
# rauc info/extract --keyring.  As a control, the tampered image re-signed with the vendor's
# own key (keur image forge --key) is accepted: every hash and checksum in it was right, so
# only the signature stood between it and the device.  Malformed images get one line.
. "$(dirname "$0")/lib.sh"
plan 78
cd "$TMP" || exit 1

# ---- the vendor: a CA and a signer it issued ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=Vendor CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout vendor.key -out vendor.csr -subj "/CN=Vendor Signer" 2>/dev/null
printf 'keyUsage=digitalSignature\n' > ext.cnf
openssl x509 -req -in vendor.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out vendor.crt -days 30 \
	-extfile ext.cnf 2>/dev/null
ok $? "a vendor CA and signer"

info() { "$KEUR" image info "$@" 2>&1; }
field() { awk -v f="$1" '$1 == f { sub(/^[a-z]+ +/, ""); print; exit }'; }
forge() { "$KEUR" image forge "$@" > /dev/null 2> forge.err; }
# one_line CMD...: exit 2 and exactly one line on stderr.
one_line() {
	"$@" > /dev/null 2> ol.err
	local rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l < ol.err)" = 1 ] && ! grep -qi 'sanitizer\|core dumped' ol.err
}
# reads_or_one_line FORMAT FILE: keur image info reads it (exit 0) or says why in one line (exit 2);
# its exit status is left in rc, its complaint in ol.err.
reads_or_one_line() {
	"$KEUR" image info --format "$1" "$2" > /dev/null 2> ol.err
	rc=$?
	[ "$rc" = 0 ] || { [ "$rc" = 2 ] && [ "$(wc -l < ol.err)" = 1 ]; }
}
malformed() { # malformed FORMAT IMAGE: cut short at many points, and bytes changed: one line each
	local fmt=$1 img=$2 size bad=0 n
	size=$(stat -c %s "$img")
	for n in 0 5 100 110 200 511 512 1000 4096 $((size / 3)) $((size / 2)) $((size - 9)) $((size - 1)); do
		[ "$n" -ge "$size" ] && continue
		head -c "$n" "$img" > cut.img
		# Cut in the padding after its end, an archive may still be whole: then it reads.
		reads_or_one_line "$fmt" cut.img || { bad=1; echo "# cut at $n: rc $rc $(cat ol.err)"; }
	done
	head -c $((size / 2)) "$img" > cut.img
	one_line "$KEUR" image info --format "$fmt" cut.img || { bad=1; echo "# cut at half: $(cat ol.err)"; }
	for at in 3 50 120 300 600; do
		cp "$img" flip.img
		printf '\377\377\377\377\377\377\377\377' | dd of=flip.img bs=1 seek="$at" conv=notrunc 2>/dev/null
		reads_or_one_line "$fmt" flip.img || { bad=1; echo "# bytes at $at: rc $rc $(cat ol.err)"; }
	done
	return $bad
}

# ======== SWUpdate ========
# swupdate in check mode, its own TMPDIR each time.  Its exit status is not reliable (it
# sometimes says 1 after "SWUPDATE successful"), and now and then its log loses the lines that
# say why it refused, keeping only "SWUpdate *failed*": the log decides, and a log that says
# neither success nor a reason is asked for again (5 times at most).
swcheck() { # swcheck IMAGE TRUST: the log
	local t log i
	for i in 1 2 3 4 5; do
		t=$(mktemp -d "$TMP/swt.XXXXXX")
		log=$(TMPDIR=$t/ timeout 60 swupdate -c -i "$1" -k "$2" -H board:1.0 2>&1)
		rm -rf "$t"
		printf '%s' "$log" | grep -E 'SWUPDATE successful|ERROR' | grep -qv 'SWUpdate \*failed\*' && break
	done
	printf '%s\n' "$log"
}
accepted() { printf '%s' "$1" | grep -q 'SWUPDATE successful' && ! printf '%s' "$1" | grep -q 'ERROR'; }

make_swu 1.2.3 fw.swu vendor.crt vendor.key && make_swu 1.1.0 old.swu vendor.crt vendor.key
accepted "$(swcheck fw.swu ca.pem)"; ok $? "swu: swupdate accepts the genuine image"
is "$(info fw.swu | field version)" "1.2.3 (software)" "swu: keur reads the version"
is "$(info old.swu | field version)" "1.1.0 (software)" "swu: and the older image's"
like "$(info fw.swu | field signer)" "CN ?= ?Vendor Signer.*Vendor CA" "swu: and who signed it"
forge fw.swu --out swu --older old.swu; ok $? "swu: keur image forge"
( cd swu && awk '!/^#/ { print $1 "  " $2 }' manifest.txt | sha256sum -c --quiet ); ok $? "swu: the manifest's SHA-256s are the files'"
is "$(grep -c '^[0-9a-f]\{64\}  fw-' swu/manifest.txt)" 6 "swu: genuine, four forgeries, older"
l=$(swcheck swu/fw-tampered.swu ca.pem)
like "$l" "Signature verification failed" "swu: tampered refused: the signature does not verify"
! printf '%s' "$l" | grep -qE 'HASH mismatch|Checksum WRONG'; ok $? "swu: tampered: not for a hash or cpio checksum"
like "$(swcheck swu/fw-unsigned.swu ca.pem)" "not the first of the list|Image invalid" "swu: unsigned refused"
like "$(swcheck swu/fw-foreign-signed.swu ca.pem)" "Authentication of all signatures failed" "swu: foreign-signed refused: not signed by a trusted certificate"
accepted "$(swcheck swu/fw-foreign-signed.swu swu/foreign-signer.crt)"; ok $? "swu: foreign-signed accepted when its own certificate is trusted (intact otherwise)"
l=$(swcheck swu/fw-truncated.swu ca.pem); ! accepted "$l"; ok $? "swu: truncated refused"
forge swu/fw-tampered.swu --out swu-ctl --key vendor.key --cert vendor.crt
accepted "$(swcheck swu-ctl/fw-foreign-signed.swu ca.pem)"; ok $? "swu: control: the tampered image re-signed by the vendor is accepted"
is "$(stat -c %a swu/foreign-signer.key) $(ls swu-ctl/foreign-signer.* 2>/dev/null | wc -l)" "600 0" \
	"swu: the key keur made is its owner's only; a key given with --key is not copied"
# A signature that is not CMS (raw RSA) of 2048 bytes: keur re-signs raw, with a key it can make.
mkdir -p raw && ( cd raw && cpio -i --quiet < ../fw.swu && head -c 2048 /dev/urandom > sw-description.sig &&
	printf 'sw-description\nsw-description.sig\nrootfs.img\n' | cpio -o --quiet -H crc ) > raw.swu
timeout 120 "$KEUR" image forge raw.swu --out raw-out > raw.out 2>&1
like "$? $(grep foreign raw.out)" "^0 .*raw RSA signature" "swu: a raw signature of any length is re-signed with a key keur can make"
is "$(info swu/fw-older.swu | field version)" "1.1.0 (software)" "swu: the older image listed for ROLLBACK is the genuine older one"
malformed swu fw.swu; ok $? "swu: malformed images get one line, never a crash"

# ======== Mender ========
openssl genrsa -traditional -out mrsa.pem 2048 2>/dev/null && openssl rsa -in mrsa.pem -pubout -out mrsa.pub 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out mec.pem 2>/dev/null && openssl ec -in mec.pem -pubout -out mec.pub 2>/dev/null
head -c 200000 /dev/urandom > payload.bin
mender-artifact write rootfs-image -f payload.bin -n release-1.2.3 -t keur-board -o fw.mender -k mrsa.pem > /dev/null 2>&1
mender-artifact write rootfs-image -f payload.bin -n release-1.1.0 -t keur-board -o old.mender -k mrsa.pem > /dev/null 2>&1
mender-artifact write rootfs-image -f payload.bin -n release-1.2.3 -t keur-board -o fwec.mender -k mec.pem > /dev/null 2>&1
mvalid() { mender-artifact validate "$@" 2>&1; }
good() { printf '%s' "$1" | grep -q 'validated successfully'; }
good "$(mvalid -k mrsa.pub fw.mender)"; ok $? "mender: mender-artifact validates the genuine artifact"
is "$(info fw.mender | field version)" "release-1.2.3 (artifact_name)" "mender: keur reads the artifact name"
is "$(info old.mender | field version)" "release-1.1.0 (artifact_name)" "mender: and the older one's"
like "$(info fw.mender | field signer)" "RSA" "mender: an RSA signature"
like "$(info fwec.mender | field signer)" "ECDSA" "mender: an ECDSA signature"
for k in rsa ec; do
	src=fw.mender; [ $k = ec ] && src=fwec.mender
	forge "$src" --out "m$k" --older old.mender; ok $? "mender ($k): keur image forge"
	( cd "m$k" && awk '!/^#/ { print $1 "  " $2 }' manifest.txt | sha256sum -c --quiet ); ok $? "mender ($k): the manifest's SHA-256s are the files'"
	l=$(mvalid -k "m$k.pub" "m$k/fw-tampered.mender")
	like "$l" "verification error|verification failed" "mender ($k): tampered refused: the signature does not verify"
	! printf '%s' "$l" | grep -q 'invalid checksum'; ok $? "mender ($k): tampered: not for a checksum"
	like "$(mvalid -k "m$k.pub" "m$k/fw-unsigned.mender")" "missing signature" "mender ($k): unsigned refused: no signature"
	good "$(mvalid "m$k/fw-unsigned.mender")"; ok $? "mender ($k): unsigned: intact otherwise"
	l=$(mvalid -k "m$k.pub" "m$k/fw-foreign-signed.mender"); ! good "$l"; ok $? "mender ($k): foreign-signed refused"
	openssl pkey -in "m$k/foreign-signer.key" -pubout -out "m$k/foreign.pub" 2>/dev/null
	good "$(mvalid -k "m$k/foreign.pub" "m$k/fw-foreign-signed.mender")"; ok $? "mender ($k): foreign-signed verifies with keur's key (intact otherwise)"
	l=$(mvalid -k "m$k.pub" "m$k/fw-truncated.mender"); ! good "$l"; ok $? "mender ($k): truncated refused"
done
forge mrsa/fw-tampered.mender --out mender-ctl --key mrsa.pem
good "$(mvalid -k mrsa.pub mender-ctl/fw-foreign-signed.mender)"; ok $? "mender: control: the tampered artifact re-signed by the vendor validates"
malformed mender fw.mender; ok $? "mender: malformed artifacts get one line, never a crash"

# ======== RAUC ========
bundle() { # bundle VERSION FORMAT OUT
	local d
	d=$(mktemp -d "$TMP/rauc.XXXXXX")
	head -c 1000000 /dev/urandom > "$d/rootfs.ext4"
	printf '[update]\ncompatible=keur-board\nversion=%s\n\n[bundle]\nformat=%s\n\n[image.rootfs]\nfilename=rootfs.ext4\n' \
		"$1" "$2" > "$d/manifest.raucm"
	rauc bundle --cert="$TMP/vendor.crt" --key="$TMP/vendor.key" "$d" "$3" > /dev/null 2>&1
}
rinfo() { rauc info --keyring ca.pem "$1" 2>&1; }
verified() { printf '%s' "$1" | grep -q 'Verified .* signature by'; }
for f in plain verity; do
	bundle 1.2.3 $f $f.raucb && bundle 1.1.0 $f old-$f.raucb
	verified "$(rinfo $f.raucb)"; ok $? "raucb ($f): rauc verifies the genuine bundle"
	is "$(info $f.raucb | field version)" "1.2.3 (manifest [update])" "raucb ($f): keur reads the version"
	is "$(info old-$f.raucb | field version)" "1.1.0 (manifest [update])" "raucb ($f): and the older one's"
	like "$(info $f.raucb | field contents)" "\($f\)" "raucb ($f): and tells the format"
	forge $f.raucb --out r$f --older old-$f.raucb; ok $? "raucb ($f): keur image forge"
	like "$(rinfo r$f/fw-tampered.raucb)" "content verify error" "raucb ($f): tampered refused: the signature does not verify"
	like "$(rinfo r$f/fw-unsigned.raucb)" "Signature size is 0" "raucb ($f): unsigned refused: no signature"
	like "$(rinfo r$f/fw-foreign-signed.raucb)" "self-signed certificate|unable to get local issuer" "raucb ($f): foreign-signed refused: untrusted signer"
	l=$(rinfo r$f/fw-truncated.raucb); ! verified "$l"; ok $? "raucb ($f): truncated refused"
	forge r$f/fw-tampered.raucb --out rctl-$f --key vendor.key --cert vendor.crt
	verified "$(rinfo rctl-$f/fw-foreign-signed.raucb)"; ok $? "raucb ($f): control: the tampered bundle re-signed by the vendor verifies"
done
# A verity bundle's payload is checked when it is used: the re-signed tampered one extracts,
# so keur's hash tree and root hash were right.
rm -rf ex && rauc extract --keyring ca.pem rctl-verity/fw-foreign-signed.raucb ex > /dev/null 2>&1
ok $? "raucb (verity): control: its payload passes dm-verity (keur's hash tree is right)"
malformed raucb plain.raucb; ok $? "raucb: malformed bundles get one line, never a crash"
# A signed bundle whose image is a symbolic link to a file of this machine: keur must not
# follow it (it would flip a byte of that file).
mkdir -p evil && echo precious > victim && ln -s "$TMP/victim" evil/rootfs.ext4
printf '[update]\ncompatible=keur-board\nversion=1.2.3\n\n[image.rootfs]\nfilename=rootfs.ext4\nsha256=%064d\n' 0 > evil/manifest.raucm
mksquashfs evil evil.sq -all-root -noappend -no-progress -quiet > /dev/null 2>&1
openssl cms -sign -binary -nosmimecap -in evil.sq -signer vendor.crt -inkey vendor.key -outform DER -out evil.der 2>/dev/null
{ cat evil.sq evil.der; perl -e 'print pack("Q>", -s "evil.der")'; } > evil.raucb
"$KEUR" image forge evil.raucb --out evil-out > evil.out 2>&1
like "$(cat evil.out)" "tampered +not made: rootfs.ext4 is not a regular file" "raucb: an image that is a symbolic link is not followed"
is "$(cat victim)" precious "raucb: the file it points to is untouched"

# ======== the DUT description declares the format ========
dut() { # dut FORMAT IMAGE OLDER [extra attributes]
	cat > dut.xml <<D
<dut xmlns="urn:keur:dut:1" id="d">
  <mqtt role="client" client-id="d" broker-host="b"/>
  <update topic="d/update" version-topic="d/version" format="$1" image="$2" older-image="$3" ${4:-}/>
</dut>
D
	"$KEUR" lint dut.xml 2>&1
}
like "$(dut swu fw.swu old.swu)" "dut.xml: ok" "lint: a swu image declared as swu"
like "$(dut mender fw.swu old.swu)" "dut.xml:3: image '.*fw.swu': not a mender image \\(it looks like swu\\)" "lint: a swu image declared as mender is named, by line"
like "$(dut raucb plain.raucb old-plain.raucb 'version="9.9.9"')" "dut.xml:3: image '.*plain.raucb' carries version 1.2.3 .*not the declared 9.9.9" "lint: a declared version the image does not carry"
like "$(dut mender old.mender fw.mender)" "older image \(release-1.2.3\) is not older than the image \(release-1.1.0\)" "lint: the versions read decide which is older"

# ======== the command line ========
one_line "$KEUR" image info nonexistent.swu; ok $? "image info: a missing file gets one line"
one_line "$KEUR" image forge fw.swu --out x --older fw.swu; ok $? "image forge: an --older that is not older gets one line"
one_line "$KEUR" image info --format zip fw.swu; ok $? "image info: an unknown format gets one line"
"$KEUR" image info --bogus fw.swu > /dev/null 2> bogus.err
like "$? $(head -1 bogus.err)" "^2 keur: image info: unknown option '--bogus'" "image info: an unknown option is named, exit 2"
"$KEUR" image > /dev/null 2>&1; is $? 2 "image without a command: usage, exit 2"
"$KEUR" image --help | grep -q 'keur image forge IMAGE --out DIR'; ok $? "image --help"
done_testing
