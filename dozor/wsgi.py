import os

from django.core.wsgi import get_wsgi_application

from dozor.security.filemodes import private_umask

# Before the settings create DOZOR_HOME or SQLite its files: they are the account's alone.
private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
application = get_wsgi_application()
