"""TLS contexts for serving HTTPS with ``app.run(ssl=...)``.

``create_ssl_context(cert, key)`` takes a certificate and its private key
as file names or bytes, in DER or PEM form, and returns a server context
for the platform: an ``ssl.SSLContext`` on CPython, a context for the
``ssl`` module (mbedTLS) on MicroPython.

Example::

    from microdot_ssl import create_ssl_context

    sslctx = create_ssl_context('cert.der', 'key.der')
    app.run(port=4443, ssl=sslctx)
"""
import binascii

try:
    import ssl
except ImportError:  # pragma: no cover
    import ussl as ssl

__all__ = ['create_ssl_context']

# CPython's ssl module has this helper; MicroPython's has not
_CPYTHON = hasattr(ssl, 'DER_cert_to_PEM_cert')

# DER private keys: SEQUENCE { version INTEGER, then a tag telling the kind }
_KEY_LABELS = {0x30: 'PRIVATE KEY', 0x02: 'RSA PRIVATE KEY',
               0x04: 'EC PRIVATE KEY'}


def _read(source):
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    with open(source, 'rb') as f:
        return f.read()


def _is_pem(data):
    return data.lstrip()[:11] == b'-----BEGIN '


def _pem_to_der(data):
    # the first PEM block's base64 body (MicroPython's mbedTLS wants DER)
    lines = data.decode().strip().split('\n')
    end = [i for i, line in enumerate(lines) if line.startswith('-----END')]
    if not end:
        raise ValueError('Malformed PEM data')
    body = [line.strip() for line in lines[1:end[0]] if ':' not in line]
    return binascii.a2b_base64(''.join(body))


def _content(der, offset):
    # where the content of the DER element at offset starts
    length = der[offset + 1]
    return offset + 2 + (length & 0x7f if length & 0x80 else 0)


def _der_key_label(der):
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


def _der_to_pem(der, label):
    text = binascii.b2a_base64(der).decode().replace('\n', '')
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return '-----BEGIN {0}-----\n{1}\n-----END {0}-----\n'.format(
        label, '\n'.join(lines))


def _as_pem(cert, key):
    cert, key = _read(cert), _read(key)
    if not _is_pem(cert):
        cert = ssl.DER_cert_to_PEM_cert(cert).encode()
    if not _is_pem(key):
        key = _der_to_pem(key, _der_key_label(key)).encode()
    return cert, key


def _load_cpython(context, cert, key, password):
    if isinstance(cert, str) and isinstance(key, str) and \
            _is_pem(_read(cert)) and _is_pem(_read(key)):
        context.load_cert_chain(cert, key, password)
        return
    # CPython loads certificates only from files: PEM copies in a private
    # temporary file (mode 0600), removed as soon as they are loaded
    import os
    import tempfile
    cert, key = _as_pem(cert, key)
    fd, path = tempfile.mkstemp(suffix='.pem')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(cert + b'\n' + key)
        context.load_cert_chain(path, password=password)
    finally:
        os.remove(path)


def _der(source):
    data = _read(source)
    return _pem_to_der(data) if _is_pem(data) else data


class _WrapContext:
    """A server context for MicroPython builds with no ``SSLContext``."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    def wrap_socket(self, sock, server_side=False, **kwargs):
        """Wrap a connected socket with ``ssl.wrap_socket``."""
        return ssl.wrap_socket(sock, server_side=server_side, key=self.key,
                               cert=self.cert, **kwargs)


def _micropython_context(cert, key, cafile):
    cert, key = _der(cert), _der(key)
    if not hasattr(ssl, 'SSLContext'):  # pragma: no cover
        if cafile is not None:
            raise ValueError('cafile needs ssl.SSLContext')
        return _WrapContext(cert, key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if cafile is not None:
        context.load_verify_locations(cadata=_der(cafile))
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _set_options(context, options):
    for name, value in options.items():
        if not hasattr(context, name):
            raise TypeError('create_ssl_context: unknown option ' + name)
        setattr(context, name, value)


def create_ssl_context(cert, key, password=None, cafile=None, **kwargs):
    """Return a server TLS context holding a certificate and its key.

    ``cert`` and ``key`` are file names or bytes, DER or PEM (a DER key
    may be PKCS#8, PKCS#1 RSA or SEC1 EC). ``password`` decrypts an
    encrypted key (CPython only). ``cafile`` (file name or bytes, DER or
    PEM), if given, is a CA certificate that client certificates must be
    signed by (mutual TLS).
    Other keyword arguments are set as attributes of the context, e.g.
    ``minimum_version=ssl.TLSVersion.TLSv1_3`` on CPython; an unknown name
    raises TypeError.

    Example::

        app.run(port=4443, ssl=create_ssl_context('cert.pem', 'key.pem'))
    """
    if not _CPYTHON:
        if password is not None:
            raise ValueError('Encrypted keys are not supported on '
                             'MicroPython: pass an unencrypted key')
        context = _micropython_context(cert, key, cafile)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _load_cpython(context, cert, key, password)
        if cafile is not None:
            data = _read(cafile)
            context.load_verify_locations(
                cadata=data.decode() if _is_pem(data) else data)
            context.verify_mode = ssl.CERT_REQUIRED
    _set_options(context, kwargs)
    return context
