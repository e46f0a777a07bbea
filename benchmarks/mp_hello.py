"""Run by memory.py under ``micropython``: hello world, measuring the heap.

``micropython mp_hello.py PORT MODULE [MODE]`` serves ``GET /`` (``Hello,
world!``) with ``MODULE.Microdot`` (``microdot`` or ``microdot_asyncio``)
on 127.0.0.1 until ``GET /shutdown``, then prints one line::

    MEM baseline=<bytes> peak=<bytes> final=<bytes> samples=<n>

- ``baseline``: live heap once the app is set up, before serving;
- ``peak``: the largest live heap seen in the before- and after-request
  hooks, each sample taken right after ``gc.collect()`` (MODE ``sample``,
  the default); with MODE ``plain`` no hook is installed (memory.py's
  heap-size search runs the app as a user would);
- ``final``: live heap after the server stopped.
"""
import gc
import sys

port = int(sys.argv[1])
Microdot = __import__(sys.argv[2]).Microdot
mode = sys.argv[3] if len(sys.argv) > 3 else 'sample'
stats = [0, 0]  # peak, samples

app = Microdot()


def sample():
    gc.collect()
    used = gc.mem_alloc()
    if used > stats[0]:
        stats[0] = used
    stats[1] += 1


if mode == 'sample':
    @app.before_request
    def before(request):
        sample()

    @app.after_request
    def after(request, response):
        sample()
        return response


@app.route('/')
def index(request):
    return 'Hello, world!'


@app.route('/shutdown')
def shutdown(request):
    request.app.shutdown()
    return 'bye'


gc.collect()
baseline = gc.mem_alloc()
app.run(host='127.0.0.1', port=port)
gc.collect()
print('MEM baseline=%d peak=%d final=%d samples=%d' % (
    baseline, stats[0], gc.mem_alloc(), stats[1]))
