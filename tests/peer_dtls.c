/* peer_dtls.c — a CoAP-over-DTLS "device" on mbed TLS, for what no OpenSSL peer can show: a DTLS
 * server whose replay window can be switched off.  Tests start and stop it by PID.
 *
 *   peer-dtls IDENTITY KEY replay|noreplay [SECONDS]
 *
 * Binds UDP 127.0.0.1:0, prints the port, then serves one DTLS-PSK client after another with a
 * single resource, /value: GET returns it, PUT sets it (2.04).  "noreplay" turns mbed TLS's
 * anti-replay off: a record sent twice is processed twice, as on a device with that defect.
 * Ends by itself after SECONDS (default 120). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/timing.h>

static char value[64] = "0";

/* Answers one CoAP request in req (n bytes) into out; the answer's length, 0 for none. */
static size_t answer(const unsigned char *req, size_t n, unsigned char *out, size_t cap)
{
	size_t tkl, i, o;
	unsigned num = 0;
	char path[64] = "";
	const unsigned char *pl = NULL;
	size_t plen = 0;
	int code;

	if (n < 4 || req[0] >> 6 != 1 || (tkl = req[0] & 0x0f) > 8 || n < 4 + tkl || (req[0] >> 4 & 3) != 0)
		return 0;	/* confirmable requests only */
	for (i = 4 + tkl; i < n && req[i] != 0xff;) {
		unsigned d = req[i] >> 4, l = req[i] & 0x0f;
		i++;
		if (d >= 13 || l >= 13)
			return 0;	/* this peer needs no long options */
		num += d;
		if (i + l > n)
			return 0;
		if (num == 11 && strlen(path) + l + 2 < sizeof(path)) {
			strcat(path, "/");
			strncat(path, (const char *)req + i, l);
		}
		i += l;
	}
	if (i < n && req[i] == 0xff) {
		pl = req + i + 1;
		plen = n - i - 1;
	}
	if (strcmp(path, "/value"))
		code = 0x84;	/* 4.04 */
	else if (req[1] == 1)
		code = 0x45;	/* 2.05 */
	else if (req[1] == 3 && plen && plen < sizeof(value)) {
		memcpy(value, pl, plen);
		value[plen] = '\0';
		code = 0x44;	/* 2.04 */
	} else
		code = 0x80;	/* 4.00 */
	if (cap < 5 + tkl + sizeof(value))
		return 0;
	out[0] = (unsigned char)(0x60 | tkl);	/* ACK */
	out[1] = (unsigned char)code;
	out[2] = req[2];
	out[3] = req[3];
	memcpy(out + 4, req + 4, tkl);
	o = 4 + tkl;
	if (code == 0x45) {
		out[o++] = 0xff;
		memcpy(out + o, value, strlen(value));
		o += strlen(value);
	}
	return o;
}

int main(int argc, char **argv)
{
	mbedtls_net_context listen_fd, client_fd;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_ssl_cookie_ctx cookies;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_timing_delay_context timer;
	char port[8];
	int ret;

	if (argc < 4 || (strcmp(argv[3], "replay") && strcmp(argv[3], "noreplay"))) {
		fprintf(stderr, "usage: peer-dtls IDENTITY KEY replay|noreplay [SECONDS]\n");
		return 2;
	}
	alarm((unsigned)(argc >= 5 ? atoi(argv[4]) : 120));	/* nothing outlives a test */
	mbedtls_net_init(&listen_fd);
	mbedtls_net_init(&client_fd);
	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_cookie_init(&cookies);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"keur", 4) ||
	    mbedtls_net_bind(&listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_UDP))
		return 1;
	/* the port the system picked */
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockname(listen_fd.fd, (struct sockaddr *)&ss, &sl) < 0)
			return 1;
		snprintf(port, sizeof(port), "%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	printf("%s\n", port);
	fflush(stdout);
	if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
					MBEDTLS_SSL_PRESET_DEFAULT) ||
	    mbedtls_ssl_conf_psk(&conf, (const unsigned char *)argv[2], strlen(argv[2]), (const unsigned char *)argv[1],
				 strlen(argv[1])) ||
	    mbedtls_ssl_cookie_setup(&cookies, mbedtls_ctr_drbg_random, &drbg))
		return 1;
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &cookies);
	mbedtls_ssl_conf_read_timeout(&conf, 3000);
	mbedtls_ssl_conf_dtls_anti_replay(&conf, strcmp(argv[3], "noreplay") ? MBEDTLS_SSL_ANTI_REPLAY_ENABLED
									      : MBEDTLS_SSL_ANTI_REPLAY_DISABLED);
	if (mbedtls_ssl_setup(&ssl, &conf))
		return 1;
	mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
	for (;;) {
		unsigned char ip[16], in[1500], out[256];
		size_t iplen;

		mbedtls_net_free(&client_fd);
		mbedtls_ssl_session_reset(&ssl);
		if (mbedtls_net_accept(&listen_fd, &client_fd, ip, sizeof(ip), &iplen) ||
		    mbedtls_ssl_set_client_transport_id(&ssl, ip, iplen))
			continue;
		mbedtls_ssl_set_bio(&ssl, &client_fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
		do
			ret = mbedtls_ssl_handshake(&ssl);
		while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
		if (ret)	/* including HELLO_VERIFY_REQUIRED: the client comes back with its cookie */
			continue;
		for (;;) {
			ret = mbedtls_ssl_read(&ssl, in, sizeof(in));
			if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
				continue;
			if (ret <= 0)
				break;	/* closed, timed out, or a fatal alert: next client */
			size_t n = answer(in, (size_t)ret, out, sizeof(out));
			if (n)
				mbedtls_ssl_write(&ssl, out, n);
		}
	}
}
