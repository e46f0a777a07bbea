# main.py for a Wi-Fi board (ESP32, Pico W...): join the network, then
# serve. Install microdot_asyncio first (docs/boards.md), set SSID and
# PASSWORD, then: mpremote cp examples/boards/main.py :main.py
import time

import network

import microdot
from microdot_asyncio import Microdot

SSID = 'my-network'
PASSWORD = 'my-password'
PORT = 80

# Settings for a small board (docs/boards.md, "Settings for small boards").
# Set on the core's classes, which microdot_asyncio's inherit.
Microdot.max_connections = 2                 # ~4 KB of heap per connection
microdot.Microdot.keep_alive_timeout = 2     # idle connections go sooner
microdot.Request.max_content_length = 4096   # larger bodies get 413
microdot.Request.max_body_length = 1024      # larger ones: request.stream
microdot.Request.max_readline = 512          # longer lines get 414 or 431
microdot.Response.send_file_buffer_size = 512

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello from the board!'


def connect_wifi(ssid, password, timeout=20):
    """Join the network (once) and return this board's IP address."""
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        wlan.connect(ssid, password)
        deadline = time.time() + timeout
        while not wlan.isconnected():
            if time.time() > deadline:
                raise OSError('no Wi-Fi connection to ' + ssid)
            time.sleep(0.5)
    return wlan.ifconfig()[0]


ip = connect_wifi(SSID, PASSWORD)
print('Serving on http://%s:%d/' % (ip, PORT))
app.run(host=ip, port=PORT)
