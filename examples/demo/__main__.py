"""``python -m demo [PORT]``: serve the demo on http://127.0.0.1:PORT/."""
import sys

from demo import files
from demo.app import create_app


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app = create_app(port)
    print('Microdot demo on http://127.0.0.1:{}/ (Ctrl-C to stop)'.format(
        port))
    try:
        app.run(host='127.0.0.1', port=port)
    except KeyboardInterrupt:
        pass
    finally:
        files.remove_uploads()


main()
