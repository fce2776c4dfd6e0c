/* coap_wire.h — CoAP messages built and read byte by byte (RFC 7252 section 3), over a UDP socket
 * of keur's own: for what a library client will not do — count every byte a request brings back
 * (COAP-AMP-001) and send malformed messages (COAP-ROB-001). */
#ifndef KEUR_COAP_WIRE_H
#define KEUR_COAP_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum { COAPW_CON = 0, COAPW_NON = 1, COAPW_ACK = 2, COAPW_RST = 3 };

struct coapw_opt {
	unsigned num;		/* option number; options must be given in ascending order */
	const void *val;
	size_t len;
};

/* A message: 0 when it does not fit, else its length. */
size_t coapw_build(unsigned char *out, size_t cap, int type, int code, unsigned mid, const void *token, size_t tkl,
		   const struct coapw_opt *opts, size_t nopts, const void *payload, size_t plen);
/* Uri-Path options for path ("/a/b" -> "a", "b") into opts (at most max); how many. */
size_t coapw_path(const char *path, struct coapw_opt *opts, size_t max);
/* A minimal unsigned integer option value (0 is empty) into buf (4 bytes); its length. */
size_t coapw_uint(unsigned char *buf, uint32_t v);

/* What came back. */
struct coapw_msg {
	int type, code, tkl;
	unsigned mid;
	unsigned char token[8];
	int echo;		/* an Echo option (RFC 9175) was present */
	const unsigned char *payload;	/* into the parsed buffer; NULL without one */
	size_t plen;
};
/* Parses the header and looks for Echo; 0, or -1 when it is not a CoAP message. */
int coapw_parse(const unsigned char *buf, size_t len, struct coapw_msg *m);

/* A connected UDP socket to host:port (numeric), or -1. */
int coapw_socket(const char *host, int port);
/* Receives one datagram within ms: its length, 0 on timeout, -1 on an error (ICMP refused ...). */
long coapw_recv(int fd, unsigned char *buf, size_t cap, int ms);

#define COAPW_OPT_OBSERVE 6
#define COAPW_OPT_URI_PATH 11
#define COAPW_OPT_BLOCK2 23
#define COAPW_OPT_ECHO 252

#endif
