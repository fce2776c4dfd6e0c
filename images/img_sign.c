/* img_sign.c — keys, certificates and CMS signatures for the forgeries (OpenSSL). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "img_int.h"

void img_sha256(const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned int len = 32;
	EVP_Digest(d, n, out, &len, EVP_sha256(), NULL);
}

void img_hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void img_sha256_hex(const uint8_t *d, size_t n, char hex[65])
{
	uint8_t md[32];
	img_sha256(d, n, md);
	img_hex(md, 32, hex);
}

int img_sign_sha256(EVP_PKEY *k, const uint8_t *data, size_t len, uint8_t **sig, size_t *slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = 0;
	int r = -1;

	*sig = NULL;
	if (k && md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(md, NULL, &n, data, len) == 1 && (*sig = malloc(n)) &&
	    EVP_DigestSign(md, *sig, &n, data, len) == 1) {
		*slen = n;
		r = 0;
	} else {
		free(*sig);
		*sig = NULL;
	}
	EVP_MD_CTX_free(md);
	return r;
}

static char *bio_text(BIO *b)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = malloc((size_t)n + 1);
	if (s) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	return s;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	int ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/* Copies extension nid from t to x, if t has it: 1, or 0 on failure. */
static int copy_ext(X509 *x, const X509 *t, int nid)
{
	int i = X509_get_ext_by_NID(t, nid, -1);
	return i < 0 || X509_add_ext(x, X509_get_ext(t, i), -1) == 1;
}

/* A self-signed certificate for k, valid from an hour ago for two years.  With a template (the
 * genuine signer's certificate) it takes its subject, key usage and extended key usage, so that
 * a device can refuse it only because nothing it trusts issued it; without one it is keur's
 * own, for digital signatures, with no extended key usage. */
static X509 *self_signed(EVP_PKEY *k, const X509 *tmpl)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int ok = x && n;
	uint8_t serial[8];

	ok = ok && X509_set_version(x, 2) == 1;
	if (ok) {
		FILE *r = fopen("/dev/urandom", "rb");
		ok = r && fread(serial, 1, sizeof(serial), r) == sizeof(serial);
		if (r)
			fclose(r);
		serial[0] &= 0x7f;
		BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
		ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
		BN_free(bn);
	}
	if (tmpl) {
		X509_NAME_free(n);
		n = X509_NAME_dup(X509_get_subject_name(tmpl));
		ok = ok && n;
	} else {
		ok = ok &&
		     X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"keur test lab", -1, -1, 0) &&
		     X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"keur foreign signer", -1, -1, 0);
	}
	ok = ok && X509_set_subject_name(x, n) && X509_set_issuer_name(x, n) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) && X509_gmtime_adj(X509_getm_notAfter(x), 2L * 366 * 86400) &&
	     X509_set_pubkey(x, k) == 1 && add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	     add_ext(x, NID_subject_key_identifier, "hash");
	if (tmpl)
		ok = ok && copy_ext(x, tmpl, NID_key_usage) && copy_ext(x, tmpl, NID_ext_key_usage);
	else
		ok = ok && add_ext(x, NID_key_usage, "critical,digitalSignature");
	const EVP_MD *md = EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
	ok = ok && X509_sign(x, k, md) > 0;
	X509_NAME_free(n);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int img_signer_make(const char *keytype, int cert, const X509 *tmpl, struct img_signer *s, char *err, size_t elen)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	int r = -1;

	memset(s, 0, sizeof(*s));
	if (!strncmp(keytype, "RSA:", 4))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(keytype + 4));
	else if (!strcmp(keytype, "EC"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, keytype);
	if (!k || !kb || !cb || PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL) != 1) {
		img_err(err, elen, "keur could not make a %s key", keytype);
		goto out;
	}
	if (cert && (!(x = self_signed(k, tmpl)) || PEM_write_bio_X509(cb, x) != 1)) {
		img_err(err, elen, "keur could not make a certificate for its %s key", keytype);
		goto out;
	}
	s->key_pem = bio_text(kb);
	s->cert_pem = cert ? bio_text(cb) : NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(kb);
	BIO_free(cb);
	return r;
}

EVP_PKEY *img_signer_pkey(const struct img_signer *s)
{
	if (!s->key_pem)
		return NULL;
	BIO *b = BIO_new_mem_buf(s->key_pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return k;
}

X509 *img_signer_x509(const struct img_signer *s)
{
	if (!s->cert_pem)
		return NULL;
	BIO *b = BIO_new_mem_buf(s->cert_pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return x;
}

int img_signer_pick(const struct img_signer *with, const char *keytype, int cert, const X509 *tmpl,
		    struct img_signer *out, char *err, size_t elen)
{
	memset(out, 0, sizeof(*out));
	if (!with)
		return img_signer_make(keytype, cert, tmpl, out, err, elen);
	if (cert && !with->cert_pem)
		return img_err(err, elen, "this format's signature carries a certificate: give one with the key");
	out->key_pem = strdup(with->key_pem);
	out->cert_pem = with->cert_pem ? strdup(with->cert_pem) : NULL;
	return 0;
}

static char *file_text(const char *path, char *err, size_t elen)
{
	FILE *f = fopen(path, "r");
	BIO *b = BIO_new(BIO_s_mem());
	char buf[4096], *s = NULL;
	size_t n;

	if (!f || !b) {
		img_err(err, elen, "%s cannot be read", path);
	} else {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			BIO_write(b, buf, (int)n);
		s = bio_text(b);
	}
	if (f)
		fclose(f);
	BIO_free(b);
	return s;
}

int img_signer_read(const char *key_file, const char *cert_file, struct img_signer *s, char *err, size_t elen)
{
	EVP_PKEY *k;
	X509 *x;

	memset(s, 0, sizeof(*s));
	if (!(s->key_pem = file_text(key_file, err, elen)))
		return -1;
	if (!(k = img_signer_pkey(s))) {
		img_signer_free(s);
		return img_err(err, elen, "%s holds no PEM private key", key_file);
	}
	if (cert_file) {
		if (!(s->cert_pem = file_text(cert_file, err, elen))) {
			EVP_PKEY_free(k);
			img_signer_free(s);
			return -1;
		}
		x = img_signer_x509(s);
		int match = x && X509_check_private_key(x, k) == 1;
		X509_free(x);
		if (!match) {
			EVP_PKEY_free(k);
			img_signer_free(s);
			return img_err(err, elen, "%s is not a PEM certificate for the key in %s", cert_file, key_file);
		}
	}
	EVP_PKEY_free(k);
	return 0;
}

int img_cms_sign(const uint8_t *data, size_t len, int detached, const struct img_signer *s, uint8_t **der,
		 size_t *dlen, char *err, size_t elen)
{
	if (len > INT_MAX)
		return img_err(err, elen, "keur signs at most 2 GiB in one CMS signature; this is %zu bytes", len);
	EVP_PKEY *k = img_signer_pkey(s);
	X509 *x = img_signer_x509(s);
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms = NULL;
	unsigned char *p = NULL;
	int n = -1;

	if (k && x && in)
		cms = CMS_sign(x, k, NULL, in, CMS_BINARY | CMS_NOSMIMECAP | (detached ? CMS_DETACHED : 0));
	if (cms)
		n = i2d_CMS_ContentInfo(cms, &p);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(in);
	if (n <= 0 || !(*der = malloc((size_t)n))) {
		OPENSSL_free(p);
		return img_err(err, elen, "keur could not make a CMS signature with its key");
	}
	memcpy(*der, p, (size_t)n);
	OPENSSL_free(p);
	*dlen = (size_t)n;
	return 0;
}

/* The certificate of a CMS SignedData's first signer (a copy), when it carries it; *signed_data
 * says whether der is a SignedData with a signer at all. */
static X509 *signer_cert(const uint8_t *der, size_t len, int *signed_data)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(X509) *certs = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	X509 *found = NULL;

	*signed_data = cms && OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed &&
		       (sis = CMS_get0_SignerInfos(cms)) && sk_CMS_SignerInfo_num(sis) > 0;
	if (*signed_data && (certs = CMS_get1_certs(cms))) {
		for (int i = 0; i < sk_X509_num(certs) && !found; i++)
			if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), sk_X509_value(certs, i)) == 0)
				found = X509_dup(sk_X509_value(certs, i));
	}
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	return found;
}

X509 *img_cms_signer_cert(const uint8_t *der, size_t len)
{
	int sd;
	return signer_cert(der, len, &sd);
}

/* "CN=Vendor Signer, O=Vendor": the name as a person reads it. */
static void name_text(const X509_NAME *n, char *out, size_t olen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *t;

	out[0] = '\0';
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) >= 0 &&
	    (t = bio_text(b))) {
		snprintf(out, olen, "%s", t);
		free(t);
	}
	BIO_free(b);
}

int img_cms_signer(const uint8_t *der, size_t len, char *out, size_t olen)
{
	char subj[200], iss[200];
	int sd;
	X509 *x = signer_cert(der, len, &sd);

	if (!sd)
		return -1;
	if (x) {
		name_text(X509_get_subject_name(x), subj, sizeof(subj));
		name_text(X509_get_issuer_name(x), iss, sizeof(iss));
		snprintf(out, olen, "%s (issued by %s)", subj, iss);
		X509_free(x);
	} else {
		snprintf(out, olen, "a CMS signature whose signer certificate is not inside");
	}
	return 0;
}
