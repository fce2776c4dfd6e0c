/* certgen.c — server certificates made on the spot (see certgen.h). */
#include "certgen.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static void why(char *detail, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	char r[160] = "";

	if (e)
		ERR_error_string_n(e, r, sizeof(r));
	snprintf(detail, len, "%s%s%s", what, r[0] ? ": " : "", r);
	ERR_clear_error();
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)))
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int load_ca(const struct certgen_spec *s, X509 **ca, EVP_PKEY **key, char *detail, size_t len)
{
	FILE *f;

	if (!(f = fopen(s->ca_cert, "r"))) {
		snprintf(detail, len, "cannot open the lab CA certificate %s", s->ca_cert);
		return 0;
	}
	*ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!(f = fopen(s->ca_key, "r"))) {
		snprintf(detail, len, "cannot open the lab CA key %s", s->ca_key);
		return 0;
	}
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*ca || !*key) {
		why(detail, len, "the lab CA certificate or key is not PEM");
		return 0;
	}
	if (X509_check_private_key(*ca, *key) != 1) {
		snprintf(detail, len, "the lab CA key does not belong to its certificate");
		return 0;
	}
	return 1;
}

/* The Modbus/TCP Security role: a UTF8String in an extension of its own OID. */
static int add_role(X509 *cert, const char *role)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.50316.802.1", 1);
	ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	int n, ok = 0;

	if (oid && u && os && ASN1_STRING_set(u, role, -1) && (n = i2d_ASN1_UTF8STRING(u, &der)) > 0 &&
	    ASN1_OCTET_STRING_set(os, der, n) && (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)))
		ok = X509_add_ext(cert, ext, -1);
	OPENSSL_free(der);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_UTF8STRING_free(u);
	ASN1_OBJECT_free(oid);
	return ok;
}

enum kind { SERVER, CLIENT, CA };

/* A certificate for a fresh P-256 key, issued by ca/ca_key (self-signed without them). */
static X509 *make_cert(const struct certgen_spec *s, enum kind kind, const char *role, X509 *ca, EVP_PKEY *ca_key,
		       EVP_PKEY **key_out, char *detail, size_t len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	unsigned char serial[16], addr[16];
	BIGNUM *bn = NULL;
	char san[300];
	X509_NAME *name;
	int ok = 0;

	if (!key || !cert) {
		why(detail, len, "cannot make a key");
		goto out;
	}
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	X509_set_version(cert, 2);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
	X509_gmtime_adj(X509_getm_notBefore(cert), s->not_before_s);
	X509_gmtime_adj(X509_getm_notAfter(cert), s->not_after_s);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)(kind == SERVER ? "keur test broker" : kind == CA ? "keur throwaway CA" : "keur test client"),
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->name, -1, -1, 0);
	X509_set_issuer_name(cert, ca ? X509_get_subject_name(ca) : name);
	int numeric = inet_pton(AF_INET, s->name, addr) == 1 || inet_pton(AF_INET6, s->name, addr) == 1;
	snprintf(san, sizeof(san), "%s:%s", numeric ? "IP" : "DNS", s->name);
	X509 *iss = ca ? ca : cert;
	if (kind == CA)
		ok = add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		ok = (kind == CLIENT || add_ext(cert, iss, NID_subject_alt_name, san)) &&
		     add_ext(cert, iss, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_ext(cert, iss, NID_ext_key_usage, kind == SERVER ? "serverAuth" : "clientAuth") &&
		     (!role || add_role(cert, role));
	if (!ok) {
		why(detail, len, "cannot add the certificate's extensions");
		goto out;
	}
	if (!X509_sign(cert, ca_key ? ca_key : key, EVP_sha256())) {
		why(detail, len, "cannot sign the certificate");
		ok = 0;
	}
out:
	BN_free(bn);
	if (!ok) {
		X509_free(cert);
		EVP_PKEY_free(key);
		return NULL;
	}
	*key_out = key;
	return cert;
}

void *certgen_server_ctx(const struct certgen_spec *s, char *detail, size_t len)
{
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *cert = NULL, *ca = NULL;
	SSL_CTX *ctx = NULL;

	if (s->ca_cert && !load_ca(s, &ca, &ca_key, detail, len))
		goto out;
	if (!(cert = make_cert(s, SERVER, NULL, ca, ca_key, &key, detail, len)))
		goto out;
	if (!(ctx = SSL_CTX_new(TLS_server_method())) || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    (ca && SSL_CTX_add1_chain_cert(ctx, ca) != 1)) {
		why(detail, len, "cannot set up the TLS server");
		SSL_CTX_free(ctx);
		ctx = NULL;
		goto out;
	}
	snprintf(detail, len, "%s certificate for %s, valid %+ld d .. %+ld d", ca ? "CA-issued" : "self-signed", s->name,
		 s->not_before_s / 86400, s->not_after_s / 86400);
out:
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return ctx;
}

int certgen_client(const struct certgen_spec *s, const char *role, void **cert_out, void **key_out, char *detail,
		   size_t len)
{
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *cert = NULL, *ca = NULL;

	if (s->ca_cert) {
		if (!load_ca(s, &ca, &ca_key, detail, len))
			goto out;
	} else {
		struct certgen_spec cs = { .name = "keur throwaway CA", .not_before_s = -3600, .not_after_s = 86400 };
		if (!(ca = make_cert(&cs, CA, NULL, NULL, NULL, &ca_key, detail, len)))
			goto out;
	}
	if ((cert = make_cert(s, CLIENT, role, ca, ca_key, &key, detail, len)))
		snprintf(detail, len, "client certificate \"%s\" from %s, %s%s%s", s->name,
			 s->ca_cert ? "the lab CA" : "a throwaway CA of keur's own", role ? "role \"" : "no role extension",
			 role ? role : "", role ? "\"" : "");
out:
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	*cert_out = cert;
	*key_out = key;
	return cert ? 0 : -1;
}

void certgen_free_identity(void *cert, void *key)
{
	X509_free(cert);
	EVP_PKEY_free(key);
}

void certgen_free(void *ssl_ctx)
{
	SSL_CTX_free(ssl_ctx);
}
