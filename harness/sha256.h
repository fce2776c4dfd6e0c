/* sha256.h — SHA-256 (FIPS 180-4) for evidence hashes.  The runner's parent process hashes
 * evidence without touching OpenSSL, which it must not initialise (see DESIGN.md, isolation). */
#ifndef KEUR_SHA256_H
#define KEUR_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Lower-case hex digest of a buffer into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Hex digest and size of a file; 0 or -errno. */
int sha256_file(const char *path, char hex[65], int64_t *size);

/* CRC-32 (IEEE), which the journal uses to tell a torn record from a whole one. */
uint32_t crc32_ieee(const void *data, size_t len);

#endif
