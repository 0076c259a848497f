"""gunicorn's settings, read from the working directory (`gunicorn wsgi:app` in the project).

Proxy headers are believed by the app alone, from DIRECTORY_PROXY_COUNT proxies only
(directory.core.security). gunicorn's default would turn X-Forwarded-Proto into HTTPS by itself
for any request from 127.0.0.1, whatever the app was told.
"""

forwarded_allow_ips = ""
