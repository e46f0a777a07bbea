"""Certificates and keys for CPython's ``ssl`` module (CPython only).

``SSLContext.load_cert_chain`` reads only PEM files, so ``microdot_ssl``
hands DER input, and input given as bytes, to ``load_cert_chain`` here:
it is converted to PEM and written to a private temporary file, removed as
soon as it is loaded. MicroPython never imports this module (its mbedTLS
takes DER bytes directly).
"""
import binascii
import os
import tempfile

# DER private keys: SEQUENCE { version INTEGER, then a tag telling the kind }
_KEY_LABELS = {0x30: 'PRIVATE KEY', 0x02: 'RSA PRIVATE KEY',
               0x04: 'EC PRIVATE KEY'}


def read(source):
    """The bytes of a file name, or the bytes given."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    with open(source, 'rb') as f:
        return f.read()


def is_pem(data):
    """True if the bytes start with a PEM ``-----BEGIN`` line."""
    return data.lstrip()[:11] == b'-----BEGIN '


def _content(der, offset):
    # where the content of the DER element at offset starts
    length = der[offset + 1]
    return offset + 2 + (length & 0x7f if length & 0x80 else 0)


def der_key_label(der):
    """The PEM label of a DER private key: PKCS#8, RSA, EC or encrypted."""
    try:
        if der[0] != 0x30:
            raise IndexError
        offset = _content(der, 0)
        if der[offset] == 0x30 and der[_content(der, offset)] == 0x06:
            # EncryptedPrivateKeyInfo: no version, an algorithm OID first
            return 'ENCRYPTED PRIVATE KEY'
        if der[offset] != 0x02:
            raise IndexError
        return _KEY_LABELS[der[offset + 2 + der[offset + 1]]]
    except (IndexError, KeyError):
        raise ValueError('Not a DER private key (PKCS#8, PKCS#1 or SEC1)')


def der_to_pem(der, label):
    """DER bytes as a PEM block (str) with the given label."""
    text = binascii.b2a_base64(der).decode().replace('\n', '')
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return '-----BEGIN {0}-----\n{1}\n-----END {0}-----\n'.format(
        label, '\n'.join(lines))


def load_cert_chain(context, cert, key, password=None):
    """``context.load_cert_chain`` for file names or bytes, DER or PEM."""
    if isinstance(cert, str) and isinstance(key, str) and \
            is_pem(read(cert)) and is_pem(read(key)):
        context.load_cert_chain(cert, key, password)
        return
    cert, key = read(cert), read(key)
    if not is_pem(cert):  # as ssl.DER_cert_to_PEM_cert makes it
        cert = der_to_pem(cert, 'CERTIFICATE').encode()
    if not is_pem(key):
        key = der_to_pem(key, der_key_label(key)).encode()
    fd, path = tempfile.mkstemp(suffix='.pem')  # mode 0600
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(cert + b'\n' + key)
        context.load_cert_chain(path, password=password)
    finally:
        os.remove(path)


def load_verify_locations(context, cafile):
    """``context.load_verify_locations`` for a CA certificate given as a
    file name or bytes, DER or PEM."""
    data = read(cafile)
    context.load_verify_locations(
        cadata=data.decode() if is_pem(data) else data)
