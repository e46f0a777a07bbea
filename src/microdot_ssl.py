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
try:
    import ssl
except ImportError:  # pragma: no cover
    import ussl as ssl

__all__ = ['create_ssl_context']

#: Seconds a TLS client has from connecting to the end of its handshake on
#: CPython's servers (asyncio's own default is 60). A stalled handshake
#: holds a socket until then, never a worker. MicroPython's servers bound
#: it by their read timeouts.
HANDSHAKE_TIMEOUT = 10


def _der(source):
    # a file name or bytes, DER or PEM, as DER (what MicroPython's mbedTLS
    # wants): of PEM, the first block's base64 body
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        with open(source, 'rb') as f:
            data = f.read()
    if data.lstrip()[:11] != b'-----BEGIN ':
        return data
    body = []
    for line in data.decode().strip().split('\n')[1:]:
        if line.startswith('-----END'):
            from binascii import a2b_base64
            return a2b_base64(''.join(body))
        if ':' not in line:  # not an RFC 1421 header
            body.append(line.strip())
    raise ValueError('Malformed PEM data')


if not hasattr(ssl, 'SSLContext'):  # pragma: no cover (older MicroPython)
    class _WrapContext:
        """A server context for MicroPython builds with no ``SSLContext``."""

        def __init__(self, cert, key):
            self.cert = cert
            self.key = key

        def wrap_socket(self, sock, server_side=False, **kwargs):
            """Wrap a connected socket with ``ssl.wrap_socket``."""
            return ssl.wrap_socket(sock, server_side=server_side,
                                   key=self.key, cert=self.cert, **kwargs)


def create_ssl_context(cert, key, password=None, cafile=None, **kwargs):
    """Return a server TLS context holding a certificate and its key.

    ``cert``, ``key`` and ``cafile`` are file names or bytes, DER or PEM (a
    DER key may be PKCS#8, PKCS#1 RSA or SEC1 EC). ``password`` decrypts an
    encrypted key (CPython only). ``cafile``, if given, is a CA certificate
    that client certificates must be signed by (mutual TLS). Other keyword
    arguments are set as attributes of the context (an unknown one raises
    TypeError), e.g. ``minimum_version=ssl.TLSVersion.TLSv1_3`` on CPython.
    """
    if hasattr(ssl, 'DER_cert_to_PEM_cert'):  # CPython's ssl, not ours
        import _microdot_pem
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _microdot_pem.load_cert_chain(context, cert, key, password)
        if cafile is not None:
            _microdot_pem.load_verify_locations(context, cafile)
    else:
        if password is not None:
            raise ValueError('Encrypted keys are not supported on '
                             'MicroPython: pass an unencrypted key')
        cert, key = _der(cert), _der(key)
        if hasattr(ssl, 'SSLContext'):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            if cafile is not None:
                context.load_verify_locations(cadata=_der(cafile))
        elif cafile is not None:
            raise ValueError('cafile needs ssl.SSLContext')
        else:
            context = _WrapContext(cert, key)
    if cafile is not None:
        context.verify_mode = ssl.CERT_REQUIRED
    for name, value in kwargs.items():
        if not hasattr(context, name):
            raise TypeError('create_ssl_context: unknown option ' + name)
        setattr(context, name, value)
    return context
