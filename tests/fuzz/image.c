/* image.c — fuzzes the update image readers (images/): every format's reader on the bytes
 * (kfw1, swu, mender, raucb: detect, versions, signer), and, where it reads them, the
 * forgeries made from them (all but a RAUC bundle's, which run mksquashfs: too slow for a
 * fuzzer).  The foreign signer is made once, so that no input waits for a key. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "img_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct img_signer with;
	static int made;
	char err[400];

	if (!made) {
		/* squashfs-tools' scratch files go where the fuzzer's do. */
		setenv("TMPDIR", fuzz_tmpdir(), 1);
		made = img_signer_make("EC", 1, NULL, &with, err, sizeof(err)) == 0 ? 1 : -1;
	}
	for (int i = 0; img_formats[i]; i++) {
		const struct img_format *f = img_formats[i];
		struct img_info info;
		if (img_info(f, data, size, &info, err, sizeof(err)) < 0 || !strcmp(f->name, "raucb"))
			continue;
		for (int k = 0; k < IMG_NFORGERIES; k++) {
			struct img_forged out;
			if (img_forge(f, (enum img_forgery)k, data, size, made == 1 ? &with : NULL, &out, err, sizeof(err)) == 0)
				img_forged_free(&out);
		}
	}
	return 0;
}
