#!/bin/sh
# Make a throwaway self-signed certificate for hello_tls.py, in the current
# directory: cert.der and key.der (DER, as MicroPython wants them) and
# cert.pem for clients: curl --cacert cert.pem https://localhost:4443/
# Needs the openssl command. Not for production: browsers will warn.
set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout key.pem -out cert.pem 2>/dev/null
openssl x509 -in cert.pem -outform DER -out cert.der
openssl pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.der
rm key.pem
echo "made cert.der, key.der and cert.pem in $(pwd)"
