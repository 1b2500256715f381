"""`python -m vae.hub`, the command as INTERFACE.md writes it; its code is vae.publish.hub."""

import sys

from vae.publish.hub import main

if __name__ == "__main__":
    sys.exit(main())
