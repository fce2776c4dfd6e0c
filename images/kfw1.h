/* kfw1.h — keur's firmware image format (KFW1), used by keur-simdev's update agent and by keur's
 * update cases (which derive forged images from genuine ones).
 *
 *   0  magic "KFW1"
 *   4  version, 16 bytes, NUL-padded ("1.4.3")
 *  20  payload length, 32-bit big-endian
 *  24  signature algorithm: 0 none, 1 Ed25519
 *  25  signature length (0 or 64)
 *  26  two bytes, zero
 *  28  signature
 *  28+siglen  payload
 *
 * The signature covers bytes 0..23 (magic, version, length) followed by the payload, so the
 * version cannot be changed without breaking it. */
#ifndef KEUR_KFW1_H
#define KEUR_KFW1_H

#include <stddef.h>
#include <stdint.h>

#include "images.h"

#define IMAGE_HEADER 28
#define IMAGE_SIG_NONE 0
#define IMAGE_SIG_ED25519 1

struct image {
	char version[17];
	int sig_alg;
	const uint8_t *sig;
	size_t sig_len;
	const uint8_t *payload;
	size_t payload_len;
};

enum image_check {
	IMAGE_OK = 0,
	IMAGE_MALFORMED = -1,	/* not a KFW1 image, or truncated */
	IMAGE_UNSIGNED = -2,
	IMAGE_BAD_SIGNATURE = -3,
	IMAGE_NO_KEY = -4,	/* the public key could not be read */
};

/* Parses an image held in buf (which must outlive *img). 0 or IMAGE_MALFORMED. */
int image_parse(const uint8_t *buf, size_t len, struct image *img);
/* Checks the signature with a PEM public key file.  IMAGE_OK or a negative enum image_check. */
int image_verify(const uint8_t *buf, size_t len, const char *pubkey_pem);
/* Builds an image; signs it with a PEM private key file unless key is NULL.
 * 0 and *out (malloc'ed) / *out_len, or -1. */
int image_build(const char *version, const uint8_t *payload, size_t len, const char *privkey_pem,
		uint8_t **out, size_t *out_len);
const char *image_strerror(int code);

#endif
