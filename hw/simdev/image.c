/* image.c — KFW1 firmware images: parse, sign, verify (OpenSSL, Ed25519). */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

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

int image_build(const char *version, const uint8_t *payload, size_t len, const char *privkey_pem,
		uint8_t **out, size_t *out_len)
{
	size_t siglen = privkey_pem ? 64 : 0, total = IMAGE_HEADER + siglen + len, mlen;
	uint8_t *img, *msg = NULL;
	EVP_PKEY *key = NULL;
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
	img[24] = privkey_pem ? IMAGE_SIG_ED25519 : IMAGE_SIG_NONE;
	img[25] = (uint8_t)siglen;
	memcpy(img + IMAGE_HEADER + siglen, payload, len);
	if (privkey_pem) {
		FILE *f = fopen(privkey_pem, "r");
		if (!f)
			goto out;
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		size_t sl = 64;
		msg = signed_message(img, payload, len, &mlen);
		md = EVP_MD_CTX_new();
		if (!key || !msg || !md || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
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
	EVP_PKEY_free(key);
	free(msg);
	free(img);
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

int version_cmp(const char *a, const char *b)
{
	for (;;) {
		char *ea, *eb;
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea != '.' || *eb != '.')
			return (*ea == '.') - (*eb == '.');
		a = ea + 1;
		b = eb + 1;
	}
}
