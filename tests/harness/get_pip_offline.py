"""Stand-in for the pip bootstrap script ansible-test downloads.

ansible-test fetches ``get-pip-<version>.py`` from a CI file host that the
test machines cannot reach. This script does the same job with what every
CPython has: ``ensurepip`` installs the bundled pip, which then installs the
pinned pip (and anything else asked for) from the package index. ansible-test
runs it as ``__main__`` with pip's install arguments; the get-pip-only flags
``--no-setuptools`` and ``--no-wheel`` are honoured by leaving those out.
"""

import subprocess
import sys


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
