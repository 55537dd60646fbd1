"""gunicorn's settings for the web pages, one place for `make run`, compose and Kubernetes:
`python -m gunicorn --config python:services.web.gunicorn_settings --bind HOST:PORT services.web.wsgi:app`."""
from shared.logs import gunicorn_config

# gthread workers: a page waiting on the gateway holds a thread, not a process.
workers = 2
threads = 4
accesslog = "-"
# Its error and access logs as JSON lines, one object per event (shared.logs).
logconfig_dict = gunicorn_config("web")
# The path alone, never the query: an invitation's link carries its secret there.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
