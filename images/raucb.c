/* raucb.c — RAUC bundles: a squashfs image (manifest.raucm and the images it names), then a
 * CMS signature and its size as a big-endian 64-bit number.
 *
 *   plain   the CMS is detached: it signs the squashfs bytes themselves
 *   verity  the CMS holds the manifest, which gives the dm-verity root hash (and salt, size)
 *           of a hash tree that follows the squashfs: the signature covers the tree's root
 *
 * keur reads a plain bundle's manifest with squashfs-tools (unsquashfs), and rebuilds the
 * squashfs with mksquashfs to tamper with an image inside; the dm-verity tree it computes here
 * (format 1, SHA-256, 4 KiB blocks, no superblock, the top level first) and checks that it
 * gives the bundle's own root hash before it trusts its forgery. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>

#include "img_int.h"

#define SIG_MAX 65536		/* RAUC refuses larger signatures */
#define VBLOCK 4096
#define MANIFEST_MAX 65536
#define TOOL_MS 120000		/* the longest an unsquashfs or mksquashfs may take */
#define IMAGE_MAX ((size_t)4 << 30)	/* the largest image file keur changes, and squashfs it rebuilds */

struct bundle {
	size_t payload;		/* bytes before the signature: squashfs, then the verity tree */
	size_t squashfs;	/* the squashfs, padded to 4 KiB */
	const uint8_t *sig;
	size_t siglen;
	CMS_ContentInfo *cms;
	int verity;		/* the CMS holds the manifest */
	char *manifest;		/* the manifest: from the CMS (verity) or the squashfs (plain) */
	size_t mlen;
};

/* ---- running squashfs-tools ---- */

/* Runs argv with stdout into out (at most cap bytes; more is an error) unless out is NULL:
 * 0, or -1 with the tool's first line of complaint in err. */
static int run(const char *const argv[], char *out, size_t cap, size_t *olen, char *err, size_t elen)
{
	int po[2], pe[2];
	char ebuf[512];
	size_t n = 0, en = 0;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return img_err(err, elen, "pipe: %s", strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return img_err(err, elen, "pipe: %s", strerror(errno));
	}
	/* The child must be waited for, whatever keur's caller did with SIGCHLD. */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, was;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &was);
	if ((pid = fork()) == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, 0);
		dup2(out ? po[1] : dn, 1);
		dup2(pe[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "%s cannot be run: %s (is squashfs-tools installed?)\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		int e = errno;
		close(po[0]);
		close(pe[0]);
		sigaction(SIGCHLD, &was, NULL);
		return img_err(err, elen, "fork: %s", strerror(e));
	}
	/* Both pipes drained until the tool closes them or its time is up. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fds[2] = { po[0], pe[0] }, open_fds = 2, over = 0, late = 0;
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	while (open_fds) {
		char tmp[4096];
		int progress = 0;
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0)
				continue;
			ssize_t r = read(fds[i], tmp, sizeof(tmp));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				close(fds[i]);
				fds[i] = -1;
				open_fds--;
			} else if (r > 0) {
				progress = 1;
				if (i == 0 && out) {
					size_t k = (size_t)r;
					if (n + k > cap) {
						over = 1;
						k = cap - n;
					}
					memcpy(out + n, tmp, k);
					n += k;
				} else if (i == 1) {
					size_t k = (size_t)r < sizeof(ebuf) - 1 - en ? (size_t)r : sizeof(ebuf) - 1 - en;
					memcpy(ebuf + en, tmp, k);
					en += k;
				}
			}
		}
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > TOOL_MS || over) {
			late = !over;
			kill(pid, SIGKILL);
			break;
		}
		if (!progress)
			usleep(2000);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	int st = 0;
	pid_t w;
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	sigaction(SIGCHLD, &was, NULL);
	if (w < 0)
		return img_err(err, elen, "%s: keur lost track of it (%s)", argv[0], strerror(errno));
	ebuf[en] = '\0';
	ebuf[strcspn(ebuf, "\n")] = '\0';
	if (over)
		return img_err(err, elen, "%s wrote more than %zu bytes", argv[0], cap);
	if (late)
		return img_err(err, elen, "%s took more than %d s", argv[0], TOOL_MS / 1000);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return img_err(err, elen, "%s failed: %s", argv[0], en ? ebuf : "(no message)");
	if (olen)
		*olen = n;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A private folder for squashfs-tools to work in; removed with its contents by tmp_done. */
static char *tmp_new(char *err, size_t elen)
{
	const char *base = getenv("TMPDIR");
	char *t = malloc(4096);

	if (!t)
		return NULL;
	snprintf(t, 4096, "%s/keur-raucb-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t)) {
		img_err(err, elen, "cannot make a folder in %s: %s", base && *base ? base : "/tmp", strerror(errno));
		free(t);
		return NULL;
	}
	return t;
}

static void tmp_done(char *t)
{
	if (t)
		nftw(t, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
}

static int write_file(const char *path, const uint8_t *d, size_t n, char *err, size_t elen)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(d, 1, n, f) == n;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : img_err(err, elen, "cannot write %s: %s", path, strerror(errno));
}

/* Reads a regular file (never through a symbolic link: a bundle's squashfs may hold one that
 * points anywhere) of at most max bytes into b: 0, or -1 with why. */
static int read_regular(const char *path, const char *what, size_t max, struct img_buf *b, char *err, size_t elen)
{
	struct stat st;
	char chunk[65536];
	size_t n;
	FILE *f;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return img_err(err, elen, "%s is not a regular file in the squashfs", what);
	if ((size_t)st.st_size > max)
		return img_err(err, elen, "%s holds %lld bytes, more than keur takes (%zu)", what, (long long)st.st_size, max);
	if (!(f = fopen(path, "rb")))
		return img_err(err, elen, "%s cannot be read: %s", what, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len <= max)
		ib_add(b, chunk, n);
	fclose(f);
	return b->len <= max ? 0 : img_err(err, elen, "%s grew while keur read it", what);
}

/* ---- the manifest (an INI file) ---- */

/* The value of key in [section]: its offset and length in text, or -1. */
static int ini_find(const char *text, size_t len, const char *section, const char *key, size_t *vstart, size_t *vlen)
{
	size_t i = 0, sl = strlen(section), kl = strlen(key);
	int in = 0;

	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		const char *l = text + i;
		size_t ll = e - i;
		if (ll && l[ll - 1] == '\r')
			ll--;
		if (ll && l[0] == '[')
			in = ll == sl + 2 && !memcmp(l + 1, section, sl) && l[ll - 1] == ']';
		else if (in && ll > kl && !memcmp(l, key, kl) && l[kl] == '=') {
			*vstart = i + kl + 1;
			*vlen = ll - kl - 1;
			return 0;
		}
		i = e + 1;
	}
	return -1;
}

/* Copies the value into out (cut to fit), or "" when absent: 0 found, -1 not. */
static int ini_get(const char *text, size_t len, const char *section, const char *key, char *out, size_t olen)
{
	size_t s, n;

	out[0] = '\0';
	if (ini_find(text, len, section, key, &s, &n) < 0)
		return -1;
	snprintf(out, olen, "%.*s", (int)(n < olen ? n : olen - 1), text + s);
	return 0;
}

/* The text with key's value in [section] replaced (malloc'ed), or NULL when it is absent. */
static char *ini_set(const char *text, size_t len, const char *section, const char *key, const char *value,
		     size_t *olen)
{
	size_t s, n, vl = strlen(value);
	char *t;

	if (ini_find(text, len, section, key, &s, &n) < 0 || !(t = malloc(len - n + vl + 1)))
		return NULL;
	memcpy(t, text, s);
	memcpy(t + s, value, vl);
	memcpy(t + s + vl, text + s + n, len - s - n);
	*olen = len - n + vl;
	t[*olen] = '\0';
	return t;
}

/* The first [image.*] section naming a file, into sec and file: 0, or -1. */
static int first_image(const char *text, size_t len, char *sec, size_t slen, char *file, size_t flen)
{
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		if (e - i > 8 && !memcmp(text + i, "[image.", 7) && text[e - 1] == ']' && e - i - 2 < slen) {
			snprintf(sec, slen, "%.*s", (int)(e - i - 2), text + i + 1);
			if (ini_get(text, len, sec, "filename", file, flen) == 0 && file[0] && !strchr(file, '/'))
				return 0;
		}
		i = e + 1;
	}
	return -1;
}

/* ---- reading ---- */

static void bundle_free(struct bundle *b)
{
	CMS_ContentInfo_free(b->cms);
	free(b->manifest);
	memset(b, 0, sizeof(*b));
}

/* Reads the manifest of a plain bundle out of its squashfs, with unsquashfs. */
static int plain_manifest(const uint8_t *buf, struct bundle *b, char *err, size_t elen)
{
	char *dir = tmp_new(err, elen), path[4200];
	int r = -1;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/bundle.squashfs", dir);
	if (write_file(path, buf, b->payload, err, elen) == 0 && (b->manifest = malloc(MANIFEST_MAX + 1))) {
		const char *argv[] = { "unsquashfs", "-no-progress", "-cat", path, "manifest.raucm", NULL };
		r = run(argv, b->manifest, MANIFEST_MAX, &b->mlen, err, elen);
		if (r == 0)
			b->manifest[b->mlen] = '\0';
	}
	tmp_done(dir);
	return r;
}

static int bundle_read(const uint8_t *buf, size_t len, struct bundle *b, char *err, size_t elen)
{
	uint64_t n = 0;

	memset(b, 0, sizeof(*b));
	if (len < VBLOCK + 8)
		return img_err(err, elen, "%zu bytes: too short for a squashfs and a signature", len);
	for (int i = 0; i < 8; i++)
		n = n << 8 | buf[len - 8 + i];
	if (n == 0)
		return img_err(err, elen, "the signature size at the end is 0: the bundle is not signed");
	if (n > SIG_MAX || n > len - 8 - VBLOCK)
		return img_err(err, elen, "the signature size at the end (%llu) is not possible in a bundle of %zu bytes "
			       "(truncated?)", (unsigned long long)n, len);
	b->siglen = (size_t)n;
	b->payload = len - 8 - b->siglen;
	b->sig = buf + b->payload;
	const unsigned char *p = b->sig;
	b->cms = d2i_CMS_ContentInfo(NULL, &p, (long)b->siglen);
	if (!b->cms || OBJ_obj2nid(CMS_get0_type(b->cms)) != NID_pkcs7_signed || p != b->sig + b->siglen) {
		bundle_free(b);
		return img_err(err, elen, "the %zu bytes before the size are not a CMS signature", (size_t)n);
	}
	ASN1_OCTET_STRING **content = CMS_get0_content(b->cms);
	if (content && *content) {
		b->verity = 1;
		b->mlen = (size_t)ASN1_STRING_length(*content);
		if (b->mlen > MANIFEST_MAX || !(b->manifest = malloc(b->mlen + 1))) {
			bundle_free(b);
			return img_err(err, elen, "the manifest inside the signature is too large");
		}
		memcpy(b->manifest, ASN1_STRING_get0_data(*content), b->mlen);
		b->manifest[b->mlen] = '\0';
		char v[32];
		ini_get(b->manifest, b->mlen, "bundle", "verity-size", v, sizeof(v));
		char *e;
		unsigned long long vs = strtoull(v, &e, 10);
		if (!v[0] || *e || vs % VBLOCK || vs >= b->payload) {
			bundle_free(b);
			return img_err(err, elen, "the signed manifest gives no usable verity-size");
		}
		b->squashfs = b->payload - (size_t)vs;
	} else {
		b->squashfs = b->payload;
		if (plain_manifest(buf, b, err, elen) < 0) {
			bundle_free(b);
			return -1;
		}
	}
	if (memchr(b->manifest, '\0', b->mlen)) {
		bundle_free(b);
		return img_err(err, elen, "the manifest holds a NUL byte");
	}
	return 0;
}

static int raucb_detect(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "hsqs", 4);
}

static int raucb_info(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen)
{
	struct bundle b;
	char v[64], compat[100], sec[100], file[200];

	if (bundle_read(buf, len, &b, err, elen) < 0)
		return -1;
	if (ini_get(b.manifest, b.mlen, "update", "version", v, sizeof(v)) == 0)
		img_add_version(info, "manifest [update]", v, strlen(v));
	ini_get(b.manifest, b.mlen, "update", "compatible", compat, sizeof(compat));
	if (img_cms_signer(b.sig, b.siglen, info->signer, sizeof(info->signer)) < 0)
		snprintf(info->signer, sizeof(info->signer), "a CMS signature keur cannot read");
	int n = snprintf(info->contents, sizeof(info->contents), "a RAUC bundle (%s), compatible '%s'",
			 b.verity ? "verity" : "plain", compat);
	if (first_image(b.manifest, b.mlen, sec, sizeof(sec), file, sizeof(file)) == 0 && n > 0 &&
	    (size_t)n < sizeof(info->contents))
		snprintf(info->contents + n, sizeof(info->contents) - (size_t)n, "; %s: %s", sec, file);
	bundle_free(&b);
	return 0;
}

/* ---- dm-verity ---- */

/* The hash tree of data (a multiple of 4 KiB) with salt, top level first, into tree (malloc'ed),
 * and its root hash.  0 or -1. */
static int verity_tree(const uint8_t *data, size_t dlen, const uint8_t *salt, size_t slen, uint8_t **tree,
		       size_t *tlen, uint8_t root[32])
{
	struct img_buf levels[16] = { { 0 } };
	const uint8_t *in = data;
	size_t inlen = dlen;
	int nl = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (!md || dlen % VBLOCK || dlen <= VBLOCK)
		goto fail;
	/* Each level hashes the blocks of the one below, 128 hashes to a block, until one block. */
	do {
		struct img_buf *lv = &levels[nl];
		for (size_t off = 0; off < inlen; off += VBLOCK) {
			uint8_t h[32];
			unsigned int hl = 32;
			if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(md, salt, slen) != 1 ||
			    EVP_DigestUpdate(md, in + off, VBLOCK) != 1 || EVP_DigestFinal_ex(md, h, &hl) != 1)
				goto fail;
			ib_add(lv, h, 32);
		}
		ib_pad(lv, VBLOCK);
		in = lv->d;
		inlen = lv->len;
		nl++;
	} while (inlen > VBLOCK && nl < 16);
	if (inlen > VBLOCK)
		goto fail;
	unsigned int hl = 32;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(md, salt, slen) != 1 ||
	    EVP_DigestUpdate(md, in, VBLOCK) != 1 || EVP_DigestFinal_ex(md, root, &hl) != 1)
		goto fail;
	struct img_buf t = { 0 };
	for (int i = nl - 1; i >= 0; i--)
		ib_add(&t, levels[i].d, levels[i].len);
	*tree = t.d;
	*tlen = t.len;
	for (int i = 0; i < nl; i++)
		free(levels[i].d);
	EVP_MD_CTX_free(md);
	return 0;
fail:
	for (int i = 0; i < 16; i++)
		free(levels[i].d);
	EVP_MD_CTX_free(md);
	return -1;
}

static int unhex(const char *h, uint8_t *out, size_t max, size_t *n)
{
	size_t l = strlen(h);
	if (l % 2 || l / 2 > max)
		return -1;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = l / 2;
	return 0;
}

/* ---- forging ---- */

static void put_sig(struct img_buf *o, const uint8_t *sig, size_t n)
{
	uint8_t sz[8];
	ib_add(o, sig, n);
	for (int i = 0; i < 8; i++)
		sz[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	ib_add(o, sz, 8);
}

/* The squashfs options that rebuild it as it was made: its compressor and block size. */
static void squashfs_opts(const uint8_t *sq, char *comp, size_t clen, char *bs, size_t blen)
{
	static const char *const names[] = { "", "gzip", "lzma", "lzo", "xz", "lz4", "zstd" };
	unsigned c = (unsigned)sq[20] | (unsigned)sq[21] << 8;
	uint32_t b = (uint32_t)sq[12] | (uint32_t)sq[13] << 8 | (uint32_t)sq[14] << 16 | (uint32_t)sq[15] << 24;

	snprintf(comp, clen, "%s", c >= 1 && c <= 6 ? names[c] : "gzip");
	snprintf(bs, blen, "%u", b >= 4096 && b <= (1u << 20) ? b : 131072u);
}

/* Checks, before anything is extracted, that the regular files of the squashfs in path add up
 * to no more than IMAGE_MAX (a few compressed bytes can stand for gigabytes of repeated data):
 * 0, or -1 with why. */
static int squashfs_size(const char *path, char *err, size_t elen)
{
	const size_t cap = 4u << 20;
	char *list = malloc(cap + 1);
	size_t n = 0;
	unsigned long long total = 0;

	if (!list)
		return img_err(err, elen, "out of memory");
	const char *argv[] = { "unsquashfs", "-no-progress", "-lls", path, NULL };
	if (run(argv, list, cap, &n, err, elen) < 0) {
		free(list);
		return -1;
	}
	list[n] = '\0';
	/* "-rw-r--r-- root/root  1000000 2026-12-07 06:59 squashfs-root/rootfs.ext4" */
	for (char *l = list; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char perm[16], owner[64];
		unsigned long long sz;
		if (*l == '-' && sscanf(l, "%15s %63s %llu", perm, owner, &sz) == 3)
			total += sz;
	}
	free(list);
	if (total > IMAGE_MAX)
		return img_err(err, elen, "the squashfs unpacks to %llu bytes, more than keur takes (%zu)", total, IMAGE_MAX);
	return 0;
}

/* Rebuilds the squashfs with one byte of its first image flipped and the manifest's sha256 (and
 * size) of it recomputed: the new squashfs in *sq, the manifest inside in *man; how says what
 * was done.  0 or -1. */
static int rebuild(const uint8_t *buf, const struct bundle *b, struct img_buf *sq, char **man, size_t *mlen,
		   char *how, size_t hlen, char *err, size_t elen)
{
	char *dir = tmp_new(err, elen), img[4200], root[4200], file[200], sec[100], path[4400], hex[65];
	char comp[16], bs[16];
	uint8_t *data = NULL;
	size_t dlen;
	int r = -1;

	*man = NULL;
	if (!dir)
		return -1;
	snprintf(img, sizeof(img), "%s/in.squashfs", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	if (write_file(img, buf, b->squashfs, err, elen) < 0)
		goto out;
	if (squashfs_size(img, err, elen) < 0)
		goto out;
	const char *xargv[] = { "unsquashfs", "-no-progress", "-no-xattrs", "-d", root, img, NULL };
	if (run(xargv, NULL, 0, NULL, err, elen) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/manifest.raucm", root);
	struct img_buf mb = { 0 }, fb = { 0 };
	if (read_regular(path, "manifest.raucm", MANIFEST_MAX, &mb, err, elen) < 0) {
		free(mb.d);
		goto out;
	}
	ib_add(&mb, "", 1);
	*man = (char *)mb.d;
	*mlen = mb.len - 1;
	if (first_image(*man, *mlen, sec, sizeof(sec), file, sizeof(file)) < 0) {
		r = img_cannot(err, elen, "the manifest names no image file");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", root, file);
	r = read_regular(path, file, IMAGE_MAX, &fb, err, elen);
	data = fb.d;
	dlen = fb.len;
	if (r < 0)
		goto out;
	r = -1;
	if (!dlen) {
		r = img_cannot(err, elen, "%s, the first image, is empty or missing", file);
		goto out;
	}
	size_t at = dlen / 2;
	uint8_t was = data[at];
	data[at] ^= 0x01;
	img_sha256_hex(data, dlen, hex);
	if (write_file(path, data, dlen, err, elen) < 0)
		goto out;
	char *m2 = ini_set(*man, *mlen, sec, "sha256", hex, mlen);
	if (!m2) {
		r = img_cannot(err, elen, "the manifest gives no sha256 for %s", file);
		goto out;
	}
	free(*man);
	*man = m2;
	snprintf(path, sizeof(path), "%s/manifest.raucm", root);
	if (write_file(path, (uint8_t *)*man, *mlen, err, elen) < 0)
		goto out;
	squashfs_opts(buf, comp, sizeof(comp), bs, sizeof(bs));
	snprintf(img, sizeof(img), "%s/out.squashfs", dir);
	const char *margv[] = { "mksquashfs", root, img, "-all-root", "-noappend", "-no-progress", "-no-xattrs", "-quiet",
			  "-comp", comp, "-b", bs, NULL };
	if (run(margv, NULL, 0, NULL, err, elen) < 0)
		goto out;
	if (read_regular(img, "the rebuilt squashfs", IMAGE_MAX, sq, err, elen) < 0)
		goto out;
	ib_pad(sq, VBLOCK);
	snprintf(how, hlen, "byte %zu of %s flipped (0x%02x to 0x%02x), its sha256 in the manifest recomputed (%.12s...), "
		 "the squashfs rebuilt (%s, %s-byte blocks)", at, file, was, data[at], hex, comp, bs);
	r = sq->len > VBLOCK ? 0 : img_err(err, elen, "mksquashfs made no image");
out:
	free(data);
	tmp_done(dir);
	if (r < 0) {
		free(*man);
		*man = NULL;
	}
	return r;
}

/* Tampered, verity: the rebuilt squashfs gets a new hash tree (same salt); the signed manifest
 * its new root hash and sizes, and the signature stays as it was. */
static int tamper_verity(const uint8_t *buf, struct bundle *b, struct img_buf *o, char *how, size_t hlen, char *err,
			 size_t elen)
{
	struct img_buf sq = { 0 };
	char *inner = NULL, saltx[200], hashx[80], sec[100], file[200], num[32], rootx[65];
	size_t ilen, slen, mlen = b->mlen;
	uint8_t salt[64], root[32], *tree = NULL;
	size_t tlen;
	char *m = NULL, *m2;
	int r = -1;

	ini_get(b->manifest, b->mlen, "bundle", "verity-salt", saltx, sizeof(saltx));
	ini_get(b->manifest, b->mlen, "bundle", "verity-hash", hashx, sizeof(hashx));
	if (unhex(saltx, salt, sizeof(salt), &slen) < 0)
		return img_err(err, elen, "the signed manifest gives no usable verity-salt");
	/* First: keur's tree of the genuine squashfs must be the bundle's own. */
	if (verity_tree(buf, b->squashfs, salt, slen, &tree, &tlen, root) < 0)
		return img_err(err, elen, "keur cannot compute the bundle's dm-verity tree");
	img_hex(root, 32, rootx);
	int same = tlen == b->payload - b->squashfs && !memcmp(tree, buf + b->squashfs, tlen) && !strcmp(rootx, hashx);
	free(tree);
	tree = NULL;
	if (!same)
		return img_err(err, elen, "keur's dm-verity tree of the genuine squashfs is not the bundle's: keur does not "
			       "forge what it cannot reproduce");
	if ((r = rebuild(buf, b, &sq, &inner, &ilen, how, hlen, err, elen)) < 0)
		goto out;
	r = -1;
	if (verity_tree(sq.d, sq.len, salt, slen, &tree, &tlen, root) < 0) {
		img_err(err, elen, "keur cannot compute the new dm-verity tree");
		goto out;
	}
	img_hex(root, 32, rootx);
	/* The signed manifest: the image's sha256 as in the squashfs, the new root hash and size. */
	first_image(inner, ilen, sec, sizeof(sec), file, sizeof(file));
	char sha[80] = "";
	ini_get(inner, ilen, sec, "sha256", sha, sizeof(sha));
	if (!(m = malloc(b->mlen + 1))) {
		img_err(err, elen, "out of memory");
		goto out;
	}
	memcpy(m, b->manifest, b->mlen + 1);
	snprintf(num, sizeof(num), "%zu", tlen);
	if (!(m2 = ini_set(m, mlen, sec, "sha256", sha, &mlen)))
		goto bad;
	free(m);
	m = m2;
	if (!(m2 = ini_set(m, mlen, "bundle", "verity-hash", rootx, &mlen)))
		goto bad;
	free(m);
	m = m2;
	if (!(m2 = ini_set(m, mlen, "bundle", "verity-size", num, &mlen)))
		goto bad;
	free(m);
	m = m2;
	ASN1_OCTET_STRING **content = CMS_get0_content(b->cms);
	unsigned char *der = NULL;
	int dn;
	if (!content || !*content || ASN1_OCTET_STRING_set(*content, (unsigned char *)m, (int)mlen) != 1 ||
	    (dn = i2d_CMS_ContentInfo(b->cms, &der)) <= 0) {
		img_err(err, elen, "keur could not put the new manifest into the signature");
		goto out;
	}
	ib_add(o, sq.d, sq.len);
	ib_add(o, tree, tlen);
	put_sig(o, der, (size_t)dn);
	OPENSSL_free(der);
	size_t hl = strlen(how);
	snprintf(how + hl, hlen - hl, ", its dm-verity tree and root hash recomputed into the signed manifest; the "
		 "signature kept");
	r = 0;
	goto out;
bad:
	img_err(err, elen, "the signed manifest lacks %s's sha256 or the verity keys", sec);
out:
	free(m);
	free(inner);
	free(tree);
	free(sq.d);
	return r;
}

static int raucb_forge(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
		       struct img_forged *out, char *err, size_t elen)
{
	struct bundle b;
	struct img_buf o = { 0 };
	int r = -1;

	(void)len;
	if (bundle_read(buf, len, &b, err, elen) < 0)
		return -1;
	if (kind == IMG_UNSIGNED) {
		/* RAUC has no unsigned bundle: without the signature and its size the end of the
		 * payload (zero padding) reads as a signature of size 0. */
		ib_add(&o, buf, b.payload);
		snprintf(out->how, sizeof(out->how), "the CMS signature (%zu bytes) and its size removed: the %s bundle's "
			 "payload alone", b.siglen, b.verity ? "verity" : "plain");
		r = 0;
	} else if (kind == IMG_FOREIGN) {
		uint8_t *sig = NULL;
		size_t sl;
		X509 *genuine = img_cms_signer_cert(b.sig, b.siglen);
		if (img_signer_pick(with, "EC", 1, genuine, &out->signer, err, elen) == 0 &&
		    img_cms_sign(b.verity ? (const uint8_t *)b.manifest : buf, b.verity ? b.mlen : b.payload, !b.verity,
				 &out->signer, &sig, &sl, err, elen) == 0) {
			ib_add(&o, buf, b.payload);
			put_sig(&o, sig, sl);
			snprintf(out->how, sizeof(out->how), "the CMS signature replaced by one keur made with its own key and "
				 "self-signed certificate (%s)", b.verity ? "the manifest inside, as in a verity bundle" :
				 "detached over the squashfs, as in a plain bundle");
			r = 0;
		}
		free(sig);
		X509_free(genuine);
	} else if (kind == IMG_TAMPERED) {
		if (b.verity) {
			r = tamper_verity(buf, &b, &o, out->how, sizeof(out->how), err, elen);
		} else {
			struct img_buf sq = { 0 };
			char *man = NULL;
			size_t ml;
			r = rebuild(buf, &b, &sq, &man, &ml, out->how, sizeof(out->how), err, elen);
			if (r == 0) {
				ib_add(&o, sq.d, sq.len);
				put_sig(&o, b.sig, b.siglen);
				size_t hl = strlen(out->how);
				snprintf(out->how + hl, sizeof(out->how) - hl, "; the detached signature kept");
			}
			free(sq.d);
			free(man);
		}
	}
	bundle_free(&b);
	if (r < 0) {
		free(o.d);
		return r;
	}
	out->data = o.d;
	out->len = o.len;
	return 0;
}

const struct img_format img_raucb = {
	.name = "raucb",
	.title = "RAUC bundle: a squashfs of the manifest and images, then a CMS signature (plain or verity)",
	.ext = ".raucb",
	.detect = raucb_detect,
	.info = raucb_info,
	.forge = raucb_forge,
};
