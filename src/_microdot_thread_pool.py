"""The worker threads of the threaded server, where ``threading`` exists
(CPython). Each connection is served by a thread, reused, up to
``max_connections``.
"""
import queue
import threading
import time

from _microdot_threaded import serve_socket


def serve_threaded(app, listener, ssl):
    """Accept connections until ``app.shutdown()``; each goes to a worker."""
    # workers are started only when every existing one is busy: starting a
    # thread costs more than a short request
    slots = threading.BoundedSemaphore(app.max_connections)
    jobs, threads, lock, idle = queue.SimpleQueue(), [], threading.Lock(), [0]

    def work():
        while True:
            with lock:
                idle[0] += 1
            job = jobs.get()
            with lock:
                idle[0] -= 1
            if job is None:
                return
            try:
                serve_socket(app, *job)
            finally:
                slots.release()

    listener.settimeout(0.25)  # to notice shutdown()
    while not app.stopping:
        if not slots.acquire(timeout=0.25):
            continue
        try:
            sock, addr = listener.accept()
        except OSError:
            slots.release()
            continue
        jobs.put((sock, addr, ssl))
        with lock:
            if jobs.qsize() > idle[0] and len(threads) < app.max_connections:
                threads.append(threading.Thread(target=work, daemon=True))
                threads[-1].start()
    deadline = time.time() + app.shutdown_timeout
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(max(deadline - time.time(), 0))
