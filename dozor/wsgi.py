import importlib
import os
import sys

from django.core.wsgi import get_wsgi_application

from dozor.security.filemodes import private_umask

# The thread pools of NumPy's maths libraries (OpenBLAS, OpenMP, MKL), one thread each in a server.
MATHS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def lazy_modules_load() -> None:
    """Load now the modules the apps hold as lazy proxies (pandas, NumPy: lazy_loader.load).

    A command is done before it would miss the second it saves, but a server answers from several
    threads, and on Python 3.11 two threads that first touch a lazy module at once can see it
    half-loaded (CPython gh-114763, fixed in 3.12). So the server loads them here, in the one
    thread that imports this module, before any request.
    """
    for module in list(sys.modules.values()):
        # type(), not isinstance(): asking a proxy for its __class__ would load it already
        kind = type(module)
        if kind.__name__ == "_LazyModule" and kind.__module__ == "importlib.util":
            getattr(module, "__doc__", None)  # any attribute loads the module


# A server answers many requests at once from its processes and threads. NumPy's maths library
# would also start a pool of threads in every process for each small product (the name
# recogniser's, when an incident page takes names out of a summary): on two cores those threads
# spent three times the CPU of one thread waiting for each other. Set before NumPy loads (below,
# lazy_modules_load); a value the operator set is kept.
for variable in MATHS_THREADS:
    os.environ.setdefault(variable, "1")
# Before the settings create DOZOR_HOME or SQLite its files: they are the account's alone.
private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
application = get_wsgi_application()
# The URLs import the views (and the modules holding the proxies) on the first request otherwise.
importlib.import_module("dozor.urls")
lazy_modules_load()
