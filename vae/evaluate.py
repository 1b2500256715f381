"""`python -m vae.evaluate`: a model's scores on a folder of photos; its code is vae.core.evaluate."""

import sys

from vae.core.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
