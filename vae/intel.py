"""`python -m vae.intel`, the command as INTERFACE.md writes it; its code is vae.publish.intel."""

import sys

from vae.publish.intel import main

if __name__ == "__main__":
    sys.exit(main())
