/* images.h — the update image formats keur knows, behind one const table: for each, how to
 * recognise an image, read the version(s) and the signer it carries, and make the forgeries the
 * UPDATE cases offer.  Used by suites/update.c, the DUT loader, keur-simdev and `keur image`, so
 * that what a lab inspects with `keur image forge` is what the device gets.
 *
 *   kfw1    keur's reference format (keur-simdev's agent): header, Ed25519 signature, payload
 *   swu     SWUpdate: a cpio archive (newc or crc) of sw-description, its CMS signature
 *           sw-description.sig and the images, each named in sw-description with its sha256
 *   mender  Mender artifact (format version 3): a tar of version, manifest, manifest.sig,
 *           header.tar.gz and data/NNNN.tar.gz; manifest.sig signs the manifest of sha256 sums
 *   raucb   RAUC bundle: a squashfs image of manifest.raucm and the images, then a CMS
 *           signature and its size (plain: detached over the squashfs; verity: the manifest
 *           inside, with the dm-verity root hash of the squashfs)
 *   opaque  bytes only: keur can change and cut them, nothing more
 *
 * Every reader takes the whole image in memory and checks every length before it uses it: a
 * hostile image gets an error string, never a crash. */
#ifndef KEUR_IMAGES_H
#define KEUR_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#define IMG_MAX_VERSIONS 8
#define IMG_CANNOT (-2)		/* the forgery does not exist in this format */

struct img_version {
	char what[64];		/* what carries it: "software", "artifact_name", "rootfs.img" ... */
	char value[64];
};

struct img_info {
	const char *format;	/* the format's name */
	int nversions;		/* versions[0] is the image's own version */
	struct img_version versions[IMG_MAX_VERSIONS];
	char signer[400];	/* who signed it, as far as the image says; "" when unsigned */
	char contents[400];	/* what it holds, one line */
};

enum img_forgery { IMG_TAMPERED, IMG_TRUNCATED, IMG_UNSIGNED, IMG_FOREIGN, IMG_NFORGERIES };

/* A signing key (PEM) and, for the formats that carry one, its certificate (PEM). */
struct img_signer {
	char *key_pem;
	char *cert_pem;
};

/* A forged image, malloc'ed; how: one line on what was done.  signer: for IMG_FOREIGN, the key
 * (and certificate) keur signed with. */
struct img_forged {
	uint8_t *data;
	size_t len;
	char how[400];
	struct img_signer signer;
};

struct img_format {
	const char *name;
	const char *title;	/* one line: what the format is */
	const char *ext;	/* what a file of it is called: ".swu" */
	/* 1 when buf looks like one of these (its magic), 0 otherwise. */
	int (*detect)(const uint8_t *buf, size_t len);
	/* 0 and *info, or -1 with why in err. */
	int (*info)(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen);
	/* IMG_TAMPERED, IMG_UNSIGNED or IMG_FOREIGN (with: the signer to use, NULL: one keur makes):
	 * 0 and *out, -1 with why, or IMG_CANNOT with why. */
	int (*forge)(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
		     struct img_forged *out, char *err, size_t elen);
};

/* The formats, NULL-terminated, opaque last. */
extern const struct img_format *const img_formats[];

const struct img_format *img_format_find(const char *name);
/* The first format whose magic buf carries; opaque when none does. */
const struct img_format *img_format_detect(const uint8_t *buf, size_t len);
/* "kfw1, swu, mender, raucb and opaque", for messages. */
const char *img_format_names(void);

int img_info(const struct img_format *f, const uint8_t *buf, size_t len, struct img_info *info, char *err,
	     size_t elen);
/* Any forgery, IMG_TRUNCATED (the first three quarters) included; as forge above.  For an image
 * img_info has read: the forge parses what it changes, not everything info checks. */
int img_forge(const struct img_format *f, enum img_forgery kind, const uint8_t *buf, size_t len,
	      const struct img_signer *with, struct img_forged *out, char *err, size_t elen);
void img_forged_free(struct img_forged *f);
void img_signer_free(struct img_signer *s);
/* Reads a signer from PEM files (cert may be NULL): 0, or -1 with why. */
int img_signer_read(const char *key_file, const char *cert_file, struct img_signer *s, char *err, size_t elen);

/* The name an image goes by, in the evidence and in `keur image forge`'s folder: "fw-", what
 * ("genuine", "older", a forgery's name ...) and the format's extension. */
void img_file_name(const struct img_format *f, const char *what, char *out, size_t len);

/* "tampered", "truncated", "unsigned", "foreign-signed". */
const char *img_forgery_name(enum img_forgery kind);
/* What it is meant to break, and the case that offers it. */
const char *img_forgery_breaks(enum img_forgery kind);
const char *img_forgery_case(enum img_forgery kind);

/* Compares two versions "a.b.c" numerically: <0, 0, >0. */
int version_cmp(const char *a, const char *b);

#endif
