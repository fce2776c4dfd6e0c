# Sourced by the demos: a demo accreditation body and the lab it certified, to sign reports
# (EC P-256, 2 days).  demo_signing_key DIR CA: the CA certificate to CA (its key in DIR/ca.key),
# the lab's key and certificate to DIR/lab.key and DIR/lab.pem; 0, or 3 with one line why.
demo_signing_key() {
	local dir=$1 ca=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=keur demo accreditation body" \
		-keyout "$dir/ca.key" -out "$ca" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=keur demo lab/CN=keur demo lab report signing" \
		-keyout "$dir/lab.key" -out "$dir/lab.csr" 2>/dev/null &&
	openssl x509 -req -in "$dir/lab.csr" -CA "$ca" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
		-out "$dir/lab.pem" 2>/dev/null || { echo "demo: openssl could not make the demo signing key" >&2; return 3; }
}
