"""gunicorn settings for ``app.py`` (``gunicorn -c gunicorn.conf.py``).

Every setting can be overridden on the command line, which wins over this
file, e.g. ``gunicorn -c gunicorn.conf.py --bind 127.0.0.1:9000``.
"""
import multiprocessing
import os

wsgi_app = 'app:app'
# the directory of this file, so that ``app`` imports from anywhere
chdir = os.path.dirname(os.path.abspath(__file__))

# all interfaces: the load balancer connects from another machine
bind = os.environ.get('BIND', '0.0.0.0:8000')
workers = int(os.environ.get('WEB_CONCURRENCY',
                             multiprocessing.cpu_count() * 2 + 1))

# gthread: each worker serves several connections with threads and keeps
# them alive between requests (the default sync worker closes each one)
worker_class = 'gthread'
threads = 4
keepalive = 5          # seconds, as Microdot.keep_alive_timeout
timeout = 30           # a worker silent this long is restarted
graceful_timeout = 10  # seconds to finish requests on SIGTERM

# gunicorn parses the request head before Microdot sees it: match the
# limits of microdot's Request so both refuse the same requests
limit_request_line = 2048        # Request.max_readline
limit_request_fields = 64        # Request.max_headers
limit_request_field_size = 2048  # Request.max_readline

# trust X-Forwarded-* only from the load balancer's address
forwarded_allow_ips = os.environ.get('FORWARDED_ALLOW_IPS', '127.0.0.1')
accesslog = '-'
