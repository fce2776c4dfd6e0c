/* kfw1.c — KFW1 firmware images, keur's reference format: parse, sign, verify (OpenSSL,
 * Ed25519), and the format's entry in the table of images.h. */
#include "kfw1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "img_int.h"

int image_parse(const uint8_t *buf, size_t len, struct image *img)
{
	size_t plen;

	if (len < IMAGE_HEADER || memcmp(buf, "KFW1", 4))
		return IMAGE_MALFORMED;
	memset(img, 0, sizeof(*img));
	memcpy(img->version, buf + 4, 16);
	img->version[16] = '\0';
	plen = (size_t)buf[20] << 24 | (size_t)buf[21] << 16 | (size_t)buf[22] << 8 | buf[23];
	img->sig_alg = buf[24];
	img->sig_len = buf[25];
	if ((img->sig_alg == IMAGE_SIG_NONE) != (img->sig_len == 0) || img->sig_alg > IMAGE_SIG_ED25519 ||
	    (img->sig_alg == IMAGE_SIG_ED25519 && img->sig_len != 64))
		return IMAGE_MALFORMED;
	if (IMAGE_HEADER + img->sig_len + plen != len)
		return IMAGE_MALFORMED;	/* truncated, or something appended */
	if (!img->version[0])
		return IMAGE_MALFORMED;
	img->sig = buf + IMAGE_HEADER;
	img->payload = buf + IMAGE_HEADER + img->sig_len;
	img->payload_len = plen;
	return 0;
}

/* The signed message: header bytes 0..23 then the payload. */
static uint8_t *signed_message(const uint8_t *head, const uint8_t *payload, size_t plen, size_t *len)
{
	uint8_t *m = malloc(24 + plen + 1);

	if (!m)
		return NULL;
	memcpy(m, head, 24);
	memcpy(m + 24, payload, plen);
	*len = 24 + plen;
	return m;
}

int image_verify(const uint8_t *buf, size_t len, const char *pubkey_pem)
{
	struct image img;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t *msg = NULL;
	size_t mlen;
	FILE *f;
	int r;

	if ((r = image_parse(buf, len, &img)) < 0)
		return r;
	if (img.sig_alg == IMAGE_SIG_NONE)
		return IMAGE_UNSIGNED;
	if (!(f = fopen(pubkey_pem, "r")))
		return IMAGE_NO_KEY;
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		return IMAGE_NO_KEY;
	r = IMAGE_BAD_SIGNATURE;
	msg = signed_message(buf, img.payload, img.payload_len, &mlen);
	md = EVP_MD_CTX_new();
	if (msg && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(md, img.sig, img.sig_len, msg, mlen) == 1)
		r = IMAGE_OK;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	free(msg);
	return r;
}

/* Builds an image signed with key (Ed25519), or unsigned when key is NULL: 0 or -1. */
static int build(const char *version, const uint8_t *payload, size_t len, EVP_PKEY *key, uint8_t **out,
		 size_t *out_len)
{
	size_t siglen = key ? 64 : 0, total = IMAGE_HEADER + siglen + len, mlen;
	uint8_t *img, *msg = NULL;
	EVP_MD_CTX *md = NULL;
	int r = -1;

	if (strlen(version) == 0 || strlen(version) > 16 || len > 0xffffffffu)
		return -1;
	img = calloc(1, total);
	if (!img)
		return -1;
	memcpy(img, "KFW1", 4);
	memcpy(img + 4, version, strlen(version));
	img[20] = (uint8_t)(len >> 24);
	img[21] = (uint8_t)(len >> 16);
	img[22] = (uint8_t)(len >> 8);
	img[23] = (uint8_t)len;
	img[24] = key ? IMAGE_SIG_ED25519 : IMAGE_SIG_NONE;
	img[25] = (uint8_t)siglen;
	memcpy(img + IMAGE_HEADER + siglen, payload, len);
	if (key) {
		size_t sl = 64;
		msg = signed_message(img, payload, len, &mlen);
		md = EVP_MD_CTX_new();
		if (!msg || !md || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
		    EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestSign(md, img + IMAGE_HEADER, &sl, msg, mlen) != 1 || sl != 64)
			goto out;
	}
	*out = img;
	*out_len = total;
	img = NULL;
	r = 0;
out:
	EVP_MD_CTX_free(md);
	free(msg);
	free(img);
	return r;
}

int image_build(const char *version, const uint8_t *payload, size_t len, const char *privkey_pem,
		uint8_t **out, size_t *out_len)
{
	EVP_PKEY *key = NULL;

	if (privkey_pem) {
		FILE *f = fopen(privkey_pem, "r");
		if (!f)
			return -1;
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (!key)
			return -1;
	}
	int r = build(version, payload, len, key, out, out_len);
	EVP_PKEY_free(key);
	return r;
}

const char *image_strerror(int code)
{
	switch (code) {
	case IMAGE_OK: return "signature verified";
	case IMAGE_MALFORMED: return "not a well-formed KFW1 image (truncated or altered)";
	case IMAGE_UNSIGNED: return "the image carries no signature";
	case IMAGE_BAD_SIGNATURE: return "the signature does not verify";
	case IMAGE_NO_KEY: return "the update public key cannot be read";
	default: return "unknown image error";
	}
}

/* ---- the format ---- */

static int kfw1_detect(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "KFW1", 4);
}

static int kfw1_info(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen)
{
	struct image img;

	if (image_parse(buf, len, &img) < 0)
		return img_err(err, elen, "%s", image_strerror(IMAGE_MALFORMED));
	img_add_version(info, "header", img.version, strlen(img.version));
	snprintf(info->signer, sizeof(info->signer), "%s", img.sig_alg == IMAGE_SIG_ED25519 ? "an Ed25519 signature" : "");
	snprintf(info->contents, sizeof(info->contents), "a payload of %zu bytes", img.payload_len);
	return 0;
}

static int kfw1_forge(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
		      struct img_forged *out, char *err, size_t elen)
{
	struct image img;
	EVP_PKEY *key = NULL;

	if (image_parse(buf, len, &img) < 0)
		return img_err(err, elen, "%s", image_strerror(IMAGE_MALFORMED));
	if (kind == IMG_TAMPERED) {
		size_t at = (size_t)(img.payload - buf) + img.payload_len / 2;
		if (!img.payload_len)
			return img_cannot(err, elen, "the image has no payload to change");
		if (!(out->data = malloc(len)))
			return img_err(err, elen, "out of memory");
		memcpy(out->data, buf, len);
		out->data[at] ^= 0x01;
		out->len = len;
		snprintf(out->how, sizeof(out->how), "payload byte %zu (image offset %zu) flipped, 0x%02x to 0x%02x; the "
			 "signature kept", img.payload_len / 2, at, buf[at], out->data[at]);
		return 0;
	}
	if (kind == IMG_FOREIGN) {
		if (img_signer_pick(with, "ED25519", 0, NULL, &out->signer, err, elen) < 0)
			return -1;
		key = img_signer_pkey(&out->signer);
		if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
			EVP_PKEY_free(key);
			return img_err(err, elen, "a kfw1 image is signed with Ed25519: the key given is not one");
		}
	}
	int r = build(img.version, img.payload, img.payload_len, key, &out->data, &out->len);
	EVP_PKEY_free(key);
	if (r < 0)
		return img_err(err, elen, "keur could not rebuild the image");
	snprintf(out->how, sizeof(out->how), kind == IMG_UNSIGNED ? "rebuilt with the same version and payload and no "
		 "signature (signature algorithm 0)" : "rebuilt with the same version and payload, signed with an "
		 "Ed25519 key keur made");
	return 0;
}

const struct img_format img_kfw1 = {
	.name = "kfw1",
	.title = "keur's reference image (keur-simdev): header, Ed25519 signature, payload",
	.ext = ".bin",
	.detect = kfw1_detect,
	.info = kfw1_info,
	.forge = kfw1_forge,
};
