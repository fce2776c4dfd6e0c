/* cli_image.c — keur image: what a lab engineer preparing a run reads from an update image
 * (format, versions, signer) and the forged images the UPDATE cases would offer, made by the
 * same code (images/). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "images.h"
#include "sha256.h"
#include "util.h"

static const char image_help[] =
	"usage: keur image info IMAGE [--format F]\n"
	"       keur image forge IMAGE --out DIR [--format F] [--older IMAGE] [--key KEY.pem [--cert CERT.pem]]\n"
	"\n"
	"info    prints the image's format, the version(s) it carries, who signed it and what it holds\n"
	"forge   writes into DIR every image the UPDATE cases would offer a device, each named for\n"
	"        what it is meant to break, and DIR/manifest.txt listing them with their SHA-256\n"
	"\n"
	"  --format F     kfw1, swu, mender, raucb or opaque (default: recognised from the image)\n"
	"  --out DIR      where forge writes (made if missing; files of the same name are replaced)\n"
	"  --older IMAGE  a genuine older image of the same format: listed for UPDATE-ROLLBACK-001\n"
	"  --key KEY.pem  sign the foreign-signed image with this key instead of one keur makes\n"
	"  --cert CERT.pem  its certificate (swu and raucb signatures carry one)\n"
	"\n"
	"exit codes: 0 done, 1 an image could not be written, 2 bad command line or an image that is\n"
	"not of its format\n";

struct image_in {
	const char *path;
	char *buf;
	size_t len;
	const struct img_format *fmt;
	struct img_info info;
	char sha[65];		/* its SHA-256 */
};

/* Reads path and its info in the format named (NULL: recognised): 0, or EXIT_USAGE with the
 * one-line error printed. */
static int image_read(const char *path, const char *format, struct image_in *in)
{
	char why[400];
	int r;

	memset(in, 0, sizeof(*in));
	in->path = path;
	if ((r = file_read(path, &in->buf, &in->len)) < 0) {
		fprintf(stderr, "keur image: %s: %s\n", path, strerror(-r));
		return EXIT_USAGE;
	}
	in->fmt = format ? img_format_find(format) : img_format_detect((const uint8_t *)in->buf, in->len);
	if (!in->fmt) {
		fprintf(stderr, "keur image: --format %s: keur knows %s\n", format, img_format_names());
		return EXIT_USAGE;
	}
	if (img_info(in->fmt, (const uint8_t *)in->buf, in->len, &in->info, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur image: %s: %s\n", path, why);
		return EXIT_USAGE;
	}
	sha256_hex((const unsigned char *)in->buf, in->len, in->sha);
	return 0;
}

static void image_print(const struct image_in *in)
{
	printf("image     %s, %zu bytes, sha256 %s\n", in->path, in->len, in->sha);
	printf("format    %s: %s\n", in->fmt->name, in->fmt->title);
	for (int i = 0; i < in->info.nversions; i++)
		printf("version   %s (%s)\n", in->info.versions[i].value, in->info.versions[i].what);
	if (!in->info.nversions)
		printf("version   none that keur can read\n");
	if (in->fmt->detect)
		printf("signer    %s\n", in->info.signer[0] ? in->info.signer : "none: the image is unsigned");
	printf("contents  %s\n", in->info.contents);
}

/* Writes len bytes to DIR/name and its line to the manifest: 0 or -1 (said). */
static int put(const char *dir, const char *name, const void *data, size_t len, FILE *man, const char *case_id,
	       const char *what)
{
	char *path = path_join(dir, name), hex[65];
	/* A key is for its owner's eyes only. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, strstr(name, ".key") ? 0600 : 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;

	if (fd >= 0 && !f)
		close(fd);
	else if (f && strstr(name, ".key"))
		fchmod(fd, 0600);	/* also when the file was there before */
	int ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "keur image: %s: %s\n", path, strerror(errno));
	free(path);
	if (!ok)
		return -1;
	if (man) {
		sha256_hex(data, len, hex);
		fprintf(man, "%s  %s  %zu  %s  %s\n", hex, name, len, case_id, what);
		printf("%-24s %s\n", name, what);
	}
	return 0;
}

static int image_forge(const struct image_in *in, const struct image_in *older, const char *dir,
		       const struct img_signer *with)
{
	char *mpath = path_join(dir, "manifest.txt"), name[80], why[400];
	FILE *man = fopen(mpath, "w");
	int bad = 0;

	if (!man) {
		fprintf(stderr, "keur image: %s: %s\n", mpath, strerror(errno));
		free(mpath);
		return EXIT_FAILED;
	}
	fprintf(man, "# keur image forge: the images keur's UPDATE cases offer, made from\n");
	fprintf(man, "# %s (%s, version %s, sha256 %s)\n", in->path, in->fmt->name,
		in->info.nversions ? in->info.versions[0].value : "unknown", in->sha);
	fprintf(man, "# sha256  file  bytes  case  what it is\n");
	img_file_name(in->fmt, "genuine", name, sizeof(name));
	bad |= put(dir, name, in->buf, in->len, man, "UPDATE-GENUINE-001", "genuine: the image as given") < 0;
	for (int k = 0; k < IMG_NFORGERIES; k++) {
		struct img_forged fg;
		char what[600];
		int r = img_forge(in->fmt, (enum img_forgery)k, (const uint8_t *)in->buf, in->len, with, &fg, why, sizeof(why));
		if (r < 0) {
			fprintf(man, "# not made: %s (%s): %s\n", img_forgery_name(k), img_forgery_case(k), why);
			printf("%-24s not made: %s\n", img_forgery_name(k), why);
			bad |= r != IMG_CANNOT;
			continue;
		}
		img_file_name(in->fmt, img_forgery_name(k), name, sizeof(name));
		snprintf(what, sizeof(what), "%s: %s", img_forgery_name(k), fg.how);
		bad |= put(dir, name, fg.data, fg.len, man, img_forgery_case(k), what) < 0;
		/* The key keur made goes beside the image, readable by its owner only; a key the lab
		 * gave with --key stays where it is. */
		if (fg.signer.key_pem && !with)
			bad |= put(dir, "foreign-signer.key", fg.signer.key_pem, strlen(fg.signer.key_pem), NULL, NULL, NULL) < 0;
		if (fg.signer.cert_pem && !with)
			bad |= put(dir, "foreign-signer.crt", fg.signer.cert_pem, strlen(fg.signer.cert_pem), NULL, NULL, NULL) < 0;
		img_forged_free(&fg);
	}
	if (older) {
		char what[200];
		img_file_name(in->fmt, "older", name, sizeof(name));
		snprintf(what, sizeof(what), "older: the genuine older image %s, version %s", older->path,
			 older->info.nversions ? older->info.versions[0].value : "unknown");
		bad |= put(dir, name, older->buf, older->len, man, "UPDATE-ROLLBACK-001", what) < 0;
	}
	if (fclose(man) != 0) {
		fprintf(stderr, "keur image: %s: %s\n", mpath, strerror(errno));
		bad = 1;
	}
	printf("the list with SHA-256: %s\n", mpath);
	free(mpath);
	return bad ? EXIT_FAILED : EXIT_OK;
}

int cmd_image(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "out", required_argument, NULL, 'o' },
		{ "older", required_argument, NULL, 'O' }, { "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *format = NULL, *out = NULL, *older = NULL, *key = NULL, *cert = NULL;
	int c, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(image_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "info") && strcmp(sub, "forge"))
		return cli_usage_error("image: unknown command '%s' (info or forge)", sub);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': out = optarg; break;
		case 'O': older = optarg; break;
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'h': fputs(image_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("image %s: option '%s' needs a value", sub, argv[optind]);
		default: return cli_usage_error("image %s: unknown option '%s'", sub, argv[optind]);
		}
	}
	if (optind + 1 != argc - 1)
		return cli_usage_error("image %s: name one IMAGE", sub);
	const char *path = argv[optind + 1];
	if (!strcmp(sub, "info") && (out || older || key || cert))
		return cli_usage_error("image info takes only --format");
	if (!strcmp(sub, "forge") && !out)
		return cli_usage_error("image forge: --out DIR is required");
	if (cert && !key)
		return cli_usage_error("image forge: --cert goes with --key");

	struct image_in in, old = { 0 };
	if ((rc = image_read(path, format, &in)) != 0) {
		free(in.buf);
		return rc;
	}
	if (!strcmp(sub, "info")) {
		image_print(&in);
		free(in.buf);
		return EXIT_OK;
	}
	struct img_signer with = { 0 };
	char why[400];
	if (older && (rc = image_read(older, in.fmt->name, &old)) != 0)
		goto done;
	if (older && in.info.nversions && old.info.nversions &&
	    version_cmp(old.info.versions[0].value, in.info.versions[0].value) >= 0) {
		fprintf(stderr, "keur image: --older %s carries %s, not older than %s\n", older, old.info.versions[0].value,
			in.info.versions[0].value);
		rc = EXIT_USAGE;
		goto done;
	}
	if (key && img_signer_read(key, cert, &with, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur image: %s\n", why);
		rc = EXIT_USAGE;
		goto done;
	}
	if (mkdir_p(out, 0755) < 0) {
		fprintf(stderr, "keur image: %s: %s\n", out, strerror(errno));
		rc = EXIT_FAILED;
		goto done;
	}
	image_print(&in);
	rc = image_forge(&in, older ? &old : NULL, out, key ? &with : NULL);
done:
	img_signer_free(&with);
	free(in.buf);
	free(old.buf);
	return rc;
}
