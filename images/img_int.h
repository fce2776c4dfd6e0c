/* img_int.h — what the format files of images/ share: errors, hashes, keys and certificates
 * keur makes on the spot, CMS signatures.  Not for use outside images/. */
#ifndef KEUR_IMG_INT_H
#define KEUR_IMG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "images.h"

/* Writes why into err and returns -1 (or IMG_CANNOT with img_cannot). */
int img_err(char *err, size_t elen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int img_cannot(char *err, size_t elen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void img_add_version(struct img_info *info, const char *what, const char *value, size_t vlen);

void img_sha256(const uint8_t *d, size_t n, uint8_t out[32]);
void img_sha256_hex(const uint8_t *d, size_t n, char hex[65]);
/* n bytes as 2n lowercase hex digits and a NUL. */
void img_hex(const uint8_t *d, size_t n, char *out);
/* in copied into out (cut to fit), each control character a '?': text from an image made fit
 * for one line. */
void img_clean(char *out, size_t n, const char *in);

/* A fresh key ("ED25519", "EC" for P-256, "RSA:BITS") in PEM, with a self-signed certificate
 * when cert is set: like tmpl (the genuine signer's: its subject, key usage and extended key
 * usage) when given, else keur's own.  0, or -1 with why. */
int img_signer_make(const char *keytype, int cert, const X509 *tmpl, struct img_signer *s, char *err, size_t elen);
/* The signer's key and certificate, parsed (free with EVP_PKEY_free / X509_free); NULL when
 * absent or unreadable. */
EVP_PKEY *img_signer_pkey(const struct img_signer *s);
X509 *img_signer_x509(const struct img_signer *s);
/* The signer to use: *with when given, else one made of keytype (img_signer_make).  0, or -1
 * with why. */
int img_signer_pick(const struct img_signer *with, const char *keytype, int cert, const X509 *tmpl,
		    struct img_signer *out, char *err, size_t elen);

/* A signature of data with SHA-256 by key k, as OpenSSL gives it (RSA PKCS#1 v1.5, DER ECDSA,
 * ...): 0 and *sig (malloc'ed), or -1. */
int img_sign_sha256(EVP_PKEY *k, const uint8_t *data, size_t len, uint8_t **sig, size_t *slen);

/* A CMS SignedData (DER) over data, detached or with data inside, signed by s (which needs a
 * certificate): 0 and *der (malloc'ed), or -1 with why. */
int img_cms_sign(const uint8_t *data, size_t len, int detached, const struct img_signer *s, uint8_t **der,
		 size_t *dlen, char *err, size_t elen);
/* The certificate of a CMS SignedData's (first) signer, when it carries it; NULL otherwise. */
X509 *img_cms_signer_cert(const uint8_t *der, size_t len);
/* Who signed a CMS SignedData (DER), "CN=... (issued by CN=...)", into out: 0, or -1 when it
 * is not one. */
int img_cms_signer(const uint8_t *der, size_t len, char *out, size_t olen);

/* A growing buffer of bytes. */
struct img_buf {
	uint8_t *d;
	size_t len, cap;
};
void ib_add(struct img_buf *b, const void *p, size_t n);
void ib_pad(struct img_buf *b, size_t align);

#endif
