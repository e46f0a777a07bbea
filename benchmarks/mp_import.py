"""Run by memory.py under ``micropython``: RAM kept by one import.

``micropython mp_import.py MODULE [FIRST]`` imports ``FIRST`` (when given),
collects, imports ``MODULE``, collects again and prints
``RESULT <bytes> <modules newly loaded>``, or ``ERROR <reason>`` when the
import fails. The measure is the ``gc.mem_alloc()`` delta: what the module
(and what it pulls in) keeps on the heap once the import is done.
"""
import gc
import sys

name = sys.argv[1]
if len(sys.argv) > 2:
    __import__(sys.argv[2])
loaded = set(sys.modules)
gc.collect()
before = gc.mem_alloc()
try:
    __import__(name)
except Exception as exc:  # noqa: BLE001 - report any import failure
    print('ERROR', type(exc).__name__, exc)
    sys.exit(0)
gc.collect()
after = gc.mem_alloc()
print('RESULT', after - before,
      ' '.join(sorted(k for k in sys.modules if k not in loaded)))
