"""The Microdot demo: every capability of the framework on a few pages.

Run it with ``make demo`` and open http://127.0.0.1:5000/ (or
``PYTHONPATH=src:examples python -m demo [PORT]``). ``make demo-mp`` runs
the same package under the ``micropython`` binary.

One module per page, each a small app mounted on the one in ``app.py``:

=============  ==========================================================
``app.py``     the front page (uTemplate), static files (ETag, 304),
               the access log, the 404 page; mounts the others
``accounts``   a login form (microdot_login on microdot_session) and a
               page only a logged-in user sees
``notes``      a JSON API that the page calls with ``fetch()``, open to
               a second origin by microdot_cors, guarded by microdot_csrf
``chat``       a WebSocket chat (microdot_asyncio_websocket)
``live``       a panel fed by Server-Sent Events (microdot_sse): the
               server's clock and each new chat message
``files``      uploads (microdot_multipart) streamed to a temporary
               directory, with a size limit, listed back for download
               (``send_from_directory``: ETag, Range)
``hub``        the chat's messages, shared by ``chat`` and ``live``
=============  ==========================================================

Under MicroPython (the unix port) every page works. The differences: the
upload directory is a fixed ``/tmp/microdot-demo-files`` (MicroPython has no
``tempfile``); the server is the portable asyncio streams driver rather than
CPython's Protocol driver; ``request.client_addr`` is the raw socket address
there (docs/migrating.md), which the access log decodes. On a board, copy
``src/`` and this package to the flash; uploads then go to flash, so lower
``files.MAX_UPLOAD``.
"""
