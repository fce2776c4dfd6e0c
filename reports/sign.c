/* sign.c — the enveloped XMLDSig signature over report.xml (keur sign) and its check with the
 * evidence behind it (keur verify).
 *
 * One signature, as the last child of <report>: ECDSA with SHA-256 (XMLDSig 1.1 ecdsa-sha256)
 * for an EC key, RSA PKCS#1 v1.5 with SHA-256 (rsa-sha256) for an RSA key of at least 2048
 * bits, over a Reference URI="" (the report, with the enveloped-signature and exclusive C14N
 * transforms) and one detached Reference per run file the report names (the journal, every
 * evidence file: their bytes, by relative URI), and the signer's certificate in
 * KeyInfo/X509Data.  So `xmlsec1 --verify --trusted-pem CA report.xml`, run in the run's
 * directory, checks the report and every file behind it.  Most labs' signing certificates are
 * RSA, and xmlsec 1.2 (Debian 12) has no RSA-PSS: RSA keys sign with PKCS#1 v1.5, RSA-PSS keys
 * are refused.
 *
 * Verification takes the key from the one certificate in the signature itself, checks the
 * signature with exactly that key and only the transforms keur uses, then checks that
 * certificate's chain to the CA the verifier trusts, with OpenSSL.  Doing the two steps apart
 * says which one failed: a report changed after signing, or a certificate not from that CA.
 *
 * These run in `keur sign`, `keur verify` and at the end of `keur run`, after the last case:
 * the runner's parent must not initialise OpenSSL while it still forks cases. */
#include "reports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "sha256.h"
#include "util.h"
#include "xmlout.h"

extern const char keur_xsd_report[];

#define NS_REPORT "urn:keur:report:1"

static int xmlsec_up;
static char xmlsec_last[256];	/* xmlsec's last complaint, for the one line keur prints */

static void xmlsec_error(const char *file, int line, const char *func, const char *obj, const char *subj,
			 int reason, const char *msg)
{
	(void)file, (void)line, (void)obj, (void)subj, (void)reason;
	/* The first complaint is the cause; the ones after it are the callers giving up. */
	if (!xmlsec_last[0])
		snprintf(xmlsec_last, sizeof(xmlsec_last), "%s: %s", func ? func : "xmlsec", msg ? msg : "failed");
}

static int crypto_init(char *why, size_t len)
{
	if (xmlsec_up)
		return 0;
	if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
		snprintf(why, len, "cannot initialise xmlsec with OpenSSL");
		return -1;
	}
	/* xmlsec prints every error to stderr by default; keur says one line itself. */
	xmlSecErrorsSetCallback(xmlsec_error);
	xmlsec_up = 1;
	return 0;
}

void sign_shutdown(void)
{
	if (!xmlsec_up)
		return;
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlsec_up = 0;
}

/* The last OpenSSL (or else xmlsec) error as text, or what. */
static const char *ossl_why(const char *what)
{
	static char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (!e) {
		if (!xmlsec_last[0])
			return what;
		snprintf(buf, sizeof(buf), "%s", xmlsec_last);
		xmlsec_last[0] = '\0';
		return buf;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static char *name_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long l;

	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	l = BIO_get_mem_data(b, &data);
	s = xstrndup(data, (size_t)(l > 0 ? l : 0));
	BIO_free(b);
	return s;
}

/* ---- the signature methods: one per type of key ---- */

struct sig_alg {
	int key_type;				/* EVP_PKEY_EC or EVP_PKEY_RSA */
	const char *name;			/* as keur verify names it */
	const xmlChar *href;			/* SignatureMethod/@Algorithm */
	xmlSecTransformId (*transform)(void);	/* xmlsec's transform for it */
};

static const struct sig_alg sig_algs[] = {
	{ .key_type = EVP_PKEY_EC, .name = "ECDSA-SHA256", .href = xmlSecHrefEcdsaSha256,
	  .transform = xmlSecOpenSSLTransformEcdsaSha256GetKlass },
	{ .key_type = EVP_PKEY_RSA, .name = "RSA-SHA256", .href = xmlSecHrefRsaSha256,
	  .transform = xmlSecOpenSSLTransformRsaSha256GetKlass },
};
#define NSIG_ALGS (sizeof(sig_algs) / sizeof(sig_algs[0]))

/* Below this an RSA key is refused, for signing and in a signature checked. */
#define RSA_MIN_BITS 2048

static const struct sig_alg *sig_alg_by_key(int key_type)
{
	for (size_t i = 0; i < NSIG_ALGS; i++)
		if (sig_algs[i].key_type == key_type)
			return &sig_algs[i];
	return NULL;
}

static const struct sig_alg *sig_alg_by_href(const xmlChar *href)
{
	for (size_t i = 0; i < NSIG_ALGS; i++)
		if (xmlStrEqual(sig_algs[i].href, href))
			return &sig_algs[i];
	return NULL;
}

/* "an RSA key", for messages. */
static const char *key_type_text(int key_type)
{
	switch (key_type) {
	case EVP_PKEY_EC: return "an EC key";
	case EVP_PKEY_RSA: return "an RSA key";
	case EVP_PKEY_RSA_PSS: return "an RSA-PSS key";
	case EVP_PKEY_ED25519: return "an Ed25519 key";
	case EVP_PKEY_ED448: return "an Ed448 key";
	case EVP_PKEY_DSA: return "a DSA key";
	default: return "another type of key";
	}
}

/* The method keur signs with the private key from file, or NULL with the reason. */
static const struct sig_alg *key_sig_alg(EVP_PKEY *key, const char *file, char *why, size_t len)
{
	int id = EVP_PKEY_get_base_id(key), bits = EVP_PKEY_get_bits(key);
	const struct sig_alg *a = sig_alg_by_key(id);

	if (id == EVP_PKEY_RSA_PSS) {
		snprintf(why, len, "'%s' holds an RSA-PSS key; keur signs with RSA (PKCS#1 v1.5) or ECDSA: RSA-PSS is not "
			 "in this xmlsec (1.2)", file);
		return NULL;
	}
	if (!a) {
		snprintf(why, len, "'%s' holds %s; keur signs with ECDSA (P-256 recommended) or RSA of at least %d bits",
			 file, key_type_text(id), RSA_MIN_BITS);
		return NULL;
	}
	if (id == EVP_PKEY_RSA && bits < RSA_MIN_BITS) {
		snprintf(why, len, "'%s' holds a %d-bit RSA key; keur signs with RSA of at least %d bits (or ECDSA P-256)",
			 file, bits, RSA_MIN_BITS);
		return NULL;
	}
	return a;
}

/* ---- the key and certificate of the signer ---- */

struct signer {
	EVP_PKEY *key;
	X509 *cert;
	const struct sig_alg *alg;	/* the method for key */
};

static void signer_release(struct signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	memset(s, 0, sizeof(*s));
}

static int signer_load(const char *keyfile, const char *certfile, struct signer *s, char *why, size_t len)
{
	FILE *f;
	int r = -1;

	memset(s, 0, sizeof(*s));
	if (!(f = fopen(keyfile, "r"))) {
		snprintf(why, len, "cannot read the key '%s': %s", keyfile, strerror(errno));
		goto out;
	}
	/* No passphrase callback: an encrypted key is refused rather than prompted for. */
	s->key = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	fclose(f);
	if (!s->key) {
		snprintf(why, len, "'%s' is not an unencrypted PEM private key (%s)", keyfile, ossl_why("no key"));
		goto out;
	}
	if (!(s->alg = key_sig_alg(s->key, keyfile, why, len)))
		goto out;
	if (!(f = fopen(certfile, "r"))) {
		snprintf(why, len, "cannot read the certificate '%s': %s", certfile, strerror(errno));
		goto out;
	}
	s->cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!s->cert) {
		snprintf(why, len, "'%s' is not a PEM certificate (%s)", certfile, ossl_why("no certificate"));
		goto out;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		snprintf(why, len, "the key '%s' does not belong to the certificate '%s'", keyfile, certfile);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(s->cert)) <= 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(s->cert)) >= 0) {
		snprintf(why, len, "the certificate '%s' is not valid now (see its notBefore and notAfter)", certfile);
		goto out;
	}
	r = 0;
out:
	if (r < 0)
		signer_release(s);
	return r;
}

int sign_check_keys(const char *keyfile, const char *certfile, char *why, size_t len)
{
	int fds[2], st;
	pid_t pid;
	ssize_t n;

	/* In a child: the caller is the runner's parent, which keeps OpenSSL uninitialised. */
	if (pipe(fds) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		struct signer s;
		char w[512] = "";
		close(fds[0]);
		int r = signer_load(keyfile, certfile, &s, w, sizeof(w));
		signer_release(&s);
		if (r < 0 && write_all(fds[1], w, strlen(w)) < 0)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(fds[1]);
	n = read(fds[0], why, len - 1);
	why[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!why[0])
		snprintf(why, len, "the signing key could not be checked");
	return -1;
}

/* ---- report.xml and the files behind it ---- */

static xmlDocPtr report_read(const char *path, char *why, size_t len)
{
	char *text = NULL;
	size_t n;
	int r;
	xmlDocPtr doc;

	if ((r = file_read(path, &text, &n)) < 0) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(-r));
		return NULL;
	}
	if (xml_valid(text, n, keur_xsd_report, why, len) < 0) {
		char w[400];
		snprintf(w, sizeof(w), "%s", why);
		snprintf(why, len, "%s is not a keur report (report.xsd): %s", path, w);
		free(text);
		return NULL;
	}
	/* Whitespace kept as it is: the signature covers the document byte for byte after C14N. */
	doc = xmlReadMemory(text, (int)n, path, NULL, XML_PARSE_NONET);
	free(text);
	if (!doc)
		snprintf(why, len, "%s does not parse", path);
	return doc;
}

static int count_signatures(xmlNodePtr n)
{
	int c = 0;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlSecCheckNodeName(n, xmlSecNodeSignature, xmlSecDSigNs))
			c++;
		c += count_signatures(n->children);
	}
	return c;
}

static xmlNodePtr report_signature(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	return xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs);
}

/* A file named in the report, relative to its directory and inside it, and a plain path: no
 * ':' (xmlsec would take "http:..." or "file:..." for a URL to fetch), no '%' or '\\' (escapes)
 * and no control character (a name is printed in one-line messages). */
static int safe_relative(const char *f)
{
	if (!f[0] || f[0] == '/')
		return 0;
	for (const char *p = f; *p; p++)
		if (*p == ':' || *p == '%' || *p == '\\' || (unsigned char)*p < ' ' || *p == 0x7f)
			return 0;
	for (const char *p = f; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return 0;
	return 1;
}

static void say(FILE *out, int good, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(FILE *out, int good, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	fputs(good ? "ok:   " : "FAIL: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* The elements that name a file of the run (the journal, every case's evidence file, the MQTT
 * versions probe's, the ICS as given and the documents each review examined, of every
 * profile), in document order; caller frees with xmlXPathFreeObject. */
static xmlXPathObjectPtr report_files(xmlDocPtr doc)
{
	xmlXPathContextPtr xc = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;

	xmlXPathRegisterNs(xc, BAD_CAST "r", BAD_CAST NS_REPORT);
	o = xmlXPathEvalExpression(BAD_CAST "/r:report/r:journal | /r:report/r:cases/r:case/r:evidence | "
				   "/r:report/r:dut/r:mqtt-versions/r:evidence | /r:report/r:ics/r:evidence | "
				   "/r:report/r:requirements/r:requirement/r:review/r:document | "
				   "/r:report/r:assessment/r:requirements/r:requirement/r:review/r:document", xc);
	xmlXPathFreeContext(xc);
	return o;
}

static int nfiles_of(xmlXPathObjectPtr o)
{
	return o && o->nodesetval ? o->nodesetval->nodeNr : 0;
}

/* The Reference URI of a run file named in the report (its path, %-escaped); caller frees. */
static xmlChar *file_uri(xmlNodePtr e)
{
	xmlChar *file = xmlGetProp(e, BAD_CAST "file");
	xmlChar *u = file ? xmlURIEscapeStr(file, BAD_CAST "/._-") : NULL;

	xmlFree(file);
	return u;
}

/* Runs with the working directory at dir, as xmlsec resolves a Reference's relative URI
 * against the working directory (as xmlsec1 does: it checks a report in its own directory). */
struct in_dir {
	int saved;
};

static int in_dir_enter(struct in_dir *d, const char *dir, char *why, size_t len)
{
	d->saved = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->saved < 0 || chdir(dir) < 0) {
		snprintf(why, len, "cannot enter %s: %s", dir, strerror(errno));
		if (d->saved >= 0)
			close(d->saved);
		d->saved = -1;
		return -1;
	}
	return 0;
}

static void in_dir_leave(struct in_dir *d)
{
	if (d->saved < 0)
		return;
	if (fchdir(d->saved) < 0)
		fprintf(stderr, "keur: cannot return to the working directory: %s\n", strerror(errno));
	close(d->saved);
	d->saved = -1;
}

/* Checks the journal and every evidence file the report names against their SHA-256 and size.
 * Prints a line per problem (and a summary line) to out; returns the number of problems. */
static int files_check(xmlDocPtr doc, const char *dir, FILE *out, int *nfiles, char *why, size_t len)
{
	xmlXPathObjectPtr o = report_files(doc);
	int bad = 0, n = 0;

	for (int i = 0; i < nfiles_of(o); i++) {
		xmlNodePtr e = o->nodesetval->nodeTab[i];
		xmlChar *file = xmlGetProp(e, BAD_CAST "file"), *want = xmlGetProp(e, BAD_CAST "sha256");
		xmlChar *size = xmlGetProp(e, BAD_CAST "size");
		char got[65];
		int64_t gsize;
		n++;
		if (!safe_relative((const char *)file)) {
			say(out, 0, "%s: the report names a file outside its directory", (const char *)file);
			if (!bad++)
				snprintf(why, len, "%s: the report names a file outside its directory", (const char *)file);
		} else {
			char *p = path_join(dir, (const char *)file);
			int r = sha256_file(p, got, &gsize);
			if (r < 0) {
				say(out, 0, "%s: %s", (const char *)file, r == -ENOENT ? "missing" : strerror(-r));
				if (!bad++)
					snprintf(why, len, "%s: %s", (const char *)file, r == -ENOENT ? "missing" : strerror(-r));
			} else if (strcmp(got, (const char *)want) || gsize != atoll((const char *)size)) {
				say(out, 0, "%s: changed since the report was written (SHA-256 %.16s… now, %.16s… in the report)",
				    (const char *)file, got, (const char *)want);
				if (!bad++)
					snprintf(why, len, "%s: changed since the report was written", (const char *)file);
			}
			free(p);
		}
		xmlFree(file);
		xmlFree(want);
		xmlFree(size);
	}
	xmlXPathFreeObject(o);
	*nfiles = n;
	return bad;
}

/* ---- sign ---- */

int sign_report(const char *dir, const char *keyfile, const char *certfile, char *subject, size_t slen,
		char *why, size_t len)
{
	char *path = path_join(dir, "report.xml");
	xmlDocPtr doc = NULL;
	xmlSecDSigCtxPtr ctx = NULL;
	xmlNodePtr sig, ref, ki, x509;
	xmlXPathObjectPtr files = NULL;
	struct signer s = { 0 };
	struct in_dir cd = { -1 };
	xmlChar *text = NULL;
	int n = 0, nfiles, r = -1;

	if (crypto_init(why, len) < 0)
		goto out;
	xmlsec_last[0] = '\0';
	if (!(doc = report_read(path, why, len)))
		goto out;
	if (files_check(doc, dir, NULL, &nfiles, why, len) > 0) {
		snprintf(why, len, "the journal or evidence in %s no longer match report.xml (see keur verify %s); "
			 "keur signs only a report that holds", dir, dir);
		goto out;
	}
	/* Signing again replaces the earlier signature, e.g. when a lab renews its key. */
	while ((sig = report_signature(doc))) {
		xmlNodePtr after = sig->next;
		if (after && xmlIsBlankNode(after)) {	/* the line break keur put after it */
			xmlUnlinkNode(after);
			xmlFreeNode(after);
		}
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
	}
	if (count_signatures(xmlDocGetRootElement(doc))) {
		snprintf(why, len, "%s holds a signature elsewhere than at its end", path);
		goto out;
	}
	if (signer_load(keyfile, certfile, &s, why, len) < 0)
		goto out;
	{
		char *subj = name_text(X509_get_subject_name(s.cert));
		snprintf(subject, slen, "%s", subj);
		free(subj);
	}

	sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId, s.alg->transform(), NULL);
	if (!sig)
		goto fail;
	xmlAddChild(xmlDocGetRootElement(doc), sig);
	xmlAddNextSibling(sig, xmlNewText(BAD_CAST "\n"));
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
	if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
	    !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
		goto fail;
	/* A detached reference per run file (journal, evidence): the files' bytes are signed
	 * themselves, so xmlsec1 in the run directory catches a changed file as keur verify does. */
	files = report_files(doc);
	for (int i = 0; i < nfiles_of(files); i++) {
		xmlChar *u = file_uri(files->nodesetval->nodeTab[i]);
		xmlNodePtr fr = u ? xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, u, NULL) : NULL;
		xmlFree(u);
		if (!fr)
			goto fail;
	}
	if (!(ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)) || !(x509 = xmlSecTmplKeyInfoAddX509Data(ki)) ||
	    !xmlSecTmplX509DataAddCertificate(x509))
		goto fail;

	if (!(ctx = xmlSecDSigCtxCreate(NULL)))
		goto fail;
	/* xmlsec takes the key; the certificate is loaded again from its file for KeyInfo. */
	ctx->signKey = xmlSecKeyCreate();
	if (!ctx->signKey)
		goto fail;
	{
		xmlSecKeyDataPtr kd = xmlSecOpenSSLEvpKeyAdopt(s.key);
		if (!kd || xmlSecKeySetValue(ctx->signKey, kd) < 0) {
			if (kd)
				xmlSecKeyDataDestroy(kd);
			else
				EVP_PKEY_free(s.key);
			s.key = NULL;
			goto fail;
		}
		s.key = NULL;
	}
	if (xmlSecCryptoAppKeyCertLoad(ctx->signKey, certfile, xmlSecKeyDataFormatPem) < 0)
		goto fail;
	/* xmlsec counts a relative path as a "remote" URI; the paths are the report's own, each
	 * checked to stay inside the run directory (files_check above). */
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeRemote;
	if (in_dir_enter(&cd, dir, why, len) < 0)
		goto out;
	n = xmlSecDSigCtxSign(ctx, sig);
	in_dir_leave(&cd);
	if (n < 0)
		goto fail;
	n = 0;

	xmlDocDumpMemoryEnc(doc, &text, &n, "UTF-8");
	if (!text) {
		snprintf(why, len, "cannot serialise the signed report");
		goto out;
	}
	if (xml_valid((const char *)text, (size_t)n, keur_xsd_report, why, len) < 0)
		goto out;
	if ((r = file_write_atomic(path, (const char *)text, (size_t)n)) < 0) {
		snprintf(why, len, "cannot write %s: %s", path, strerror(-r));
		r = -1;
		goto out;
	}
	r = 0;
	goto out;
fail:
	snprintf(why, len, "xmlsec could not sign %s (%s)", path, ossl_why("see the key and certificate"));
out:
	in_dir_leave(&cd);
	xmlXPathFreeObject(files);
	if (text)
		xmlFree(text);
	if (ctx)
		xmlSecDSigCtxDestroy(ctx);
	signer_release(&s);
	if (doc)
		xmlFreeDoc(doc);
	free(path);
	return r;
}

/* ---- verify ---- */

/* The one X509Certificate of the signature, decoded; NULL when there is not exactly one. */
static X509 *signature_cert(xmlNodePtr sig, char *why, size_t len)
{
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr xd = ki ? xmlSecFindChild(ki, xmlSecNodeX509Data, xmlSecDSigNs) : NULL;
	xmlNodePtr c = NULL;
	int nc = 0;
	X509 *x = NULL;

	for (xmlNodePtr n = xd ? xd->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlSecCheckNodeName(n, xmlSecNodeX509Certificate, xmlSecDSigNs)) {
			c = n;
			nc++;
		}
	if (nc != 1) {
		snprintf(why, len, "the signature carries %d certificates in KeyInfo/X509Data, not one", nc);
		return NULL;
	}
	xmlChar *b64 = xmlNodeGetContent(c);
	/* base64 with line breaks, as xmlsec writes it; whitespace of any kind is dropped first. */
	size_t l = 0, cap = strlen((const char *)b64);
	char *clean = xmalloc(cap + 1);
	for (const char *p = (const char *)b64; *p; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			clean[l++] = *p;
	clean[l] = '\0';
	xmlFree(b64);
	unsigned char *der = xmalloc(l + 1);
	int dl = EVP_DecodeBlock(der, (const unsigned char *)clean, (int)l);
	if (dl > 0) {
		/* EVP_DecodeBlock counts the padding as bytes of output. */
		while (l && clean[l - 1] == '=') {
			dl--;
			l--;
		}
		const unsigned char *p = der;
		x = d2i_X509(NULL, &p, dl);
	}
	free(clean);
	free(der);
	if (!x)
		snprintf(why, len, "the signature's certificate does not decode (%s)", ossl_why("bad base64 or DER"));
	return x;
}

/* The signature's references must be exactly keur's: first URI="" (the report), then one per
 * run file the report names, in its order, and nothing else.  Checked before xmlsec reads any
 * file, so that a forged signature cannot make the verifier read outside the run directory. */
static int references_check(xmlDocPtr doc, xmlNodePtr sig, const char *dir, char *why, size_t len)
{
	xmlNodePtr si = xmlSecFindChild(sig, xmlSecNodeSignedInfo, xmlSecDSigNs);
	xmlXPathObjectPtr files = report_files(doc);
	int k = -1, r = -1;

	for (xmlNodePtr n = si ? si->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !xmlSecCheckNodeName(n, xmlSecNodeReference, xmlSecDSigNs))
			continue;
		xmlChar *uri = xmlGetProp(n, BAD_CAST "URI");
		xmlChar *want = k < 0 ? xmlStrdup(BAD_CAST "") : k < nfiles_of(files) ? file_uri(files->nodesetval->nodeTab[k]) : NULL;
		int same = uri && want && xmlStrEqual(uri, want);
		if (!same)
			snprintf(why, len, "the signature's reference %d is '%s' where keur signs %s%s%s", k + 2,
				 uri ? (const char *)uri : "(none)", want ? "'" : "no more references",
				 want ? (const char *)want : "", want ? "'" : "");
		xmlFree(uri);
		xmlFree(want);
		if (!same)
			goto out;
		k++;
	}
	if (k != nfiles_of(files)) {
		snprintf(why, len, "the signature covers %d of the report's %d run files (journal and evidence)", k < 0 ? 0 : k,
			 nfiles_of(files));
		goto out;
	}
	for (int i = 0; i < nfiles_of(files); i++) {
		xmlChar *f = xmlGetProp(files->nodesetval->nodeTab[i], BAD_CAST "file");
		char *p = safe_relative((const char *)f) ? path_join(dir, (const char *)f) : NULL;
		int there = p && access(p, R_OK) == 0;
		if (!there)
			snprintf(why, len, "the signature cannot be checked: %s, which it covers, is %s", (const char *)f,
				 p ? "missing" : "outside the run directory");
		free(p);
		xmlFree(f);
		if (!there)
			goto out;
	}
	r = 0;
out:
	xmlXPathFreeObject(files);
	return r;
}

/* The method the signature names in SignedInfo/SignatureMethod, if keur signs with it and the
 * certificate's key pk is of its type (RSA of at least RSA_MIN_BITS); NULL with the reason. */
static const struct sig_alg *signature_alg(xmlNodePtr sig, EVP_PKEY *pk, char *why, size_t len)
{
	xmlNodePtr si = xmlSecFindChild(sig, xmlSecNodeSignedInfo, xmlSecDSigNs);
	xmlNodePtr sm = si ? xmlSecFindChild(si, xmlSecNodeSignatureMethod, xmlSecDSigNs) : NULL;
	xmlChar *href = sm ? xmlGetProp(sm, xmlSecAttrAlgorithm) : NULL;
	const struct sig_alg *a = href ? sig_alg_by_href(href) : NULL;
	int id = EVP_PKEY_get_base_id(pk), bits = EVP_PKEY_get_bits(pk);

	if (!a) {
		snprintf(why, len, "the signature's method '%s' is not one keur signs with (%s or %s)",
			 href ? (const char *)href : "(none)", (const char *)sig_algs[0].href, (const char *)sig_algs[1].href);
	} else if (a->key_type != id) {
		snprintf(why, len, "the signature names %s, but the certificate in it holds %s", a->name, key_type_text(id));
		a = NULL;
	} else if (id == EVP_PKEY_RSA && bits < RSA_MIN_BITS) {
		snprintf(why, len, "the certificate in the signature holds a %d-bit RSA key; keur accepts RSA of at least "
			 "%d bits", bits, RSA_MIN_BITS);
		a = NULL;
	}
	xmlFree(href);
	return a;
}

/* Checks the signature against the key of cert, allowing only what keur's signatures hold:
 * its references (see references_check), the method for the key's type (see signature_alg),
 * SHA-256 digests, the enveloped and exclusive C14N transforms, no manifests.  The run files
 * are read from dir.  0 with the method in *used, or -1 with the reason. */
static int signature_check(xmlDocPtr doc, xmlNodePtr sig, X509 *cert, const char *dir, const struct sig_alg **used,
			   char *why, size_t len)
{
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	EVP_PKEY *pk = X509_get_pubkey(cert);
	xmlSecKeyDataPtr kd = NULL;
	const struct sig_alg *alg;
	struct in_dir cd = { -1 };
	int r = -1, v;

	xmlsec_last[0] = '\0';
	if (references_check(doc, sig, dir, why, len) < 0)
		goto out;
	if (!ctx || !pk) {
		snprintf(why, len, "cannot take the public key of the signature's certificate");
		goto out;
	}
	if (!(alg = signature_alg(sig, pk, why, len)))
		goto out;
	if (!(ctx->signKey = xmlSecKeyCreate()) || !(kd = xmlSecOpenSSLEvpKeyAdopt(pk)) ||
	    xmlSecKeySetValue(ctx->signKey, kd) < 0) {
		snprintf(why, len, "cannot take the public key of the signature's certificate");
		if (kd)
			xmlSecKeyDataDestroy(kd);
		else
			EVP_PKEY_free(pk);
		pk = NULL;
		goto out;
	}
	pk = NULL;
	/* Relative paths are "remote" to xmlsec; references_check has let through only the
	 * report's own run files, each inside the run directory. */
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeRemote;
	ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
	if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, alg->transform()) < 0) {
		snprintf(why, len, "cannot set up xmlsec");
		goto out;
	}
	if (in_dir_enter(&cd, dir, why, len) < 0)
		goto out;
	v = xmlSecDSigCtxVerify(ctx, sig);
	in_dir_leave(&cd);
	if (v < 0) {
		snprintf(why, len, "the signature cannot be checked: a file it covers is missing, or it uses a method or "
			 "transform that keur does not sign with (%s)", ossl_why("xmlsec refused it"));
		goto out;
	}
	if (ctx->status != xmlSecDSigStatusSucceeded) {
		/* Which digest failed says what changed; with all digests good, the signature itself
		 * was not made by the key of the certificate it carries. */
		struct strbuf changed;
		sb_init(&changed);
		for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); i++) {
			xmlSecDSigReferenceCtxPtr rc = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
			if (rc && rc->status != xmlSecDSigStatusSucceeded)
				sb_addf(&changed, "%s%s", changed.len ? ", " : "",
					rc->uri && rc->uri[0] ? (const char *)rc->uri : "report.xml");
		}
		if (changed.len)
			snprintf(why, len, "the signature does not match: changed after it was signed: %s", changed.buf);
		else
			snprintf(why, len, "the signature does not match: it was not made with the key of the certificate in "
				 "the signature (a certificate swapped in), or its SignedInfo was changed");
		sb_release(&changed);
		goto out;
	}
	*used = alg;
	r = 0;
out:
	in_dir_leave(&cd);
	EVP_PKEY_free(pk);
	if (ctx)
		xmlSecDSigCtxDestroy(ctx);
	ERR_clear_error();
	return r;
}

/* Does cert chain to a certificate in the PEM file ca (now)? */
static int chain_check(X509 *cert, const char *ca, char *why, size_t len)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	int r = -1;

	if (!st || !sc || X509_STORE_load_file(st, ca) != 1) {
		snprintf(why, len, "cannot read the CA file '%s' (%s)", ca, ossl_why("not PEM certificates"));
		goto out;
	}
	if (X509_STORE_CTX_init(sc, st, cert, NULL) != 1)
		goto out;
	if (X509_verify_cert(sc) == 1) {
		r = 0;
	} else {
		char *subj = name_text(X509_get_subject_name(cert)), *iss = name_text(X509_get_issuer_name(cert));
		snprintf(why, len, "the certificate '%s' (issued by '%s') does not chain to the CA in '%s': %s", subj,
			 iss, ca, X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
		free(subj);
		free(iss);
	}
out:
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
	ERR_clear_error();
	return r;
}

int sign_verify(const char *target, const char *ca, FILE *out)
{
	char *dir, *path, why[768];
	struct stat stt;
	xmlDocPtr doc = NULL;
	X509 *cert = NULL;
	int bad = 0, nfiles = 0, rc = 2;

	if (stat(target, &stt) == 0 && S_ISDIR(stt.st_mode)) {
		dir = xstrdup(target);
		path = path_join(dir, "report.xml");
	} else {
		dir = path_dir(target);
		path = xstrdup(target);
	}
	if (crypto_init(why, sizeof(why)) < 0 || !(doc = report_read(path, why, sizeof(why)))) {
		fprintf(stderr, "keur: %s\n", why);
		goto out;
	}
	rc = 1;
	say(out, 1, "%s is well-formed and valid against report.xsd", path);

	xmlNodePtr sig = report_signature(doc);
	int nsig = count_signatures(xmlDocGetRootElement(doc));
	if (!sig) {
		say(out, 0, "%s is not signed%s", path, nsig ? " (a signature is there, but not at the report's top level)" : "");
		bad++;
	} else if (nsig != 1) {
		say(out, 0, "%s holds %d signatures; keur's reports hold one", path, nsig);
		bad++;
	} else if (!(cert = signature_cert(sig, why, sizeof(why)))) {
		say(out, 0, "%s", why);
		bad++;
	} else {
		char *subj = name_text(X509_get_subject_name(cert));
		const struct sig_alg *alg;
		if (signature_check(doc, sig, cert, dir, &alg, why, sizeof(why)) < 0) {
			say(out, 0, "%s", why);
			bad++;
		} else {
			say(out, 1, "signature (%s; the whole report with exclusive C14N, the journal and every "
				    "evidence file) matches, made with the key of '%s'", alg->name, subj);
		}
		if (!ca) {
			say(out, 1, "certificate chain not checked: no --ca given, so anyone could have made '%s'", subj);
		} else if (chain_check(cert, ca, why, sizeof(why)) < 0) {
			say(out, 0, "%s", why);
			bad++;
		} else {
			say(out, 1, "certificate '%s' chains to the CA in '%s'", subj, ca);
		}
		free(subj);
	}
	int fbad = files_check(doc, dir, out, &nfiles, why, sizeof(why));
	if (!fbad)
		say(out, 1, "journal and %d evidence file(s) match their SHA-256 in the report", nfiles - 1);
	bad += fbad;
	if (out) {
		if (bad)
			fprintf(out, "verify: %d check(s) failed: %s cannot be trusted as it is\n", bad, path);
		else
			fprintf(out, "verify: %s is intact and signed%s\n", path, ca ? "" : " (chain not checked)");
	}
	rc = bad ? 1 : 0;
out:
	X509_free(cert);
	if (doc)
		xmlFreeDoc(doc);
	free(path);
	free(dir);
	return rc;
}

/* ---- for the registry: the same checks without printing, and trust anchors held in memory ---- */

static void cert_fingerprint(X509 *x, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	hex[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) == 1)
		for (unsigned int i = 0; i < n && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int sign_check(const char *dir, struct sign_facts *f, char *why, size_t len)
{
	char *path = path_join(dir, "report.xml");
	xmlDocPtr doc = NULL;
	X509 *cert = NULL;
	const struct sig_alg *alg;
	int nfiles, r = -1;

	memset(f, 0, sizeof(*f));
	if (crypto_init(why, len) < 0 || !(doc = report_read(path, why, len)))
		goto out;
	xmlNodePtr sig = report_signature(doc);
	int nsig = count_signatures(xmlDocGetRootElement(doc));
	if (!sig) {
		snprintf(why, len, "the report is not signed%s", nsig ? " (a signature is there, but not at the report's top level)" : "");
		goto out;
	}
	if (nsig != 1) {
		snprintf(why, len, "the report holds %d signatures; keur's reports hold one", nsig);
		goto out;
	}
	if (!(cert = signature_cert(sig, why, len)) || signature_check(doc, sig, cert, dir, &alg, why, len) < 0)
		goto out;
	if (files_check(doc, dir, NULL, &nfiles, why, len) > 0)
		goto out;
	char *s = name_text(X509_get_subject_name(cert)), *i = name_text(X509_get_issuer_name(cert));
	snprintf(f->signer, sizeof(f->signer), "%s", s);
	snprintf(f->issuer, sizeof(f->issuer), "%s", i);
	free(s);
	free(i);
	cert_fingerprint(cert, f->cert_sha256);
	f->cert = cert;
	cert = NULL;
	r = 0;
out:
	X509_free(cert);
	if (doc)
		xmlFreeDoc(doc);
	free(path);
	return r;
}

void sign_facts_release(struct sign_facts *f)
{
	X509_free(f->cert);
	f->cert = NULL;
}

/* The certificates of PEM text into a new store; NULL with the reason. */
static X509_STORE *store_of_pem(const char *pem, int *count, char *why, size_t len)
{
	X509_STORE *st = X509_STORE_new();
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;

	while (st && b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		X509_STORE_add_cert(st, x);
		X509_free(x);
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	if (!n) {
		snprintf(why, len, "no PEM certificate in it");
		X509_STORE_free(st);
		return NULL;
	}
	*count = n;
	return st;
}

int sign_chain_pem(const struct sign_facts *f, const char *ca_pem, char *why, size_t len)
{
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	int n, r = -1;
	X509_STORE *st = store_of_pem(ca_pem, &n, why, len);

	/* The lab's CA may be an intermediate: it is the anchor, whoever issued it. */
	if (st)
		X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	if (st && sc && X509_STORE_CTX_init(sc, st, f->cert, NULL) == 1) {
		if (X509_verify_cert(sc) == 1)
			r = 0;
		else
			snprintf(why, len, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
	}
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
	ERR_clear_error();
	return r;
}

int sign_ca_read(const char *path, char **pem, char *subject, size_t slen, char fp[65], char *why, size_t len)
{
	char *text = NULL;
	size_t n;
	int r = file_read(path, &text, &n), count = 0;
	X509_STORE *st = NULL;
	X509 *x = NULL;
	BIO *b = NULL;

	*pem = NULL;
	if (r < 0) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(-r));
		return -1;
	}
	if (strlen(text) != n || !(st = store_of_pem(text, &count, why, len)) || !(b = BIO_new_mem_buf(text, -1)) ||
	    !(x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		snprintf(why, len, "%s holds no PEM certificate", path);
		goto fail;
	}
	if (X509_check_ca(x) < 1) {
		snprintf(why, len, "%s is not a CA certificate (basicConstraints CA:TRUE or keyCertSign missing)", path);
		goto fail;
	}
	char *s = name_text(X509_get_subject_name(x));
	snprintf(subject, slen, "%s", s);
	free(s);
	cert_fingerprint(x, fp);
	/* The first certificate alone, as PEM: further ones (another lab's CA) and anything else
	 * in the file (a private key) are not kept. */
	BIO *o = BIO_new(BIO_s_mem());
	char *data;
	long l = o && PEM_write_bio_X509(o, x) == 1 ? BIO_get_mem_data(o, &data) : 0;
	if (l > 0)
		*pem = xstrndup(data, (size_t)l);
	BIO_free(o);
	X509_free(x);
	X509_STORE_free(st);
	BIO_free(b);
	free(text);
	if (!*pem) {
		snprintf(why, len, "%s: cannot encode its certificate", path);
		return -1;
	}
	return 0;
fail:
	X509_free(x);
	X509_STORE_free(st);
	BIO_free(b);
	free(text);
	ERR_clear_error();
	return -1;
}

int sign_report_files(const char *dir, char ***files, size_t *n, char *why, size_t len)
{
	char *path = path_join(dir, "report.xml");
	xmlDocPtr doc = report_read(path, why, len);
	xmlXPathObjectPtr o = doc ? report_files(doc) : NULL;
	int r = doc ? 0 : -1;

	*files = NULL;
	*n = 0;
	for (int i = 0; i < nfiles_of(o); i++) {
		xmlChar *f = xmlGetProp(o->nodesetval->nodeTab[i], BAD_CAST "file");
		int again = 0;
		for (size_t k = 0; f && k < *n && !again; k++)
			again = !strcmp((*files)[k], (const char *)f);
		if (!f || !safe_relative((const char *)f)) {
			snprintf(why, len, "the report names a file outside its directory, or not a plain path");
			r = -1;
		} else if (!again) {
			*files = xrealloc(*files, (*n + 1) * sizeof(**files));
			(*files)[(*n)++] = xstrdup((const char *)f);
		}
		xmlFree(f);
	}
	xmlXPathFreeObject(o);
	if (doc)
		xmlFreeDoc(doc);
	free(path);
	return r;
}
