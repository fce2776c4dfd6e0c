/* unit.c — unit tests of the parts below the command line: SHA-256, CRC-32, journal encoding
 * and torn-tail handling, the verdict fold, the scope guard, input loading and the plan, what
 * the XML writers let through of a DUT's bytes, and the reading of the kernel's socket tables.
 * Prints TAP; run by tests/00-unit.t. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"
#include "kfw1.h"
#include "input.h"
#include "journal.h"
#include "mqtt_dut.h"
#include "mqtt_versions.h"
#include "plan.h"
#include "procnet.h"
#include "scope.h"
#include "sha256.h"
#include "util.h"
#include "xmlout.h"

static int n, failed;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failed++;
}

static void is_str(const char *got, const char *want, const char *what)
{
	int same = got && want && !strcmp(got, want);
	ok(same, "%s", what);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
}

static void test_sha256(void)
{
	char hex[65];
	char *million = xmalloc(1000000);

	sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(two, strlen(two), hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of the two-block vector");
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million a");
	free(million);
	ok(crc32_ieee("123456789", 9) == 0xcbf43926u, "crc32 check value");
}

static void test_journal_codec(void)
{
	struct jrec r, back;
	const char *tricky = "a b=c%d~e\nf\tg \x01 ünïcode";
	char *line;

	jrec_init(&r, "case");
	jrec_add(&r, "id", "MQTT-AUTH-001");
	jrec_add(&r, "reason", tricky);
	jrec_add(&r, "ev", "one");
	jrec_add(&r, "ev", "two");
	jrec_add(&r, "empty", "");
	line = jrec_encode(&r);
	ok(strchr(line, '\n') == line + strlen(line) - 1, "a record is exactly one line");
	ok(jrec_decode(line, strlen(line) - 1, &back) == 0, "an encoded record decodes");
	is_str(back.type, "case", "type survives");
	is_str(jrec_get(&back, "reason"), tricky, "spaces, =, %, ~, newlines, control bytes and UTF-8 survive");
	ok(back.n == 5 && !strcmp(back.val[3], "two"), "repeated keys keep their order");
	is_str(jrec_get(&back, "empty"), "", "empty values survive");
	jrec_release(&back);
	line[10] ^= 1;
	ok(jrec_decode(line, strlen(line) - 1, &back) < 0, "a flipped bit fails the CRC");
	ok(jrec_decode("case ~0000", 10, &back) < 0, "a short line is rejected");
	free(line);
	jrec_release(&r);
}

static void test_journal_file(void)
{
	char dir[] = "/tmp/keur-unit.XXXXXX", why[256];
	struct journal *j;
	struct jrecs rs;
	struct jrec r[2];
	size_t valid;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	char *path = path_join(dir, "journal");
	ok(journal_create(path, &j) == 0, "journal created");
	jrec_init(&r[0], "a");
	jrec_add(&r[0], "k", "1");
	jrec_init(&r[1], "b");
	jrec_add(&r[1], "k", "2");
	ok(journal_append(j, r, 2) == 0, "a batch appended");
	journal_close(j);
	ok(journal_create(path, &j) == -EEXIST, "an existing journal is never recreated");

	f = fopen(path, "a");
	fputs("c k=3 ~1234", f);	/* torn: no newline */
	fclose(f);
	ok(journal_read(path, &rs, &valid, why, sizeof(why)) == 0 && rs.n == 2, "a torn tail is skipped");
	jrecs_release(&rs);
	ok(journal_open(path, &j) == 0, "journal reopened for appending");
	jrec_release(&r[0]);
	jrec_init(&r[0], "d");
	ok(journal_append(j, r, 1) == 0, "appended after the torn tail");
	journal_close(j);
	ok(journal_read(path, &rs, NULL, why, sizeof(why)) == 0 && rs.n == 3 && !strcmp(rs.r[2].type, "d"),
	   "the torn tail was cut off, the new record follows the whole ones");
	jrecs_release(&rs);

	/* Damage in the middle is reported, not skipped. */
	char *buf;
	size_t len;
	file_read(path, &buf, &len);
	buf[2] = buf[2] == 'k' ? 'K' : 'k';
	file_write_atomic(path, buf, len);
	free(buf);
	ok(journal_read(path, &rs, NULL, why, sizeof(why)) < 0 && strstr(why, ":1: damaged record"),
	   "a damaged first record is reported with its line (%s)", why);
	jrec_release(&r[0]);
	jrec_release(&r[1]);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_fold(void)
{
	struct { int n; enum keur_verdict in[3]; enum keur_verdict want; const char *what; } t[] = {
		{ 2, { KEUR_PASS, KEUR_PASS }, KEUR_PASS, "pass + pass = pass" },
		{ 3, { KEUR_PASS, KEUR_FAIL, KEUR_INCONC }, KEUR_FAIL, "any fail = fail" },
		{ 2, { KEUR_PASS, KEUR_ERROR }, KEUR_INCONC, "pass + error = inconc" },
		{ 2, { KEUR_PASS, KEUR_NA }, KEUR_PASS, "pass + na = pass" },
		{ 2, { KEUR_NA, KEUR_NA }, KEUR_NA, "na + na = na" },
		{ 2, { KEUR_PASS, KEUR_NONE }, KEUR_INCONC, "a case not run keeps a requirement from passing" },
		{ 1, { KEUR_NONE }, KEUR_INCONC, "nothing run = inconc" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct verdict_fold f = { 0 };
		for (int k = 0; k < t[i].n; k++)
			verdict_fold_add(&f, t[i].in[k]);
		ok(verdict_fold_result(&f) == t[i].want, "%s", t[i].what);
	}
	for (int v = KEUR_PASS; v <= KEUR_NA; v++)
		ok(verdict_parse(verdict_name((enum keur_verdict)v)) == (enum keur_verdict)v, "verdict %s round-trips",
		   verdict_name((enum keur_verdict)v));
	ok(verdict_parse("passed") == KEUR_NONE, "an unknown verdict name is not taken for one");
}

static void test_scope(void)
{
	struct keur_lab *def = lab_default(), *lab = NULL;
	struct input_errors err = { 0 };
	char why[256];

	ok(scope_check(def, "127.0.0.1", why, sizeof(why)) == 0, "loopback is in the default scope");
	ok(scope_check(def, "127.45.0.9", why, sizeof(why)) == 0, "all of 127/8 is");
	ok(scope_check(def, "::1", why, sizeof(why)) == 0, "::1 is");
	ok(scope_check(def, "198.18.0.1", why, sizeof(why)) < 0, "198.18/15 is not, without a lab");
	ok(scope_check(def, "192.0.2.1", why, sizeof(why)) < 0 && strstr(why, "outside the lab's scope"),
	   "a documentation address is refused: %s", why);
	ok(lab_load("tests/data/lab.xml", &lab, &err) == 0, "test lab loads");
	if (lab) {
		ok(scope_check(lab, "198.19.255.254", why, sizeof(why)) == 0, "the lab allows 198.18.0.0/15");
		ok(scope_check(lab, "198.20.0.1", why, sizeof(why)) < 0, "but not the next /15");
	}
	input_errors_release(&err);
	lab_free(lab);
	lab_free(def);
}

/* Lines as /proc/net/tcp, tcp6 and udp print them.  The kernel prints each 32-bit word of an
 * address in the host's byte order: these are a little-endian machine's. */
static void test_procnet(void)
{
	struct procnet_sock s;
	const unsigned char lo[4] = { 127, 0, 0, 1 };

	ok(procnet_parse("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
			 IPPROTO_TCP, &s) == 0, "procnet: the header line is no socket");
	ok(procnet_parse("   0: 0100007F:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 "
			 "0000000000000000 100 0 0 10 0", IPPROTO_TCP, &s) == 1 && s.family == AF_INET && s.port == 2024 &&
	   s.inode == 12345 && !memcmp(s.addr, lo, 4), "procnet: a listening socket on 127.0.0.1:2024, inode 12345");
	ok(procnet_binds(&s, "127.0.0.1", IPPROTO_TCP, 2024) && !procnet_binds(&s, "127.0.0.2", IPPROTO_TCP, 2024) &&
	   !procnet_binds(&s, "127.0.0.1", IPPROTO_UDP, 2024) && !procnet_binds(&s, "127.0.0.1", IPPROTO_TCP, 2025),
	   "procnet: it takes TCP 2024 on 127.0.0.1 only");
	ok(procnet_parse("   1: 0100007F:07E8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0",
			 IPPROTO_TCP, &s) == 0, "procnet: an established connection is no listener");
	ok(procnet_parse("   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   0   0 778 1 0",
			 IPPROTO_TCP, &s) == 1 && procnet_binds(&s, "127.0.0.9", IPPROTO_TCP, 2024) &&
	   !procnet_binds(&s, "::1", IPPROTO_TCP, 2024), "procnet: 0.0.0.0 takes any IPv4 address, not IPv6");
	ok(procnet_parse("   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
			 "00000000:00000000 00:00000000 00000000     0        0 900 1 0", IPPROTO_TCP, &s) == 1 &&
	   s.family == AF_INET6 && procnet_binds(&s, "::1", IPPROTO_TCP, 80) && procnet_binds(&s, "127.0.0.1", IPPROTO_TCP, 80),
	   "procnet: :: takes IPv6 and IPv4");
	ok(procnet_parse("   0: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A "
			 "00000000:00000000 00:00000000 00000000     0        0 901 1 0", IPPROTO_TCP, &s) == 1 &&
	   procnet_binds(&s, "127.0.0.1", IPPROTO_TCP, 8080) && !procnet_binds(&s, "127.0.0.2", IPPROTO_TCP, 8080) &&
	   !procnet_binds(&s, "::1", IPPROTO_TCP, 8080), "procnet: ::ffff:127.0.0.1 takes 127.0.0.1 only");
	ok(procnet_parse(" 1234: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 55 2 0 0",
			 IPPROTO_UDP, &s) == 1 && s.port == 5353 && procnet_binds(&s, "127.0.0.1", IPPROTO_UDP, 5353),
	   "procnet: an unconnected UDP socket on *:5353");
	ok(procnet_parse(" 1235: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 56 2 0 0",
			 IPPROTO_UDP, &s) == 0, "procnet: a connected UDP socket takes no probe");
	ok(procnet_parse("garbage", IPPROTO_TCP, &s) < 0 && procnet_parse("   0: 0100007F:07E8", IPPROTO_TCP, &s) < 0 &&
	   procnet_parse("   0: 0100007F:07E8 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 1", IPPROTO_TCP, &s) < 0 &&
	   procnet_parse("   0: 0100007:07E8 00000000:0000 0A 0:0 0:0 0 0 0 1", IPPROTO_TCP, &s) < 0 &&
	   procnet_parse("   0: 0100007F:1FFFF 00000000:0000 0A 0:0 0:0 0 0 0 1", IPPROTO_TCP, &s) < 0,
	   "procnet: malformed lines, mixed families, a short address, a port beyond 65535: -1");
	ok(procnet_addr_local("127.0.0.1") == 1 && procnet_addr_local("127.8.9.10") == 1 && procnet_addr_local("::1") == 1 &&
	   procnet_addr_local("::ffff:127.0.0.1") == 1 && procnet_addr_local("192.0.2.77") == 0 &&
	   procnet_addr_local("2001:db8::77") == 0 && procnet_addr_local("dut.example") < 0,
	   "procnet: loopback is this machine's, TEST-NET is not, a name is no address");
}

static void test_inputs_and_plan(void)
{
	struct input_errors err = { 0 };
	struct keur_dut *dut = NULL;
	struct keur_profile *prof = NULL;
	struct keur_lab *lab = lab_default();
	struct plan p;

	ok(dut_load("tests/data/self-dut.xml", &dut, &err) == 0, "self-test DUT loads");
	ok(profile_load("tests/data/self-profile.xml", &prof, &err) == 0, "self-test profile loads");
	if (!dut || !prof)
		goto out;
	ok(dut->nmqtt == 1 && dut->mqtt[0].broker && dut->mqtt[0].port == 1 && dut->mqtt[0].timeout_ms == 1000 &&
	   dut->mqtt[0].versions == (MQTT_V31 | MQTT_V311 | MQTT_V5), "DUT fields and defaults");
	ok(profile_level_includes(prof, "high", "basic") && !profile_level_includes(prof, "basic", "high"),
	   "level inclusion follows includes=");
	ok(plan_build(&prof, 1, dut, lab, &(struct plan_opts){ .level = "basic" }, &p, &err) == 0, "plan at level basic");
	ok(p.n == 3 && p.nparts == 1 && p.parts[0].nreqs == 3, "basic: three cases from three requirements (%zu, %zu)", p.n,
	   p.nparts ? p.parts[0].nreqs : 0);
	for (size_t i = 0; i < p.n; i++)
		if (!strcmp(p.items[i].c->id, "SELF-NA-001"))
			ok(p.items[i].pre == KEUR_NA && strstr(p.items[i].pre_reason, "no Modbus"), "na with the reason");
	plan_release(&p);
	ok(plan_build(&prof, 1, dut, lab, &(struct plan_opts){ .only = "SELF-CRASH-001" }, &p, &err) < 0 && err.n == 1 &&
	   strstr(err.msg[0], "not part of profile"), "--only a case outside the profile is an error");
	input_errors_release(&err);
	ok(plan_build(NULL, 0, dut, lab, &(struct plan_opts){ .only = "NOPE-NOPE-001" }, &p, &err) < 0 && strstr(err.msg[0], "unknown case"),
	   "--only an unknown case is an error");
	input_errors_release(&err);
	ok(plan_build(NULL, 0, dut, lab, &(struct plan_opts){ .level = "basic" }, &p, &err) < 0 && strstr(err.msg[0], "--level needs --profile"),
	   "--level without a profile is an error");
	input_errors_release(&err);
	/* The same profile twice: one plan part each would judge it twice. */
	struct keur_profile *two[2] = { prof, prof };
	ok(plan_build(two, 2, dut, lab, &(struct plan_opts){ 0 }, &p, &err) < 0 && strstr(err.msg[0], "given twice"),
	   "the same profile twice is an error");
out:
	input_errors_release(&err);
	profile_free(prof);
	dut_free(dut);
	lab_free(lab);
}

/* KFW1 images: genuine, tampered, stripped, foreign-signed, truncated; keys made with openssl. */
static void test_image(void)
{
	char dir[] = "/tmp/keur-img.XXXXXX", cmd[1600], vkey[300], vpub[300], ekey[300];
	uint8_t payload[3000], *img = NULL, *other = NULL;
	size_t len = 0, olen = 0;
	struct image im;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(vkey, sizeof(vkey), "%s/vendor.key", dir);
	snprintf(vpub, sizeof(vpub), "%s/vendor.pub", dir);
	snprintf(ekey, sizeof(ekey), "%s/evil.key", dir);
	snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm ed25519 -out %s 2>/dev/null && "
		 "openssl pkey -in %s -pubout -out %s 2>/dev/null && openssl genpkey -algorithm ed25519 -out %s 2>/dev/null",
		 vkey, vkey, vpub, ekey);
	ok(system(cmd) == 0, "openssl made Ed25519 keys");
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	ok(image_build("1.4.3", payload, sizeof(payload), vkey, &img, &len) == 0 && len == IMAGE_HEADER + 64 + sizeof(payload),
	   "a signed image is built");
	ok(img && image_parse(img, len, &im) == 0 && !strcmp(im.version, "1.4.3") && im.sig_alg == IMAGE_SIG_ED25519 &&
	   im.payload_len == sizeof(payload), "and parses back");
	ok(img && image_verify(img, len, vpub) == IMAGE_OK, "the genuine image verifies");
	if (img) {
		img[len - 1] ^= 0x01;
		ok(image_verify(img, len, vpub) == IMAGE_BAD_SIGNATURE, "one payload byte flipped: bad signature");
		img[len - 1] ^= 0x01;
		img[5] = '9';	/* the version, inside the signed header */
		ok(image_verify(img, len, vpub) == IMAGE_BAD_SIGNATURE, "the version changed: bad signature");
		img[5] = '.';
		ok(image_verify(img, len - 100, vpub) == IMAGE_MALFORMED, "truncated: malformed");
		ok(image_verify(img, 10, vpub) == IMAGE_MALFORMED, "a stub of a header: malformed");
	}
	ok(image_build("1.4.3", payload, sizeof(payload), ekey, &other, &olen) == 0 &&
	   image_verify(other, olen, vpub) == IMAGE_BAD_SIGNATURE, "signed by a foreign key: bad signature");
	free(other);
	ok(image_build("1.4.3", payload, sizeof(payload), NULL, &other, &olen) == 0 &&
	   image_verify(other, olen, vpub) == IMAGE_UNSIGNED, "without a signature: unsigned");
	free(other);
	ok(img && image_verify(img, len, "/nonexistent.pem") == IMAGE_NO_KEY, "no key file: said so");
	ok(image_build("12345678901234567", payload, 1, NULL, &other, &olen) < 0, "a version longer than 16 bytes is refused");
	ok(version_cmp("1.4.3", "1.4.10") < 0 && version_cmp("2.0", "1.9.9") > 0 && version_cmp("1.2.0", "1.2.0") == 0 &&
	   version_cmp("1.2", "1.2.0") < 0, "versions compare numerically");
	ok(version_cmp("release-1.1.0", "release-1.2.3") < 0 && version_cmp("v1.10", "v1.9") > 0 &&
	   version_cmp("rel-2", "rel-2") == 0, "versions with a name before them compare by their numbers");
	free(img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "temporary keys removed");
}

static void test_xml_clean(void)
{
	static const struct { const char *in, *out, *what; } v[] = {
		{ "plain text", "plain text", "ASCII stays" },
		{ "tab\tcr\rlf\n", "tab\tcr\rlf\n", "tab, CR and LF stay" },
		{ "bell\a esc\x1b", "bell? esc?", "control characters become ?" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "well-formed UTF-8 stays (2, 3, 4 bytes)" },
		{ "\xff\xfe junk", "?? junk", "bytes that start no UTF-8 sequence become ?" },
		{ "cut \xe2\x82", "cut ??", "a truncated sequence becomes ? per byte" },
		{ "over \xc0\xaf \xe0\x80\xaf", "over ?? ???", "overlong forms become ?" },
		{ "sur \xed\xa0\x80", "sur ???", "a UTF-16 surrogate becomes ?" },
		{ "nonchar \xef\xbf\xbf", "nonchar ???", "U+FFFF becomes ?" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *c = xo_clean(v[i].in);
		is_str(c, v[i].out, v[i].what);
		free(c);
	}
}

/* Which MQTT versions a broker endpoint is judged on, from what it declares and what the run's
 * probe found (suites/mqtt_dut.h), and the sets as the journal writes them. */
static void test_mqtt_versions(void)
{
	struct dut_mqtt m = { .versions = MQTT_V31 | MQTT_V311 | MQTT_V5 };
	char text[32];

	ok(mqtt_dut_versions(&m) == m.versions && mqtt_dut_version(&m) == 4, "not probed: the declared versions, 3.1.1 first");
	m.spoken = MQTT_V31 | MQTT_V311, m.unspoken = MQTT_V5;
	ok(mqtt_dut_versions(&m) == (MQTT_V31 | MQTT_V311) && !mqtt_dut_judges(&m, 5), "5.0 not spoken: not judged on it");
	m.spoken = MQTT_V5, m.unspoken = MQTT_V31 | MQTT_V311;
	ok(mqtt_dut_versions(&m) == MQTT_V5 && mqtt_dut_version(&m) == 5, "5.0 only: the one-version cases speak 5.0");
	m.versions = MQTT_V5, m.spoken = MQTT_V311, m.unspoken = MQTT_V5;
	ok(mqtt_dut_versions(&m) == MQTT_V311, "declared 5.0, speaks 3.1.1 only: judged on 3.1.1");
	m.versions = MQTT_V311, m.spoken = 0, m.unspoken = 0;
	ok(mqtt_dut_versions(&m) == MQTT_V311, "undetermined: the declared versions");
	m.versions = MQTT_V31, m.spoken = MQTT_V31;
	ok(mqtt_dut_version(&m) == 3, "3.1 only: spoken as 3.1");
	mqtt_versions_text(MQTT_V5 | MQTT_V31, text, sizeof(text));
	is_str(text, "3.1 5.0", "a version set as text, oldest first");
	ok(mqtt_versions_parse("3.1 3.1.1 5.0") == (MQTT_V31 | MQTT_V311 | MQTT_V5) && mqtt_versions_parse("3.1.1") == MQTT_V311 &&
	   mqtt_versions_parse("") == 0 && mqtt_versions_parse(NULL) == 0 && mqtt_versions_parse("3.11 5") == 0,
	   "and back; nothing else is a version");
}

/* The comma-list walk and the capped name lists that the reports and the run summary share. */
static void test_lists(void)
{
	const char *p = "A-1,,B-2", *none = NULL;
	struct strbuf sb;
	size_t k = 0;
	char *a = list_next(&p), *e = list_next(&p), *b = list_next(&p);

	is_str(a, "A-1", "list_next: the first item");
	is_str(e, "", "an empty item comes back empty");
	is_str(b, "B-2", "the last item");
	ok(!list_next(&p) && !list_next(&none), "NULL at the end of the list, and for no list");
	free(a);
	free(e);
	free(b);
	sb_init(&sb);
	for (int i = 0; i < 7; i++) {
		char id[8];
		snprintf(id, sizeof(id), "R%d", i);
		sb_add_capped(&sb, &k, 5, id);
	}
	sb_add_more(&sb, k, 5);
	is_str(sb.buf, "R0, R1, R2, R3, R4 and 2 more", "a capped list names five, then counts the rest");
	ok(k == 7, "and counts all seven");
	sb_release(&sb);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_sha256();
	test_journal_codec();
	test_journal_file();
	test_fold();
	test_scope();
	test_procnet();
	test_inputs_and_plan();
	test_image();
	test_xml_clean();
	test_mqtt_versions();
	test_lists();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
