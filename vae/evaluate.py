"""`python -m vae.evaluate`, the command as INTERFACE.md writes it; its code is vae.core.evaluate."""

import sys

from vae.core.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
