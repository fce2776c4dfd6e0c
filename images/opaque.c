/* opaque.c — an image keur cannot read: bytes only.  keur can change and cut them; where the
 * signature is, and so how to strip or replace it, it does not know. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "img_int.h"

static int opaque_info(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen)
{
	(void)buf;
	(void)err;
	(void)elen;
	snprintf(info->contents, sizeof(info->contents), "%zu bytes keur does not read", len);
	return 0;
}

static int opaque_forge(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
			struct img_forged *out, char *err, size_t elen)
{
	(void)with;
	if (kind != IMG_TAMPERED)
		return img_cannot(err, elen, "the image format is opaque: keur does not know where its signature is, so it "
				  "cannot %s it", kind == IMG_UNSIGNED ? "strip" : "re-sign");
	if (len < 2)
		return img_cannot(err, elen, "an image of %zu bytes has nothing to change", len);
	/* Past the middle, where a payload is more likely than a header. */
	size_t at = len / 2 + len / 4;
	if (!(out->data = malloc(len)))
		return img_err(err, elen, "out of memory");
	memcpy(out->data, buf, len);
	out->data[at] ^= 0x01;
	out->len = len;
	snprintf(out->how, sizeof(out->how), "byte %zu flipped, 0x%02x to 0x%02x (keur cannot recompute hashes in an "
		 "opaque image)", at, buf[at], out->data[at]);
	return 0;
}

const struct img_format img_opaque = {
	.name = "opaque",
	.title = "bytes keur does not read: it can change and cut them, nothing more",
	.ext = ".bin",
	.detect = NULL,
	.info = opaque_info,
	.forge = opaque_forge,
};
