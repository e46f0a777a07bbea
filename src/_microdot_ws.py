"""Sans-IO WebSocket (RFC 6455): handshake, frames, messages, close codes.

The message flow is a generator of ``(function, args, kwargs)`` calls, like
the HTTP dispatch: the sync, asyncio and test-client drivers each run it with
``run_sync`` or ``run_async`` around their own ``read(n)`` and ``write(data)``.
"""
import binascii
import hashlib
import struct

from _microdot_http import HTTPException
from _microdot_http import read_exact, print_exception

try:
    from os import urandom
except ImportError:  # pragma: no cover - boards without os.urandom
    import random

    def urandom(size):
        return bytes([random.getrandbits(8) for _ in range(size)])

OP_CONTINUATION = 0
OP_TEXT = 1
OP_BINARY = 2
OP_CLOSE = 8
OP_PING = 9
OP_PONG = 10

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED = 1003
CLOSE_NO_STATUS = 1005
CLOSE_ABNORMAL = 1006
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL_ERROR = 1011

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
_MAX_DRAIN = 16 << 20  # bytes of a refused frame read and dropped at most
_SENDABLE_CLOSE_CODES = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                         1011, 1012, 1013, 1014)


class ConnectionClosed(Exception):
    """The WebSocket is closed: the client left, or a close was exchanged.

    ``code`` is the close code (1006 when the connection just dropped) and
    ``reason`` the text the peer gave.
    """

    def __init__(self, code=CLOSE_ABNORMAL, reason=''):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class ProtocolError(Exception):
    # a peer broke RFC 6455: close with ``code``; ``skip`` bytes of the
    # refused frame are still on the wire
    def __init__(self, code, reason='', skip=0):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason
        self.skip = skip
        self.peer_closed = False  # it came in the peer's close frame


def accept_key(key):
    """The Sec-WebSocket-Accept value for a Sec-WebSocket-Key."""
    digest = hashlib.sha1(key.encode() + _GUID).digest()
    return binascii.b2a_base64(digest).strip().decode()


def _tokens(value):
    return [token.strip().lower() for token in (value or '').split(',')]


def check_handshake(request):
    """Validate an upgrade request; return the Sec-WebSocket-Accept value.

    Raises HTTPException(400) when the request is not a valid WebSocket
    opening handshake (RFC 6455 section 4.2.1).
    """
    headers = request.headers
    key = headers.get('Sec-WebSocket-Key', '')
    if request.method != 'GET' or \
            'websocket' not in _tokens(headers.get('Upgrade')) or \
            'upgrade' not in _tokens(headers.get('Connection')) or \
            headers.get('Sec-WebSocket-Version') != '13':
        raise HTTPException(400, 'Not a WebSocket handshake')
    try:
        if len(binascii.a2b_base64(key)) != 16:
            raise ValueError()
    except ValueError:  # binascii.Error too (MicroPython has no such name)
        raise HTTPException(400, 'Invalid Sec-WebSocket-Key')
    return accept_key(key)


def handshake_response(accept):
    """The 101 response head that completes the opening handshake."""
    return b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' \
        b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept.encode() + \
        b'\r\n\r\n'


def apply_mask(mask, data):
    """XOR ``data`` with a 4-byte mask (masking and unmasking alike)."""
    size = len(data)
    if not size:
        return b''
    repeated = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(data, 'big') ^
            int.from_bytes(repeated, 'big')).to_bytes(size, 'big')


def encode_frame(opcode, payload, fin=True, mask=None):
    """Encode one frame; servers send unmasked, clients pass a 4-byte mask."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    mask_bit = 0x80 if mask else 0
    if size < 126:
        head = struct.pack('!BB', first, mask_bit | size)
    elif size < 65536:
        head = struct.pack('!BBH', first, mask_bit | 126, size)
    else:
        head = struct.pack('!BBQ', first, mask_bit | 127, size)
    if mask:
        return head + mask + apply_mask(mask, payload)
    return head + payload


def close_payload(code, reason=''):
    """The payload of a close frame (the reason cut to fit, whole chars)."""
    encoded = reason.encode()
    while len(encoded) > 123:
        reason = reason[:-1]
        encoded = reason.encode()
    return struct.pack('!H', code) + encoded


def parse_close(payload):
    """Return ``(code, reason)`` of a close frame; ProtocolError if invalid."""
    if not payload:
        return CLOSE_NO_STATUS, ''
    if len(payload) == 1:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Truncated close code')
    code = struct.unpack('!H', payload[:2])[0]
    if not (code in _SENDABLE_CLOSE_CODES or 3000 <= code <= 4999):
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Invalid close code')
    try:
        return code, payload[2:].decode('utf-8')
    except UnicodeError:
        raise ProtocolError(CLOSE_INVALID_DATA, 'Invalid UTF-8 in reason')


def read_frame(read, max_size, require_mask=True):
    """Generator of reads; returns ``(fin, opcode, payload)`` of one frame."""
    first, second = yield from read_exact(read, 2)
    if first & 0x70:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Reserved bits set')
    opcode, size = first & 0x0F, second & 0x7F
    if opcode not in (0, 1, 2, 8, 9, 10):
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Unknown opcode')
    if opcode >= OP_CLOSE and (size > 125 or not first & 0x80):
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Invalid control frame')
    if bool(second & 0x80) != require_mask:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Wrong masking')
    if size == 126:
        size = struct.unpack('!H', (yield from read_exact(read, 2)))[0]
    elif size == 127:
        size = struct.unpack('!Q', (yield from read_exact(read, 8)))[0]
        if size >> 63:  # RFC 6455 5.2: the top bit must be 0
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Invalid length')
    if opcode < OP_CLOSE and size > max_size:  # pings never count
        raise ProtocolError(CLOSE_TOO_BIG, 'Message too big',
                            size + (4 if second & 0x80 else 0))
    mask = (yield from read_exact(read, 4)) if second & 0x80 else None
    payload = (yield from read_exact(read, size)) if size else b''
    return bool(first & 0x80), opcode, apply_mask(mask, payload) if mask \
        else payload


try:
    from codecs import getincrementaldecoder
except ImportError:  # MicroPython: text is checked once it is whole
    getincrementaldecoder = None


class _TextCheck:
    # fails fast on invalid UTF-8, fragment by fragment where codecs exists
    def __init__(self):
        self.decoder = getincrementaldecoder('utf-8')() \
            if getincrementaldecoder else None

    def feed(self, data, final):
        try:
            if self.decoder is not None:
                self.decoder.decode(data, final)
        except UnicodeError:
            raise ProtocolError(CLOSE_INVALID_DATA, 'Invalid UTF-8')


class WebSocketSession:
    """The message layer of one WebSocket, over a driver's read and write.

    Every method is a generator of calls for ``run_sync``/``run_async``.
    ``client=True`` speaks the client side (masked frames), for test clients.
    """

    #: Seconds ``close()`` waits for the peer's close frame.
    close_timeout = 5

    def __init__(self, read, write, max_message_size, client=False,
                 set_timeout=None):
        self.read = read
        self.write = write
        self.max_message_size = max_message_size
        self.client = client
        self.set_timeout = set_timeout
        self.closed = False

    def _frame(self, opcode, payload):
        mask = urandom(4) if self.client else None
        return encode_frame(opcode, payload, mask=mask)

    def receive(self):
        """Generator; returns the next message: str (text) or bytes."""
        if self.closed:
            raise ConnectionClosed(CLOSE_ABNORMAL)
        try:
            return (yield from self._receive())
        except ProtocolError as exc:
            yield from self._fail(exc.code, exc.reason)
            if not exc.peer_closed:
                yield from self._drain(exc.skip)
            raise ConnectionClosed(exc.code, exc.reason)
        except (HTTPException, OSError):  # the stream ended or broke
            self.closed = True
            raise ConnectionClosed(CLOSE_ABNORMAL)

    def _receive(self):
        fragments, opcode, size, text = [], None, 0, None
        while True:
            fin, op, payload = yield from read_frame(
                self.read, self.max_message_size - size, not self.client)
            if op >= OP_CLOSE:
                yield from self._control(op, payload)
                continue
            if (op == OP_CONTINUATION) != (opcode is not None):
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, 'Bad fragment')
            if opcode is None:
                opcode = op
                text = _TextCheck() if op == OP_TEXT else None
            if text is not None:
                text.feed(payload, fin)
            fragments.append(payload)
            size += len(payload)
            if fin:
                break
        data = b''.join(fragments)
        if opcode == OP_BINARY:
            return data
        try:
            return data.decode('utf-8')
        except UnicodeError:
            raise ProtocolError(CLOSE_INVALID_DATA, 'Invalid UTF-8')

    def _control(self, opcode, payload):
        if opcode == OP_PING:
            yield self.write, (self._frame(OP_PONG, payload),), {}
        elif opcode == OP_CLOSE:
            try:
                code, reason = parse_close(payload)
            except ProtocolError as exc:
                exc.peer_closed = True  # no other close frame will come
                raise
            self.closed = True
            yield self.write, (self._frame(OP_CLOSE, close_payload(
                CLOSE_NORMAL if code == CLOSE_NO_STATUS else code)),), {}
            raise ConnectionClosed(code, reason)

    def _fail(self, code, reason=''):
        if not self.closed:
            self.closed = True
            try:
                yield self.write, (self._frame(OP_CLOSE, close_payload(
                    code, reason)),), {}
            except OSError:
                pass

    def _drain(self, skip=0):
        # after our close frame: drop the rest of a refused frame, then read
        # on to the peer's close, so that closing TCP sends no reset
        try:
            if self.set_timeout is not None:  # a silent peer must not hang it
                yield self.set_timeout, (self.close_timeout,), {}
            if skip > _MAX_DRAIN:
                return
            while skip > 0:
                data = yield self.read, (min(skip, 4096),), {}
                if not data:
                    return
                skip -= len(data)
            for _ in range(64):
                fin, op, payload = yield from read_frame(
                    self.read, self.max_message_size, not self.client)
                if op == OP_CLOSE:
                    return
        except Exception:  # a timeout, a reset, garbage: closed all the same
            pass

    def send(self, data, opcode=None):
        """Generator; sends one message (str as text, bytes as binary)."""
        if self.closed:
            raise ConnectionClosed(CLOSE_ABNORMAL)
        if opcode is None:
            opcode = OP_TEXT if isinstance(data, str) else OP_BINARY
        if isinstance(data, str):
            data = data.encode()
        try:
            yield self.write, (self._frame(opcode, data),), {}
        except OSError:  # the client left
            self.closed = True
            raise ConnectionClosed(CLOSE_ABNORMAL)

    def close(self, code=CLOSE_NORMAL, reason=''):
        """Generator; starts the closing handshake and waits for the reply.

        Messages still arriving are dropped; the peer's close ends it.
        """
        if self.closed:
            return
        yield from self._fail(code, reason)
        yield from self._drain()


def websocket_handler(upgrade, handler, request, args, kwargs,
                      already_handled):
    """Generator of the life of a WebSocket route, for every driver.

    ``upgrade(request)`` returns the WebSocket; the handler gets it as
    its second argument. A handler that ends closes with 1000, one that
    fails with 1011; a client that left ends it quietly.
    """
    ws = yield upgrade, (request,), {}
    try:
        yield handler, (request, ws) + tuple(args), kwargs
    except ConnectionClosed:
        return already_handled
    except Exception as exc:
        print_exception(exc)
        code = CLOSE_INTERNAL_ERROR
    else:
        code = CLOSE_NORMAL
    try:
        yield ws.close, (code,), {}
    except (ConnectionClosed, OSError):
        pass
    return already_handled
